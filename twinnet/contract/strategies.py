"""Hypothesis strategies for the inputs of every registered operation.

Each strategy draws a dict of keyword arguments as float64 NumPy arrays (labels
as int64), ready for the vectorized twin; :func:`twinnet.contract.twins.to_pure` turns
them into the lists the pure twin takes. The registry names one strategy per
operation, and one more per ``*_backward`` for its gradient check: those keep
away from kinks (ReLU at 0, |x| at 0) and clips (a probability under 1e-7),
where a central difference does not measure the derivative.

This module needs Hypothesis (``pip install "twinnet[test]"``); nothing else in
twinnet imports it until a strategy is asked for.
"""

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

MAX_SIDE = 6  # rows, columns and lengths stay small: the point is variety, not size


def sides(min_value=1, max_value=MAX_SIDE):
    return st.integers(min_value, max_value)


def floats(low=-10.0, high=10.0):
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def away_from_zero(low=0.01, high=3.0):
    """Floats with low <= |x| <= high, of either sign."""
    return st.tuples(st.booleans(), floats(low, high)).map(lambda signed: signed[1] if signed[0] else -signed[1])


def arrays(shape, elements=None):
    return hnp.arrays(np.float64, shape, elements=elements if elements is not None else floats())


@st.composite
def dot_args(draw):
    n = draw(sides())
    return {"a": draw(arrays(n)), "b": draw(arrays(n))}


@st.composite
def matrix_args(draw):
    return {"matrix": draw(arrays((draw(sides()), draw(sides()))))}


@st.composite
def matmul_args(draw):
    n, k, m = draw(sides()), draw(sides()), draw(sides())
    return {"a": draw(arrays((n, k))), "b": draw(arrays((k, m)))}


@st.composite
def add_bias_args(draw):
    n, m = draw(sides()), draw(sides())
    return {"matrix": draw(arrays((n, m))), "bias": draw(arrays(m))}


@st.composite
def neuron_args(draw):
    n = draw(sides())
    return {"inputs": draw(arrays(n)), "weights": draw(arrays(n)), "bias": draw(floats())}


@st.composite
def layer_args(draw):
    n_inputs, n_neurons = draw(sides()), draw(sides())
    return {"inputs": draw(arrays(n_inputs)), "weights": draw(arrays((n_inputs, n_neurons))),
            "biases": draw(arrays(n_neurons))}


@st.composite
def dense_forward_args(draw, elements=None):
    n_samples, n_inputs, n_neurons = draw(sides()), draw(sides()), draw(sides())
    return {"inputs": draw(arrays((n_samples, n_inputs), elements)),
            "weights": draw(arrays((n_inputs, n_neurons), elements)),
            "biases": draw(arrays(n_neurons, elements))}


@st.composite
def dense_backward_args(draw):
    n_samples, n_inputs, n_neurons = draw(sides()), draw(sides()), draw(sides())
    return {"dvalues": draw(arrays((n_samples, n_neurons))), "inputs": draw(arrays((n_samples, n_inputs))),
            "weights": draw(arrays((n_inputs, n_neurons)))}


def dense_gradient_args():
    return dense_forward_args(floats(-3.0, 3.0))


def logits():
    """Mostly moderate values, and sometimes the huge ones (up to 1e4) that overflow a naive exp."""
    return st.one_of(floats(-30.0, 30.0), floats(-1e4, 1e4))


@st.composite
def activation_args(draw, elements=None):
    return {"inputs": draw(arrays((draw(sides()), draw(sides())), elements if elements is not None else logits()))}


@st.composite
def leaky_relu_args(draw):
    return {**draw(activation_args()), "slope": draw(floats(0.0, 1.0))}


@st.composite
def matrix_dvalues_args(draw):
    return {"dvalues": draw(arrays((draw(sides()), draw(sides()))))}


@st.composite
def _backward_args(draw, by, by_elements):
    shape = (draw(sides()), draw(sides()))
    return {"dvalues": draw(arrays(shape)), by: draw(arrays(shape, by_elements))}


def backward_by_inputs_args():
    return _backward_args("inputs", floats())


def backward_by_outputs_args():
    # The outputs of sigmoid and softmax lie in [0, 1], those of tanh in [-1, 1].
    return _backward_args("outputs", floats(-1.0, 1.0))


@st.composite
def leaky_relu_backward_args(draw):
    return {**draw(backward_by_inputs_args()), "slope": draw(floats(0.0, 1.0))}


def gelu_backward_args():
    # Inputs of +-1e4 too: tanh is +-1 exactly there, and 1 - t**2 must not turn into a NaN.
    return _backward_args("inputs", logits())


def activation_gradient_args():
    return activation_args(floats(-3.0, 3.0))


def away_from_zero_args():
    return activation_args(away_from_zero())


@st.composite
def leaky_relu_gradient_args(draw):
    return {**draw(away_from_zero_args()), "slope": draw(floats(0.0, 1.0))}


@st.composite
def class_targets(draw, n_samples, n_classes):
    """Sparse int labels, or the same labels as one-hot rows."""
    labels = draw(hnp.arrays(np.int64, n_samples, elements=st.integers(0, n_classes - 1)))
    if draw(st.booleans()):
        return labels
    return np.eye(n_classes)[labels]


@st.composite
def probability_rows(draw, n_samples, n_classes, elements):
    """Rows of class probabilities, as a softmax gives them: each in [0, 1], each row summing to 1.

    Drawn as non-negative weights and divided by their row's sum, so exact 0s,
    1s and ties among the weights stay exact 0s, 1s and ties. A row of zeros,
    which no softmax gives, becomes one-hot at a drawn class.
    """
    weights = draw(arrays((n_samples, n_classes), elements))
    for row in weights:
        if not row.sum() > 0:
            row[draw(st.integers(0, n_classes - 1))] = 1.0
    return weights / weights.sum(axis=1, keepdims=True)


@st.composite
def class_targets_args(draw, first="predictions"):
    n_samples, n_classes = draw(sides()), draw(sides())
    # Exact 0s, 1s and ties check the clip and the arg-max's tie-break.
    elements = st.one_of(floats(0.0, 1.0), st.sampled_from([0.0, 0.5, 1.0]))
    return {first: draw(probability_rows(n_samples, n_classes, elements)),
            "targets": draw(class_targets(n_samples, n_classes))}


def probabilities_targets_args():
    return class_targets_args("probabilities")


@st.composite
def class_targets_gradient_args(draw):
    # At least 2 classes: a row of one class is the probability 1, which a
    # central difference cannot move (a step of 1e-6 takes it out of [0, 1]).
    # Weights in [0.05, 0.95] keep every probability in [0.01, 0.95] (0.05 / 4.8
    # at the least, with 6 classes), away from the clip at 1e-7 and from 1; a
    # step of 1e-6 on one of them keeps its row's sum within the probabilities'
    # tolerance of 1e-6 per class.
    n_samples, n_classes = draw(sides()), draw(sides(2))
    return {"predictions": draw(probability_rows(n_samples, n_classes, floats(0.05, 0.95))),
            "targets": draw(class_targets(n_samples, n_classes))}


@st.composite
def logits_gradient_args(draw):
    n_samples, n_classes = draw(sides()), draw(sides(2))
    return {"logits": draw(arrays((n_samples, n_classes), floats(-5.0, 5.0))),
            "targets": draw(class_targets(n_samples, n_classes))}


@st.composite
def binary_args(draw, predictions=None):
    shape = (draw(sides()), draw(sides()))
    targets = st.one_of(st.sampled_from([0.0, 1.0]), floats(0.0, 1.0))
    return {"predictions": draw(arrays(shape, predictions if predictions is not None else floats(0.0, 1.0))),
            "targets": draw(arrays(shape, targets))}


def binary_gradient_args():
    return binary_args(floats(0.05, 0.95))


@st.composite
def regression_args(draw):
    shape = (draw(sides()), draw(sides()))
    return {"predictions": draw(arrays(shape)), "targets": draw(arrays(shape))}


@st.composite
def regression_gradient_args(draw):
    # |predictions - targets| >= 0.01, away from the kink of |x| at 0.
    shape = (draw(sides()), draw(sides()))
    predictions = draw(arrays(shape, floats(-5.0, 5.0)))
    return {"predictions": predictions, "targets": predictions + draw(arrays(shape, away_from_zero()))}


@st.composite
def _weights(draw, elements):
    if draw(st.booleans()):
        return draw(arrays(draw(sides()), elements))  # a bias vector
    return draw(arrays((draw(sides()), draw(sides())), elements))


@st.composite
def penalty_args(draw):
    return {"weights": draw(_weights(floats())), "strength": draw(floats(0.0, 10.0))}


@st.composite
def penalty_gradient_args(draw):
    return {"weights": draw(_weights(away_from_zero())), "strength": draw(floats(0.0, 10.0))}


@st.composite
def upstream_gradient(draw, shape):
    """A random ``dvalues`` of the given shape, to weight a forward's outputs."""
    return draw(arrays(shape, floats(-1.0, 1.0)))


# ---------------------------------------------------------------- rng, dropout, initialisation

def seeds():
    # Negative and huge seeds too: both twins must reduce them the same way.
    return st.one_of(st.integers(0, 2**32), st.integers(-2**70, 2**70))


def shapes():
    return st.one_of(st.tuples(sides(1, 30)), st.tuples(sides(), sides()))


@st.composite
def random_args(draw):
    return {"shape": draw(shapes()), "seed": draw(seeds())}


@st.composite
def permutation_args(draw):
    return {"n": draw(sides(1, 50)), "seed": draw(seeds())}


@st.composite
def init_dense_args(draw):
    return {"n_inputs": draw(sides()), "n_neurons": draw(sides()), "seed": draw(seeds()),
            "method": draw(st.sampled_from(["classic", "he", "glorot"]))}


def rates():
    return st.one_of(st.just(0.0), floats(0.0, 0.9))


@st.composite
def dropout_mask_args(draw):
    return {"shape": (draw(sides()), draw(sides())), "rate": draw(rates()), "seed": draw(seeds())}


def masks(shape):
    return hnp.arrays(np.float64, shape, elements=st.sampled_from([0.0, 1.0]))


@st.composite
def dropout_forward_args(draw, first="inputs", elements=None):
    shape = (draw(sides()), draw(sides()))
    return {first: draw(arrays(shape, elements)), "mask": draw(masks(shape)), "rate": draw(rates())}


def dropout_backward_args():
    return dropout_forward_args("dvalues")


def dropout_gradient_args():
    return dropout_forward_args("inputs", floats(-3.0, 3.0))


# ---------------------------------------------------------------- accuracies

@st.composite
def binary_accuracy_args(draw):
    shape = (draw(sides()), draw(sides()))
    predictions = st.one_of(floats(0.0, 1.0), st.just(0.5))
    return {"predictions": draw(arrays(shape, predictions)), "targets": draw(masks(shape))}


@st.composite
def regression_accuracy_args(draw):
    return {**draw(regression_args()), "precision": draw(floats(0.0, 5.0))}


# ---------------------------------------------------------------- optimizers

HYPERPARAMETER_VALUES = {
    "lr": floats(0.0, 1.0), "decay": floats(0.0, 0.1), "momentum": floats(0.0, 0.99),
    "epsilon": floats(1e-8, 1e-3), "rho": floats(0.0, 0.99), "beta1": floats(0.0, 0.99),
    "beta2": floats(0.0, 0.999),
}
OPTIMIZER_SLOTS = {"sgd": ("momentums",), "adagrad": ("caches",), "rmsprop": ("caches",),
                   "adam": ("momentums", "caches")}
OPTIMIZER_HYPERPARAMETERS = {"sgd": ("lr", "decay", "momentum"), "adagrad": ("lr", "decay", "epsilon"),
                             "rmsprop": ("lr", "decay", "epsilon", "rho"),
                             "adam": ("lr", "decay", "epsilon", "beta1", "beta2")}


@st.composite
def optimizer_args(draw, name):
    names = [f"p{i}" for i in range(draw(sides(1, 3)))]
    shapes_ = {n: draw(st.one_of(st.tuples(sides()), st.tuples(sides(), sides()))) for n in names}
    params = {n: draw(arrays(shape)) for n, shape in shapes_.items()}
    grads = {n: draw(arrays(shape)) for n, shape in shapes_.items()}
    state = None
    if draw(st.booleans()):
        state = {"iterations": draw(st.integers(0, 1000))}
        for slot in OPTIMIZER_SLOTS[name]:
            elements = floats(0.0, 10.0) if slot == "caches" else floats()
            state[slot] = {n: draw(arrays(shape, elements)) for n, shape in shapes_.items()}
    chosen = draw(st.lists(st.sampled_from(OPTIMIZER_HYPERPARAMETERS[name]), unique=True))
    hyperparameters = draw(st.one_of(st.none(), st.fixed_dictionaries({k: HYPERPARAMETER_VALUES[k] for k in chosen})))
    return {"params": params, "grads": grads, "state": state, "hyperparameters": hyperparameters}


def sgd_args():
    return optimizer_args("sgd")


def adagrad_args():
    return optimizer_args("adagrad")


def rmsprop_args():
    return optimizer_args("rmsprop")


def adam_args():
    return optimizer_args("adam")


# ---------------------------------------------------------------- data sets

@st.composite
def classic_data_args(draw):
    return {"samples": draw(sides(1, 40)), "classes": draw(sides(1, 5)), "seed": draw(seeds())}


@st.composite
def sine_args(draw):
    return {"samples": draw(sides(1, 200))}


@st.composite
def sort_digits_args(draw):
    # Few symbols (every digit repeats, ties to sort) and many (up to the largest allowed).
    symbols = draw(st.one_of(st.integers(2, 12), st.integers(2, 10**8)))
    return {"n_samples": draw(sides(1, 20)), "length": draw(sides(1, 16)), "symbols": symbols,
            "seed": draw(st.one_of(st.integers(0, 2**32), st.integers(0, 2**70)))}


@st.composite
def train_test_split_args(draw):
    """A data set of 2 to 20 samples (labels or rows of targets) and a fraction that leaves each side one."""
    n_samples, n_features = draw(sides(2, 20)), draw(sides(1, 4))
    targets = draw(st.one_of(hnp.arrays(np.int64, n_samples, elements=st.integers(0, 5)),
                             arrays((n_samples, 2), floats())))
    n_test = draw(st.integers(1, n_samples - 1))
    return {"inputs": draw(arrays((n_samples, n_features), floats())), "targets": targets,
            "test_fraction": (n_test + draw(st.floats(-0.4, 0.4))) / n_samples, "seed": draw(seeds())}


# ---------------------------------------------------------------- networks

HIDDEN = ["relu", "leaky_relu", "tanh", "sigmoid", "linear", "gelu"]
SMOOTH = ["tanh", "sigmoid", "linear", "gelu"]  # no kink for a central difference to straddle
TASK_NAMES = ["classification", "binary", "regression"]


@st.composite
def model_settings(draw, activations=tuple(HIDDEN)):
    sizes = [draw(sides(1, 5)) for _ in range(draw(st.integers(2, 4)))]
    return {"sizes": sizes, "activation": draw(st.sampled_from(activations)),
            "task": draw(st.sampled_from(TASK_NAMES)), "dropout": draw(st.one_of(st.just(0.0), floats(0.0, 0.5))),
            "l1": draw(st.one_of(st.just(0.0), floats(0.0, 0.1))),
            "l2": draw(st.one_of(st.just(0.0), floats(0.0, 0.1)))}


def generic_arrays(shape, low=-1.0, high=1.0):
    """Arrays of random floats drawn by NumPy from a seed that Hypothesis picks.

    For whole networks: Hypothesis would otherwise build inputs where sums cancel
    to exactly 0, where ReLU's and |w|'s kinks sit. There a rounding difference
    of 1e-17 between the twins flips a gradient by a whole term: a true
    difference between two correct programs, not a bug. Values in general
    position keep the comparison about the arithmetic.
    """
    return st.integers(0, 2**32 - 1).map(lambda seed: np.random.default_rng(seed).uniform(low, high, shape))


@st.composite
def model_params(draw, sizes, elements=None):
    params = {}
    for i, (n_inputs, n_neurons) in enumerate(zip(sizes[:-1], sizes[1:])):
        if elements is None:
            params[f"weights{i}"] = draw(generic_arrays((n_inputs, n_neurons)))
            params[f"biases{i}"] = draw(generic_arrays(n_neurons))
        else:
            params[f"weights{i}"] = draw(arrays((n_inputs, n_neurons), elements))
            params[f"biases{i}"] = draw(arrays(n_neurons, elements))
    return params


@st.composite
def models(draw, activations=tuple(HIDDEN), elements=None):
    settings = draw(model_settings(activations))
    return {**settings, "params": draw(model_params(settings["sizes"], elements))}


def _side_after(size, kernel, stride, padding=0):
    return (size + 2 * padding - kernel) // stride + 1


@st.composite
def image_layer_lists(draw, activations=tuple(HIDDEN)):
    """[channels, height, width] and layers that fit it: conv2d (odd sizes, rectangular kernels, stride,
    padding), an activation, perhaps a max or average pool (overlapping windows too), flatten, perhaps
    dropout, dense."""
    height, width = draw(sides(3, 7)), draw(sides(3, 7))
    kernel, stride, padding = ([draw(st.integers(1, 3)) for _ in "hw"], [draw(st.integers(1, 2)) for _ in "hw"],
                               [draw(st.integers(0, 1)) for _ in "hw"])
    layers = [{"type": "conv2d", "filters": draw(sides(1, 3)), "kernel": kernel, "stride": stride,
               "padding": padding}, {"type": draw(st.sampled_from(activations))}]
    out_height, out_width = (_side_after(side, k, s, p) for side, k, s, p in zip((height, width), kernel, stride,
                                                                                  padding))
    if min(out_height, out_width) >= 2 and draw(st.booleans()):
        layers.append({"type": draw(st.sampled_from(["max_pool2d", "avg_pool2d"])), "size": 2,
                       "stride": draw(st.sampled_from([1, 2]))})
    layers.append({"type": "flatten"})
    if draw(st.booleans()):
        layers.append({"type": "dropout", "rate": draw(floats(0.0, 0.5))})
    layers.append({"type": "dense", "units": draw(sides(1, 4))})
    return [draw(sides(1, 2)), height, width], layers


@st.composite
def image_models(draw, activations=tuple(HIDDEN)):
    """A small convolutional model, its weights drawn by create_layers from a seed Hypothesis picks."""
    input_shape, layers = draw(image_layer_lists(activations))
    settings = draw(model_settings(activations))
    return _vectorized_network().create_layers(input_shape, layers, settings["task"], draw(seeds()), "he",
                                               settings["l1"], settings["l2"])


@st.composite
def sequence_layer_lists(draw):
    """Token indices {"length", "vocabulary"} and layers that fit them: an embedding, perhaps a
    positional encoding, perhaps a causal transformer block, perhaps layer norm or dropout, dense."""
    length, vocabulary = draw(sides(1, 5)), draw(sides(2, 5))
    heads = draw(sides(1, 2))
    width = heads * draw(sides(1, 3))
    layers = [{"type": "embedding", "width": width}]
    if draw(st.booleans()):
        layers.append({"type": "positional_encoding"})
    if draw(st.booleans()):
        layers.append({"type": "transformer_block", "heads": heads, "hidden": draw(sides(1, 4))})
    for kind in draw(st.lists(st.sampled_from(["layer_norm", "dropout", "gelu"]), max_size=2)):
        layers.append({"type": kind, "rate": draw(floats(0.0, 0.5))} if kind == "dropout" else {"type": kind})
    layers.append({"type": "dense", "units": draw(sides(1, 4))})
    return {"length": length, "vocabulary": vocabulary}, layers


@st.composite
def sequence_models(draw):
    """A small sequence model (classification at every position), drawn by create_layers from a seed."""
    inputs, layers = draw(sequence_layer_lists())
    settings = draw(model_settings())
    return _vectorized_network().create_layers(inputs, layers, "classification", draw(seeds()), "he",
                                               settings["l1"], settings["l2"])


@st.composite
def sequence_targets(draw, n_samples, length, n_outputs):
    """Labels (n_samples, length), -1 (not scored) here and there, one position of each sample scored."""
    labels = st.integers(-1, n_outputs - 1)
    rows = draw(st.lists(st.lists(labels, min_size=length, max_size=length), min_size=n_samples,
                         max_size=n_samples))
    for row in rows:
        row[draw(st.integers(0, length - 1))] = draw(st.integers(0, n_outputs - 1))
    return np.array(rows)


def _input_shape(model):
    """The shape of one input sample of a model: (features,), (channels, height, width) or (length,)."""
    if isinstance(model.get("inputs"), dict):
        return (model["inputs"]["length"],)
    return tuple(model["inputs"]) if isinstance(model.get("inputs"), list) else (model["sizes"][0],)


def _n_outputs(model):
    return model["sizes"][-1] if "sizes" in model else model["layers"][-1]["units"]


@st.composite
def task_targets(draw, task, n_samples, n_outputs):
    if task == "classification":
        return draw(class_targets(n_samples, n_outputs))
    if task == "binary":
        return draw(masks((n_samples, n_outputs)))
    return draw(generic_arrays((n_samples, n_outputs), -3.0, 3.0))


@st.composite
def network_args(draw, activations=tuple(HIDDEN), elements=None, n_samples=None):
    # A convolutional or a sequence model now and then, in the tests that compare the twins on whole networks.
    kind = draw(st.sampled_from(["dense"] * 4 + ["images", "sequences"])) \
        if elements is None and activations == tuple(HIDDEN) else "dense"
    model = draw({"dense": models(activations, elements), "images": image_models(),
                  "sequences": sequence_models()}[kind])
    n_samples = n_samples or draw(sides(1, 8))
    shape = (n_samples, *_input_shape(model))
    if kind == "sequences":
        vocabulary, length = model["inputs"]["vocabulary"], model["inputs"]["length"]
        tokens = st.lists(st.lists(st.integers(0, vocabulary - 1), min_size=length, max_size=length),
                          min_size=n_samples, max_size=n_samples).map(np.array)
        return {"model": model, "inputs": draw(tokens),
                "targets": draw(sequence_targets(n_samples, length, _n_outputs(model)))}
    inputs = generic_arrays(shape, -3.0, 3.0) if elements is None else arrays(shape, floats(-3.0, 3.0))
    return {"model": model, "inputs": draw(inputs),
            "targets": draw(task_targets(model["task"], n_samples, _n_outputs(model)))}


@st.composite
def create_args(draw):
    settings = draw(model_settings())
    return {**settings, "seed": draw(seeds()), "init": draw(st.sampled_from(["classic", "he", "glorot"]))}


@st.composite
def dense_layer_lists(draw):
    """A number of features and a list of dense, activation and dropout layers."""
    layers = []
    for _ in range(draw(st.integers(0, 2))):
        layers += [{"type": "dense", "units": draw(sides(1, 5))}, {"type": draw(st.sampled_from(HIDDEN))}]
        if draw(st.booleans()):
            layers.append({"type": "dropout", "rate": draw(floats(0.0, 0.5))})
    layers.append({"type": "dense", "units": draw(sides(1, 5))})
    return draw(sides(1, 5)), layers


@st.composite
def create_layers_args(draw):
    """A model of samples of features (dense, activation and dropout layers), or one of images
    (conv2d, an activation, perhaps a pool, flatten, perhaps dropout, dense)."""
    input_shape, layers = draw(st.one_of(dense_layer_lists(), image_layer_lists(), sequence_layer_lists()))
    settings = draw(model_settings())
    task = "classification" if isinstance(input_shape, dict) else settings["task"]  # a softmax at each position
    return {"input_shape": input_shape, "layers": layers, "task": task, "seed": draw(seeds()),
            "init": draw(st.sampled_from(["classic", "he", "glorot"])), "l1": settings["l1"], "l2": settings["l2"]}


@st.composite
def dropout_masks_args(draw):
    return {"model": draw(models()), "n_samples": draw(sides(1, 8)), "seed": draw(seeds())}


def _vectorized_network():
    import vectorized.network

    return vectorized.network


@st.composite
def forward_args(draw):
    args = draw(network_args())
    masks = None
    if draw(st.booleans()):
        masks = _vectorized_network().dropout_masks(args["model"], len(args["inputs"]), draw(seeds()))
    return {"model": args["model"], "inputs": args["inputs"], "masks": masks}


@st.composite
def loss_args(draw):
    args = draw(network_args())
    outputs = _vectorized_network().predict(args["model"], args["inputs"])
    return {"model": args["model"], "outputs": outputs, "targets": args["targets"]}


@st.composite
def backward_args(draw):
    args = draw(network_args())
    network = _vectorized_network()
    masks = network.dropout_masks(args["model"], len(args["inputs"]), draw(seeds()))
    _, cache = network.forward(args["model"], args["inputs"], masks)
    return {"model": args["model"], "cache": cache, "targets": args["targets"]}


def optimizer_choices():
    return st.sampled_from(["sgd", "adagrad", "rmsprop", "adam"])


def small_hyperparameters():
    # Always a small learning rate: the defaults of sgd and adagrad (lr 1.0) can
    # make a random regression network diverge to inf within a few steps, and a
    # comparison of infinities says nothing about the arithmetic.
    return st.fixed_dictionaries({"lr": floats(0.0, 0.1)})


@st.composite
def train_step_args(draw):
    args = draw(network_args())
    return {**args, "optimizer": draw(optimizer_choices()), "state": None,
            "hyperparameters": draw(small_hyperparameters()), "seed": draw(seeds())}


@st.composite
def train_epoch_args(draw):
    args = draw(network_args())
    return {**args, "optimizer": draw(optimizer_choices()), "state": None,
            "hyperparameters": draw(small_hyperparameters()),
            "batch_size": draw(st.one_of(st.none(), sides(1, 8))), "seed": draw(seeds()),
            "epoch": draw(st.integers(0, 100))}


@st.composite
def fit_args(draw):
    args = draw(network_args())
    return {**args, "epochs": draw(sides(1, 3)), "batch_size": draw(st.one_of(st.none(), sides(1, 8))),
            "optimizer": draw(optimizer_choices()), "hyperparameters": draw(small_hyperparameters()),
            "seed": draw(seeds())}


@st.composite
def predict_args(draw):
    args = draw(network_args())
    return {"model": args["model"], "inputs": args["inputs"], "batch_size": draw(st.one_of(st.none(), sides(1, 8)))}


@st.composite
def evaluate_args(draw):
    return {**draw(network_args()), "batch_size": draw(st.one_of(st.none(), sides(1, 8)))}


@st.composite
def model_file_args(draw):
    return {"model": draw(models()), "path": "model.json"}


@st.composite
def network_gradient_args(draw):
    """A smooth model's parameters by name, with the rest of the model and a batch."""
    args = draw(network_args(tuple(SMOOTH), away_from_zero(0.05, 1.0)))
    model = args.pop("model")
    settings = {key: value for key, value in model.items() if key != "params"}
    return {**args, **model["params"], "settings": settings, "seed": draw(seeds())}


# ---------------------------------------------------------------- IDX files

@st.composite
def idx_args(draw):
    """Small images and labels, as bytes of IDX files (the registry's hooks write them to disk)."""
    count, rows, columns = draw(sides(1, 8)), draw(sides(1, 5)), draw(sides(1, 5))
    images = draw(hnp.arrays(np.uint8, (count, rows, columns)))
    labels = draw(hnp.arrays(np.uint8, count, elements=st.integers(0, 9)))
    return {"images": images, "labels": labels, "limit": draw(st.one_of(st.none(), sides(1, 10))),
            "dtype": draw(st.sampled_from(["float64", "float32"])), "gzipped": draw(st.booleans())}


# ---------------------------------------------------------------- images: convolution and pooling
# Small batches of small images, of odd and even sizes; strides > 1, padding > 0,
# rectangular kernels and windows, pooling windows that overlap (stride < size), and
# ties in pooling windows (values drawn from a few small integers).


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def int_or_pair(low, high):
    """An int in [low, high], or a pair (vertical, horizontal) of them."""
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def _out(side, window, stride, padding=0):
    return (side + 2 * padding - window) // stride + 1


@st.composite
def conv2d_args(draw, elements=None):
    n_samples, channels, n_filters = draw(sides(1, 2)), draw(sides(1, 3)), draw(sides(1, 3))
    kernel = (draw(sides(1, 3)), draw(sides(1, 3)))
    stride, padding = draw(int_or_pair(1, 3)), draw(int_or_pair(0, 2))
    pad = _pair(padding)
    # The kernel fits the padded image: height + 2 * padding >= kernel height.
    height = draw(st.integers(max(1, kernel[0] - 2 * pad[0]), 7))
    width = draw(st.integers(max(1, kernel[1] - 2 * pad[1]), 7))
    return {"inputs": draw(arrays((n_samples, channels, height, width), elements)),
            "weights": draw(arrays((n_filters, channels) + kernel, elements)),
            "biases": draw(arrays(n_filters, elements)), "stride": stride, "padding": padding}


def conv2d_output_shape(kwargs):
    """The shape of conv2d's outputs for these arguments."""
    (n_samples, _, height, width), (n_filters, _, kernel_height, kernel_width) = \
        np.shape(kwargs["inputs"]), np.shape(kwargs["weights"])
    stride, padding = _pair(kwargs["stride"]), _pair(kwargs["padding"])
    return (n_samples, n_filters, _out(height, kernel_height, stride[0], padding[0]),
            _out(width, kernel_width, stride[1], padding[1]))


@st.composite
def conv2d_backward_args(draw):
    kwargs = draw(conv2d_args())
    del kwargs["biases"]
    return {"dvalues": draw(arrays(conv2d_output_shape(kwargs))), **kwargs}


def conv2d_gradient_args():
    return conv2d_args(floats(-3.0, 3.0))


def pooling_values():
    """Floats, or (for ties in the windows) a few small integers as floats."""
    return st.sampled_from([floats(), st.sampled_from([-1.0, 0.0, 1.0, 2.0])])


@st.composite
def pool_args(draw, distinct=False):
    n_samples, channels = draw(sides(1, 2)), draw(sides(1, 3))
    size = draw(int_or_pair(1, 3))
    stride = draw(st.one_of(st.none(), int_or_pair(1, 3)))  # stride < size: windows overlap
    window = _pair(size)
    shape = (n_samples, channels, draw(st.integers(window[0], 7)), draw(st.integers(window[1], 7)))
    if distinct:
        # Distinct values 0.1 apart, so that a step of 1e-6 moves no window's maximum.
        order = draw(st.permutations(range(int(np.prod(shape)))))
        inputs = (np.array(order, dtype=np.float64) * 0.1 - 3.0).reshape(shape)
    else:
        inputs = draw(arrays(shape, draw(pooling_values())))
    return {"inputs": inputs, "size": size, "stride": stride}


def pool_output_shape(kwargs):
    """The shape of a pooling's outputs for these arguments."""
    n_samples, channels, height, width = np.shape(kwargs["inputs"])
    window = _pair(kwargs["size"])
    stride = window if kwargs["stride"] is None else _pair(kwargs["stride"])
    return (n_samples, channels, _out(height, window[0], stride[0]), _out(width, window[1], stride[1]))


@st.composite
def pool_backward_args(draw):
    kwargs = draw(pool_args())
    return {"dvalues": draw(arrays(pool_output_shape(kwargs))), **kwargs}


def max_pool_gradient_args():
    return pool_args(distinct=True)


def avg_pool_gradient_args():
    return pool_args()


@st.composite
def images_args(draw, elements=None):
    shape = (draw(sides(1, 3)), draw(sides(1, 3)), draw(sides(1, 5)), draw(sides(1, 5)))
    return {"inputs": draw(arrays(shape, elements))}


def images_gradient_args():
    return images_args(floats(-3.0, 3.0))


@st.composite
def flatten_backward_args(draw):
    shape = (draw(sides(1, 3)), draw(sides(1, 3)), draw(sides(1, 5)), draw(sides(1, 5)))
    return {"dvalues": draw(arrays((shape[0], int(np.prod(shape[1:]))))), "shape": shape}



# ---------------------------------------------------------------- normalisation
# Odd and even numbers of features (one feature too: a variance of 0), rows far from 0 (an offset of
# up to 1e6 per row, or per column for batch norm, where the deviations from the mean are small
# differences of large numbers), constant rows (variance 0: eps keeps them finite), and for layer norm,
# sequences (n_samples, length, features) besides matrices. Batch norm's batches have 2 samples or more.

OFFSETS = st.sampled_from([0.0, 0.0, 1e3, -1e6])


def epsilons():
    return st.one_of(st.just(1e-5), floats(1e-8, 1.0))


def _with_affine(draw, inputs, dvalues, elements=None, **statistics):
    """Arguments of a normalisation of ``inputs``: a gamma and a beta per feature (the last side), the
    ``statistics`` given, and an eps; for its backward, ``dvalues`` of the inputs' shape in place of beta."""
    features = inputs.shape[-1]
    args = {"inputs": inputs, "gamma": draw(arrays(features, elements)), "beta": draw(arrays(features, elements)),
            **statistics, "eps": draw(epsilons())}
    if dvalues:
        del args["beta"]
        return {"dvalues": draw(arrays(inputs.shape)), **args}
    return args


def _matrix_or_sequences_shape(draw):
    """(n_samples, features) or (n_samples, length, features): a matrix, or sequences."""
    return draw(st.one_of(st.tuples(sides()), st.tuples(sides(1, 3), sides(1, 4)))) + (draw(sides()),)


@st.composite
def layer_norm_args(draw, dvalues=False):
    shape = _matrix_or_sequences_shape(draw)
    inputs = draw(arrays(shape)) + draw(arrays(shape[:-1] + (1,), OFFSETS))  # an offset per row
    return _with_affine(draw, inputs, dvalues)


def layer_norm_backward_args():
    return layer_norm_args(dvalues=True)


@st.composite
def _general_affine_args(draw, shape):
    # Values in general position, near 0: a step of 1e-6 on a value of 1e6 would be rounded away.
    return {"inputs": draw(generic_arrays(shape, -3.0, 3.0)), "gamma": draw(generic_arrays(shape[-1], -3.0, 3.0)),
            "beta": draw(generic_arrays(shape[-1], -3.0, 3.0)), "eps": draw(st.sampled_from([1e-5, 1e-3, 0.1]))}


@st.composite
def layer_norm_gradient_args(draw):
    return draw(_general_affine_args(_matrix_or_sequences_shape(draw)))


@st.composite
def batch_norm_args(draw, dvalues=False):
    shape = (draw(sides(2)), draw(sides()))
    inputs = draw(arrays(shape)) + draw(arrays((1, shape[1]), OFFSETS))  # an offset per column
    return _with_affine(draw, inputs, dvalues)


def batch_norm_backward_args():
    return batch_norm_args(dvalues=True)


@st.composite
def batch_norm_gradient_args(draw):
    return draw(_general_affine_args((draw(sides(2)), draw(sides()))))


@st.composite
def running_statistics_args(draw):
    inputs = draw(batch_norm_args())["inputs"]
    features = inputs.shape[1]
    return {"inputs": inputs, "running_mean": draw(arrays(features)),
            "running_var": draw(arrays(features, floats(0.0, 10.0))),
            "momentum": draw(st.one_of(st.just(0.1), floats(0.0, 1.0)))}


@st.composite
def batch_norm_inference_args(draw, dvalues=False, elements=None, variances=floats(0.0, 10.0)):
    shape = (draw(sides()), draw(sides()))  # one sample is fine: the statistics are the running ones
    return _with_affine(draw, draw(arrays(shape, elements)), dvalues, elements,
                        running_mean=draw(arrays(shape[1], elements)), running_var=draw(arrays(shape[1], variances)))


def batch_norm_inference_backward_args():
    return batch_norm_inference_args(dvalues=True)


def batch_norm_inference_gradient_args():
    return batch_norm_inference_args(elements=floats(-3.0, 3.0), variances=floats(0.1, 3.0))


# ---------------------------------------------------------------- sequences: embeddings and attention
# Sequences are (n_samples, length, width). d_k runs from 1 to 6, so that dividing the scores by d_k
# and by sqrt(d_k) differ (they agree at d_k = 1 alone); there are as many queries as keys or not;
# masks are None, drawn at random (each row keeping at least one key) or causal.


def token_indices(n_samples, length, vocabulary):
    return hnp.arrays(np.int64, (n_samples, length), elements=st.integers(0, vocabulary - 1))


@st.composite
def embedding_args(draw, elements=None):
    n_samples, length, vocabulary, width = draw(sides(1, 3)), draw(sides()), draw(sides(1, 8)), draw(sides())
    return {"indices": draw(token_indices(n_samples, length, vocabulary)),
            "table": draw(arrays((vocabulary, width), elements))}


@st.composite
def embedding_backward_args(draw):
    n_samples, length, vocabulary, width = draw(sides(1, 3)), draw(sides()), draw(sides(1, 8)), draw(sides())
    return {"dvalues": draw(arrays((n_samples, length, width))),
            "indices": draw(token_indices(n_samples, length, vocabulary)), "vocabulary": vocabulary}


def embedding_gradient_args():
    return embedding_args(floats(-3.0, 3.0))


@st.composite
def positional_encoding_args(draw):
    return {"length": draw(sides(1, 64)), "width": draw(sides(1, 16))}  # odd widths too: a last sin column


@st.composite
def causal_mask_args(draw):
    return {"n": draw(sides(1, 12))}


MASK_KINDS = ("none", "random", "causal")


@st.composite
def attention_masks(draw, kind, n_queries, n_keys):
    """None, a causal mask (n_queries == n_keys), or booleans drawn at random, a True at least in each row."""
    if kind == "none":
        return None
    if kind == "causal":
        return np.tri(n_queries, dtype=bool)  # True where j <= i
    mask = draw(hnp.arrays(np.bool_, (n_queries, n_keys)))
    for row in mask:
        if not row.any():
            row[draw(st.integers(0, n_keys - 1))] = True
    return mask


@st.composite
def attention_args(draw, elements=None, with_value=True, doutputs=False):
    """query, key (and value, and the upstream gradient doutputs) of 1 to 3 samples, and a mask."""
    n_samples, n_queries, d_k, d_v = draw(sides(1, 3)), draw(sides()), draw(sides()), draw(sides())
    kind = draw(st.sampled_from(MASK_KINDS))
    n_keys = n_queries if kind == "causal" else draw(sides())
    kwargs = {"query": draw(arrays((n_samples, n_queries, d_k), elements)),
              "key": draw(arrays((n_samples, n_keys, d_k), elements))}
    if with_value:
        kwargs["value"] = draw(arrays((n_samples, n_keys, d_v), elements))
    if doutputs:
        kwargs = {"doutputs": draw(arrays((n_samples, n_queries, d_v))), **kwargs}
    return {**kwargs, "mask": draw(attention_masks(kind, n_queries, n_keys))}


def attention_weights_args():
    return attention_args(with_value=False)


def scaled_dot_product_attention_args():
    return attention_args()


def scaled_dot_product_attention_backward_args():
    return attention_args(doutputs=True)


def scaled_dot_product_attention_gradient_args():
    return attention_args(floats(-2.0, 2.0))


PROJECTIONS = ("query_weights", "key_weights", "value_weights", "output_weights")


@st.composite
def multi_head_attention_args(draw, elements=None, projections=PROJECTIONS, dvalues=False, max_side=(2, 5, 3)):
    """Self-attention's inputs, its projections, 1 to 3 heads (of 1 to 3 features each) and a mask.

    Values in [-3, 3] by default: the projections multiply, and scores of a few hundred already give
    weights of exactly 0 and 1, which say little about the arithmetic.
    """
    elements = elements if elements is not None else floats(-3.0, 3.0)
    n_samples, length, d_head = draw(sides(1, max_side[0])), draw(sides(1, max_side[1])), draw(sides(1, max_side[2]))
    n_heads = draw(sides(1, 3))
    width = n_heads * d_head
    kwargs = {"inputs": draw(arrays((n_samples, length, width), elements))}
    kwargs.update({name: draw(arrays((width, width), elements)) for name in projections})
    if dvalues:
        kwargs = {"dvalues": draw(arrays((n_samples, length, width))), **kwargs}
    mask = draw(attention_masks(draw(st.sampled_from(MASK_KINDS)), length, length))
    return {**kwargs, "n_heads": n_heads, "mask": mask}


def multi_head_attention_weights_args():
    return multi_head_attention_args(projections=PROJECTIONS[:2])


def multi_head_attention_backward_args():
    return multi_head_attention_args(dvalues=True)


def multi_head_attention_gradient_args():
    # Smaller: the central differences run the pure forward twice per parameter.
    return multi_head_attention_args(floats(-1.5, 1.5), max_side=(2, 4, 2))
