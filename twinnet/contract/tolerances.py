"""How far apart the twins may be: a scale per result element, times one relative tolerance.

The twins agree when, element by element,

    |pure - vectorized| <= AGREEMENT_RTOL * scale

where ``scale`` is the sum of the absolute values of the terms that produced the
element (for a matrix product, ``(|a| @ |b|)[i, j]``), not the element itself:
a long sum that cancels to nearly 0 keeps the rounding of its large terms.
Each function here takes an operation's arguments (as NumPy arrays) and the
vectorized result, and returns that scale for every element of the result
(a structure of the result's shape; 0 where the twins must agree exactly).
The registry names one per operation.
"""

import numpy as np

from twinnet.contract.twins import TWINS, leaves, map_leaves

# Summing k terms in a different order moves the result by at most about
# k * 1.1e-16 * scale, so 1e-12 leaves room for sums of thousands of terms while
# a wrong formula, off by a whole term, is caught.
AGREEMENT_RTOL = 1e-12


def _abs(kwargs, name):
    return np.abs(np.asarray(kwargs[name], dtype=np.float64))


def _is_numeric(leaf):
    """Arrays, lists of numbers and floats (not the ints of a count, nor strings or None)."""
    return isinstance(leaf, (np.ndarray, float, list))


# ---------------------------------------------------------------- for any operation


def exact(kwargs, result):
    # Comparisons, copies, selections and random draws: both twins must agree
    # bit for bit (a scale of 0 allows no difference at all).
    return 0.0


def magnitude(kwargs, result):
    """Each element against itself: for results that are not sums that cancel."""
    return map_leaves(lambda leaf: np.abs(np.asarray(leaf, dtype=np.float64)), result)


def normwise(kwargs, result):
    """For composite results (optimizer steps, data sets): each element against the largest of its array.

    Deep compositions of sums are only accurate to a fraction of the array's
    size, not of each element's.
    """

    def leaf_scale(leaf):
        if _is_numeric(leaf):
            size = np.abs(np.asarray(leaf, dtype=np.float64))
            return size + (size.max() if size.size else 0.0)
        return 0.0

    return map_leaves(leaf_scale, result)


def network(kwargs, result):
    """For whole networks: every value against the largest in the result, and never against less than 1.

    The tests' inputs, weights and targets are of order 1, so a difference below
    1e-12 is rounding; it can be far larger than the value it sits in when a
    gradient cancels to nearly 0 and Adam divides it by its own tiny size (plus
    epsilon). A mistake moves values by whole percents.
    """
    largest = max([1.0] + [float(np.max(np.abs(np.asarray(leaf, dtype=np.float64))))
                           for _, leaf in leaves(result) if _is_numeric(leaf) and np.size(leaf)])
    return map_leaves(lambda leaf: np.abs(np.asarray(leaf, dtype=np.float64)) + largest
                      if _is_numeric(leaf) else 0.0, result)


def training(kwargs, result):
    """For training steps: the network scale, times how far an optimizer can magnify rounding.

    Adagrad, RMSprop and Adam divide each gradient by its own root-mean-square
    plus epsilon. A gradient that cancels to nearly 0 carries a rounding error
    as large as itself, and the division turns that error into a step of up to
    lr * error / epsilon: the twins' parameters may then differ by lr / epsilon
    times the rounding of one gradient, at every step. (Plain SGD only scales by lr.)
    """
    optimizer = kwargs["optimizer"]
    hyperparameters = {**TWINS["vectorized"].optimizers.DEFAULTS[optimizer], **(kwargs["hyperparameters"] or {})}
    magnification = 1.0 if optimizer == "sgd" else max(1.0, hyperparameters["lr"] / hyperparameters["epsilon"])
    n_samples = len(kwargs["inputs"])
    batch_size = kwargs.get("batch_size") or n_samples
    steps = kwargs.get("epochs", 1) * -(-n_samples // batch_size)
    return map_leaves(lambda scale: scale * magnification * steps, network(kwargs, result))


def pixels(kwargs, result):
    # pixel / 255 is one correctly rounded division in both twins: exact in float64.
    # In float32 the vectorized twin rounds to single precision: half an ulp of float32.
    return 0.0 if kwargs["dtype"] == "float64" else map_leaves(lambda leaf: np.abs(leaf) * 2.0 ** -24 * 1e12, result)


# ---------------------------------------------------------------- the terms of one operation


def dot(kw, result):
    return np.sum(_abs(kw, "a") * _abs(kw, "b"))


def matmul(kw, result):
    return _abs(kw, "a") @ _abs(kw, "b")


def add_bias(kw, result):
    return _abs(kw, "matrix") + _abs(kw, "bias")


def neuron(kw, result):
    return np.sum(_abs(kw, "inputs") * _abs(kw, "weights")) + abs(kw["bias"])


def layer(kw, result):
    """``layer`` and ``dense_forward``: inputs @ weights + biases, in absolute values."""
    return _abs(kw, "inputs") @ _abs(kw, "weights") + _abs(kw, "biases")


def dense_backward(kw, result):
    dvalues, inputs, weights = _abs(kw, "dvalues"), _abs(kw, "inputs"), _abs(kw, "weights")
    return dvalues @ weights.T, inputs.T @ dvalues, dvalues.sum(axis=0)


def tanh_backward(kw, result):
    # 1 - t*t cancels when |t| is near 1: scale by the terms, not the result.
    return _abs(kw, "dvalues") * (1 + _abs(kw, "outputs") ** 2)


def softmax_backward(kw, result):
    dvalues, outputs = _abs(kw, "dvalues"), _abs(kw, "outputs")
    return outputs * (dvalues + np.sum(dvalues * outputs, axis=1, keepdims=True))


def _one_hot(kw, name, n_classes):
    targets = np.asarray(kw[name])
    if targets.ndim == 2:
        return np.abs(targets.astype(np.float64))
    return np.eye(n_classes)[targets]


def softmax_cross_entropy_backward(kw, result):
    probabilities = _abs(kw, "probabilities")
    return (probabilities + _one_hot(kw, "targets", probabilities.shape[1])) / probabilities.shape[0]


def binary_cross_entropy_backward(kw, result):
    p = np.clip(_abs(kw, "predictions"), 1e-7, 1 - 1e-7)
    t = _abs(kw, "targets")
    return (t / p + np.abs(1 - t) / (1 - p)) / p.size


def difference_backward(kw, result):
    """``mean_squared_error_backward``: 2 * (predictions - targets) / n, in absolute values."""
    predictions, targets = _abs(kw, "predictions"), _abs(kw, "targets")
    return 2 * (predictions + targets) / predictions.size


def _in_absolute_values(name, *arrays):
    """The scale of ``conv.name``, a sum of products linear in each of ``arrays``: the same operation on
    their absolute values, which sums the absolute values of each element's terms."""
    def scale(kw, result):
        absolute = {key: (_abs(kw, key) if key in arrays else value) for key, value in kw.items()}
        return TWINS["vectorized"].function("conv", name)(**absolute)
    scale.__name__ = name
    return scale


conv2d = _in_absolute_values("conv2d", "inputs", "weights", "biases")
conv2d_backward = _in_absolute_values("conv2d_backward", "dvalues", "inputs", "weights")
# The maxima's places depend on the signed inputs: only the upstream gradient is taken absolute.
max_pool2d_backward = _in_absolute_values("max_pool2d_backward", "dvalues")
avg_pool2d = _in_absolute_values("avg_pool2d", "inputs")
avg_pool2d_backward = _in_absolute_values("avg_pool2d_backward", "dvalues")
