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


def _in_absolute_values(name, *arrays, module="conv"):
    """The scale of ``module.name``, a sum of products linear in each of ``arrays``: the same operation on
    their absolute values, which sums the absolute values of each element's terms."""
    def scale(kw, result):
        absolute = {key: (_abs(kw, key) if key in arrays else value) for key, value in kw.items()}
        return TWINS["vectorized"].function(module, name)(**absolute)
    scale.__name__ = name
    return scale


conv2d = _in_absolute_values("conv2d", "inputs", "weights", "biases")
conv2d_backward = _in_absolute_values("conv2d_backward", "dvalues", "inputs", "weights")
# The maxima's places depend on the signed inputs: only the upstream gradient is taken absolute.
max_pool2d_backward = _in_absolute_values("max_pool2d_backward", "dvalues")
avg_pool2d = _in_absolute_values("avg_pool2d", "inputs")
avg_pool2d_backward = _in_absolute_values("avg_pool2d_backward", "dvalues")


# ---------------------------------------------------------------- normalisation and GELU
# A normalised value (x - mean) * inv_std, inv_std = 1 / sqrt(variance + eps), carries the rounding of
# the mean, a sum whose terms are the row's values: it is off by a few roundings of |x| + mean(|x|), the
# terms of x - mean, however small the difference (a row far from 0, 1e6 + small numbers). The variance
# sums each deviation times that rounding, so inv_std is off, relative to itself, by a few roundings of
# R = inv_std**2 * mean(|x - mean| * (|x| + mean(|x|))). Each normalised value is held to
#
#     S = inv_std * (|x| + mean(|x|)) + |normalised| * R
#
# and what is computed from it inherits S. Batch norm is the same along the columns.


def _normalised(x, eps):
    """Rows normalised along the last axis: (normalised, inv_std, S, R) as above, inv_std and R per row."""
    x = np.asarray(x, dtype=np.float64)
    deviations = x - x.mean(axis=-1, keepdims=True)
    inv_std = 1 / np.sqrt((deviations ** 2).mean(axis=-1, keepdims=True) + eps)
    normalised = deviations * inv_std
    terms = np.abs(x) + np.abs(x).mean(axis=-1, keepdims=True)
    relative = inv_std ** 2 * (np.abs(deviations) * terms).mean(axis=-1, keepdims=True)
    return normalised, inv_std, inv_std * terms + np.abs(normalised) * relative, relative


def _normalise_scale(x, gamma, beta, eps):
    """gamma * normalised + beta along the last axis (gamma, beta broadcast against x)."""
    normalised, _, scale, _ = _normalised(x, eps)
    return np.abs(gamma) * scale + np.abs(gamma * normalised) + np.abs(beta)


def _normalise_backward_terms(dvalues, x, gamma, eps):
    """For a normalisation along the last axis: the scale of dinputs, and the terms of dgamma and dbeta.

        dinputs = inv_std * (d - mean(d) - normalised * mean(d * normalised)),  d = dvalues * gamma

    d - mean(d) has the terms |d| and mean(|d|); normalised * mean(d * normalised), and the rounding
    of the normalised values in it, at most 3 * S * mean(|d| * S); inv_std adds its own R.
    """
    normalised, inv_std, scale, relative = _normalised(x, eps)
    dvalues = np.abs(np.asarray(dvalues, dtype=np.float64))
    d = dvalues * np.abs(gamma)
    dinputs = inv_std * (1 + relative) * (d + d.mean(axis=-1, keepdims=True)
                                          + 3 * scale * (d * scale).mean(axis=-1, keepdims=True))
    return dinputs, dvalues * scale, dvalues


def layer_norm(kw, result):
    return _normalise_scale(kw["inputs"], _abs(kw, "gamma"), _abs(kw, "beta"), kw["eps"])


def layer_norm_backward(kw, result):
    dinputs, dgamma, dbeta = _normalise_backward_terms(kw["dvalues"], kw["inputs"], _abs(kw, "gamma"), kw["eps"])
    rows = tuple(range(dinputs.ndim - 1))  # every axis but the features: samples, and positions
    return dinputs, dgamma.sum(axis=rows), dbeta.sum(axis=rows)


def batch_norm(kw, result):
    inputs = np.asarray(kw["inputs"], dtype=np.float64)
    return _normalise_scale(inputs.T, _abs(kw, "gamma")[:, None], _abs(kw, "beta")[:, None], kw["eps"]).T


def batch_norm_backward(kw, result):
    dvalues, inputs = (np.asarray(kw[name], dtype=np.float64).T for name in ("dvalues", "inputs"))
    dinputs, dgamma, dbeta = _normalise_backward_terms(dvalues, inputs, _abs(kw, "gamma")[:, None], kw["eps"])
    return dinputs.T, dgamma.sum(axis=-1), dbeta.sum(axis=-1)


def running_statistics(kw, result):
    """(1 - momentum) * running + momentum * statistic; the variance's terms as in _normalised, times n / (n - 1)."""
    inputs = np.asarray(kw["inputs"], dtype=np.float64).T  # each feature's batch along the last axis
    n_samples, momentum = inputs.shape[-1], kw["momentum"]
    deviations = inputs - inputs.mean(axis=-1, keepdims=True)
    terms = np.abs(inputs) + np.abs(inputs).mean(axis=-1, keepdims=True)
    variance = (deviations ** 2).mean(axis=-1) + 2 * (np.abs(deviations) * terms).mean(axis=-1)
    return ((1 - momentum) * _abs(kw, "running_mean") + momentum * np.abs(inputs).mean(axis=-1),
            (1 - momentum) * _abs(kw, "running_var") + momentum * variance * n_samples / (n_samples - 1))


def _inference_terms(kw):
    """1 / sqrt(running_var + eps), and the terms of inputs - running_mean, of batch norm in evaluation."""
    return 1 / np.sqrt(_abs(kw, "running_var") + kw["eps"]), _abs(kw, "inputs") + _abs(kw, "running_mean")


def batch_norm_inference(kw, result):
    inv_std, centred = _inference_terms(kw)
    return _abs(kw, "gamma") * centred * inv_std + _abs(kw, "beta")


def batch_norm_inference_backward(kw, result):
    inv_std, centred = _inference_terms(kw)
    dvalues = _abs(kw, "dvalues")
    return dvalues * _abs(kw, "gamma") * inv_std, (dvalues * centred).sum(axis=0) * inv_std, dvalues.sum(axis=0)


def gelu(kw, result):
    # 0.5 * x + 0.5 * x * tanh(...): two terms of at most |x| / 2, which cancel for negative x.
    return _abs(kw, "inputs")


def gelu_backward(kw, result):
    """0.5 * (1 + t) + 0.5 * x * (1 - t**2) * sqrt(2 / pi) * (1 + 3 * 0.044715 * x**2), in absolute values:
    1 - t**2 cancels where |t| is near 1. |t| is the tanh of |x|'s argument (x + 0.044715 x**3 has x's sign)."""
    x, dvalues = _abs(kw, "inputs"), _abs(kw, "dvalues")
    t = np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3))
    return dvalues * (0.5 * (1 + t) + 0.5 * x * (1 + t * t) * np.sqrt(2 / np.pi) * (1 + 3 * 0.044715 * x * x))


# ---------------------------------------------------------------- attention
# A softmax magnifies rounding. A score off by e (in absolute terms) moves its own weight by about e
# times that weight, and each other weight of its row by at most as much: dw[j] = w[j] * (ds[j] -
# sum_i w[i] * ds[i]). A score is a dot product of d_k terms divided by sqrt(d_k), so it is off by a few
# roundings of S, the sum of its terms' sizes. Each weight is therefore held to its own size times
# (1 + 2 * the largest S of its row), and what is computed from the weights inherits that scale.
# Multi-head attention's queries and keys are products themselves: their sizes (|inputs| @ |weights|)
# bound their rounding, and stand in for |query| and |key|.

embedding_backward = _in_absolute_values("embedding_backward", "dvalues", module="attention")

# Below the smallest normal float64 (2.2e-308), rounding is by absolute amounts (subnormal numbers):
# an exp that small is held to that much, whatever its own size.
_SUBNORMAL = np.finfo(np.float64).tiny / AGREEMENT_RTOL


def positional_encoding(kw, result):
    """sin and cos have slopes of at most 1, so an angle off by a few roundings moves the value by as little:
    each element against 1 + its position, the largest its angle pos / 10000 ** (2i / width) can be."""
    return 1.0 + np.arange(kw["length"], dtype=np.float64)[:, None] + np.zeros(kw["width"])


def _weights_scale(query, key, mask, weights):
    """The scale of attention weights, from the sizes of the queries and keys (arrays >= 0, any batch axes)."""
    terms = query @ key.mT / np.sqrt(query.shape[-1])
    allowed = True if mask is None else np.asarray(mask, dtype=bool)
    largest = np.where(allowed, terms, 0.0).max(axis=-1, keepdims=True)
    return np.abs(weights) * (1.0 + 2.0 * largest) + _SUBNORMAL


def _attention_scales(query, key, value, weights, mask, doutputs=None):
    """The scale of attention's outputs, or given the upstream gradient's sizes ``doutputs``, the scales of its
    three gradients (dquery, dkey, dvalue), from the sizes of its arguments (arrays >= 0) and its weights.

        outputs = weights @ value    dvalue = weights^T @ doutputs    dweights = doutputs @ value^T
        dscores = weights * (dweights - sum(dweights * weights)) / sqrt(d_k)
        dquery = dscores @ key       dkey = dscores^T @ query
    """
    scale = _weights_scale(query, key, mask, weights)
    if doutputs is None:
        return scale @ value
    dweights = doutputs @ value.mT
    spread = dweights + np.sum(dweights * weights, axis=-1, keepdims=True)
    dscores = (scale * spread + weights * np.sum(dweights * scale, axis=-1, keepdims=True)) / np.sqrt(query.shape[-1])
    return dscores @ key, dscores.mT @ query, scale.mT @ doutputs


def _vectorized_attention():
    return TWINS["vectorized"].attention


def attention_weights(kw, result):
    return _weights_scale(_abs(kw, "query"), _abs(kw, "key"), kw.get("mask"), result)


def _attention(kw, doutputs=None):
    weights = _vectorized_attention().attention_weights(kw["query"], kw["key"], kw.get("mask"))
    return _attention_scales(_abs(kw, "query"), _abs(kw, "key"), _abs(kw, "value"), weights, kw.get("mask"),
                             doutputs)


def scaled_dot_product_attention(kw, result):
    return _attention(kw)


def scaled_dot_product_attention_backward(kw, result):
    return _attention(kw, _abs(kw, "doutputs"))


def _projected_heads(kw, name):
    """The sizes of one projection's terms, |inputs| @ |weights|, split into heads as the vectorized twin
    splits them: (n_samples, n_heads, length, d_head)."""
    return _vectorized_attention()._split_heads(_abs(kw, "inputs") @ _abs(kw, name), kw["n_heads"])


def multi_head_attention_weights(kw, result):
    return _weights_scale(_projected_heads(kw, "query_weights"), _projected_heads(kw, "key_weights"),
                          kw.get("mask"), result)


def _multi_head(kw, dvalues=None):
    """The scale of the heads side by side (the output projection's inputs), or given the upstream
    gradient's sizes, the scales of dquery, dkey and dvalue side by side (see _attention_scales)."""
    attention = _vectorized_attention()
    weights = attention.multi_head_attention_weights(kw["inputs"], kw["query_weights"], kw["key_weights"],
                                                      kw["n_heads"], kw.get("mask"))
    query, key, value = (_projected_heads(kw, name) for name in ("query_weights", "key_weights", "value_weights"))
    if dvalues is None:
        return attention._merge_heads(_attention_scales(query, key, value, weights, kw.get("mask")))
    dheads = attention._split_heads(dvalues @ _abs(kw, "output_weights").T, kw["n_heads"])
    return [attention._merge_heads(scale) for scale in _attention_scales(query, key, value, weights,
                                                                        kw.get("mask"), dheads)]


def multi_head_attention(kw, result):
    return _multi_head(kw) @ _abs(kw, "output_weights")


def multi_head_attention_backward(kw, result):
    inputs, dvalues = _abs(kw, "inputs"), _abs(kw, "dvalues")
    dquery, dkey, dvalue = _multi_head(kw, dvalues)

    def weights_gradient(left, right):  # the sum over samples and positions of left^T @ right
        return left.reshape(-1, left.shape[-1]).T @ right.reshape(-1, right.shape[-1])

    dinputs = dquery @ _abs(kw, "query_weights").T + dkey @ _abs(kw, "key_weights").T + \
        dvalue @ _abs(kw, "value_weights").T
    return (dinputs, weights_gradient(inputs, dquery), weights_gradient(inputs, dkey),
            weights_gradient(inputs, dvalue), weights_gradient(_multi_head(kw), dvalues))
