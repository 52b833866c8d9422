"""The registry: one entry per operation that exists in both twins.

Each :class:`Operation` names the pure and the vectorized function, a Hypothesis
strategy for its inputs (by name, in :mod:`twinnet.strategies`), how large the
terms are that it sums (for the agreement tolerance), a small valid example, and
for a ``*_backward`` function, the forward computation it is the gradient of.

The tests are generated from this table, so an operation added here is
agreement-tested, gradient-checked and bad-input-tested without another line;
an operation added to one twin but not here fails the parity test.
"""

from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np

from twinnet.twins import TWINS, leaves, map_leaves

# Agreement: |pure - vectorized| <= AGREEMENT_RTOL * scale, element by element,
# where scale is the sum of the absolute values of the terms that produced the
# element (for a matrix product, (|a| @ |b|)[i, j]). Summing k terms in a
# different order moves the result by at most about k * 1.1e-16 * scale, so
# 1e-12 leaves room for sums of thousands of terms while a wrong formula, off by
# a whole term, is caught.
AGREEMENT_RTOL = 1e-12


@dataclass(frozen=True)
class Gradient:
    """What a ``*_backward`` operation is the gradient of, for the gradient checks.

    forward(twin, **kwargs) computes the forward value in one twin: a matrix, to
    be weighted by a random upstream gradient ``dvalues``, or a float (a loss).
    backward_kwargs(twin, kwargs, outputs, dvalues) builds the backward call's
    arguments from the forward's. ``wrt`` names the forward arguments that the
    backward's results are the gradients of, in the order it returns them.
    """

    forward: Callable
    backward_kwargs: Callable
    wrt: object  # a tuple of names, or a function of the forward kwargs giving one
    inputs: str  # strategy for forward kwargs away from kinks and clips

    def names(self, kwargs):
        return self.wrt(kwargs) if callable(self.wrt) else self.wrt


@dataclass(frozen=True, repr=False)
class Operation:
    name: str
    module: str
    inputs: str  # name of a strategy in twinnet.strategies
    example: dict  # small valid arguments, as lists (both twins take lists)
    scale: Callable  # (numpy kwargs, vectorized result) -> magnitude per element
    gradient: Optional[Gradient] = None
    mismatches: tuple = ()  # argument overrides that make shapes disagree: ValueError
    invalid: tuple = field(default=())  # (overrides, exception type) for other bad values
    # For operations that touch files: (operation, kwargs) -> (pure result, vectorized result).
    run: Optional[Callable] = None

    def function(self, twin_name):
        return TWINS[twin_name].function(self.module, self.name)

    def __repr__(self):
        return f"<operation {self.module}.{self.name}>"

    @property
    def pure(self):
        return self.function("pure")

    @property
    def vectorized(self):
        return self.function("vectorized")

    def strategy(self):
        """The Hypothesis strategy of keyword arguments (NumPy arrays) for this operation."""
        from twinnet import strategies

        return getattr(strategies, self.inputs)()

    def gradient_strategy(self):
        from twinnet import strategies

        return getattr(strategies, self.gradient.inputs)()


# ---------------------------------------------------------------- scales
# Each takes the arguments as float64 arrays and the vectorized result, and
# returns, for every element of the result, the sum of |terms| that made it.


def _a(kwargs, name):
    return np.abs(np.asarray(kwargs[name], dtype=np.float64))


def _magnitude(kwargs, result):
    return map_leaves(lambda leaf: np.abs(np.asarray(leaf, dtype=np.float64)), result)


def _exact(kwargs, result):
    # Comparisons, copies, selections and random draws: both twins must agree
    # bit for bit (a scale of 0 allows no difference at all).
    return 0.0


def _numeric(leaf):
    """Arrays, lists of numbers and floats (not the ints of a count, nor strings or None)."""
    return isinstance(leaf, (np.ndarray, float, list))


def _normwise(kwargs, result):
    """For composite results (optimizer steps, networks, data sets): each element is
    compared against the largest element of its array. Deep compositions of sums
    are only accurate to a fraction of the array's size, not of each element's."""

    def leaf_scale(leaf):
        if _numeric(leaf):
            magnitude = np.abs(np.asarray(leaf, dtype=np.float64))
            return magnitude + (magnitude.max() if magnitude.size else 0.0)
        return 0.0

    return map_leaves(leaf_scale, result)


def _network_scale(kwargs, result):
    """For whole networks: every value against the largest in the result, and never
    against less than 1. The tests' inputs, weights and targets are of order 1, so
    a difference below 1e-12 is rounding; it can be far larger than the value it
    sits in when a gradient cancels to nearly 0 and Adam divides it by its own
    tiny size (plus epsilon). A mistake moves values by whole percents."""
    largest = max([1.0] + [float(np.max(np.abs(np.asarray(leaf, dtype=np.float64))))
                           for _, leaf in leaves(result) if _numeric(leaf) and np.size(leaf)])
    return map_leaves(lambda leaf: np.abs(np.asarray(leaf, dtype=np.float64)) + largest
                      if _numeric(leaf) else 0.0, result)


def _training_scale(kwargs, result):
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
    return map_leaves(lambda scale: scale * magnification * steps, _network_scale(kwargs, result))


def _dot_scale(kw, result):
    return np.sum(_a(kw, "a") * _a(kw, "b"))


def _matmul_scale(kw, result):
    return _a(kw, "a") @ _a(kw, "b")


def _add_bias_scale(kw, result):
    return _a(kw, "matrix") + _a(kw, "bias")


def _neuron_scale(kw, result):
    return np.sum(_a(kw, "inputs") * _a(kw, "weights")) + abs(kw["bias"])


def _layer_scale(kw, result):
    return _a(kw, "inputs") @ _a(kw, "weights") + _a(kw, "biases")


def _dense_backward_scale(kw, result):
    dvalues, inputs, weights = _a(kw, "dvalues"), _a(kw, "inputs"), _a(kw, "weights")
    return dvalues @ weights.T, inputs.T @ dvalues, dvalues.sum(axis=0)


def _tanh_backward_scale(kw, result):
    # 1 - t*t cancels when |t| is near 1: scale by the terms, not the result.
    return _a(kw, "dvalues") * (1 + _a(kw, "outputs") ** 2)


def _softmax_backward_scale(kw, result):
    dvalues, outputs = _a(kw, "dvalues"), _a(kw, "outputs")
    return outputs * (dvalues + np.sum(dvalues * outputs, axis=1, keepdims=True))


def _one_hot(kw, name, n_classes):
    targets = np.asarray(kw[name])
    if targets.ndim == 2:
        return np.abs(targets.astype(np.float64))
    return np.eye(n_classes)[targets]


def _softmax_ce_backward_scale(kw, result):
    probabilities = _a(kw, "probabilities")
    return (probabilities + _one_hot(kw, "targets", probabilities.shape[1])) / probabilities.shape[0]


def _bce_backward_scale(kw, result):
    p = np.clip(_a(kw, "predictions"), 1e-7, 1 - 1e-7)
    t = _a(kw, "targets")
    return (t / p + np.abs(1 - t) / (1 - p)) / p.size


def _difference_backward_scale(kw, result):
    predictions, targets = _a(kw, "predictions"), _a(kw, "targets")
    return 2 * (predictions + targets) / predictions.size


# ---------------------------------------------------------------- gradients


def _activation_gradient(name, by, inputs="activation_gradient_args", **extra):
    """The gradient of an elementwise activation, whose backward takes ``by``."""

    def forward(twin, inputs, **options):
        return twin.function("activations", name)(inputs, **options)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        given = kwargs["inputs"] if by == "inputs" else outputs
        args = {"dvalues": dvalues, by: given}
        args.update({k: v for k, v in kwargs.items() if k != "inputs"})
        return args

    return Gradient(forward, backward_kwargs, ("inputs",), inputs)


def _loss_gradient(name, inputs):
    def forward(twin, predictions, targets):
        return twin.function("losses", name)(predictions, targets)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        return dict(kwargs)

    return Gradient(forward, backward_kwargs, ("predictions",), inputs)


def _penalty_gradient(name, inputs):
    def forward(twin, weights, strength):
        return twin.function("losses", name)(weights, strength)

    def backward_kwargs(twin, kwargs, outputs, dvalues):
        return dict(kwargs)

    return Gradient(forward, backward_kwargs, ("weights",), inputs)


def _dense_forward(twin, inputs, weights, biases):
    return twin.layers.dense_forward(inputs, weights, biases)


def _dense_backward_kwargs(twin, kwargs, outputs, dvalues):
    return {"dvalues": dvalues, "inputs": kwargs["inputs"], "weights": kwargs["weights"]}


def _softmax_then_cross_entropy(twin, logits, targets):
    return twin.losses.categorical_cross_entropy(twin.activations.softmax(logits), targets)


def _softmax_ce_kwargs(twin, kwargs, outputs, dvalues):
    return {"probabilities": twin.activations.softmax(kwargs["logits"]), "targets": kwargs["targets"]}


# ---------------------------------------------------------------- examples
# Small valid arguments. The bad-input tests break them one way at a time.

_X = [[1.0, -2.0, 3.0], [-0.5, 0.25, 2.0]]  # 2 samples, 3 features
_W = [[0.2, -0.1], [0.4, 0.3], [-0.6, 0.5]]  # 3 inputs, 2 neurons
_B = [0.1, -0.2]
_DV = [[0.5, -1.0], [2.0, 0.25]]  # gradient of a (2, 2) output
_P = [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]  # 2 samples, 3 class probabilities
_LABELS = [0, 2]
_ONE_HOT = [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
_BINARY_P = [[0.9, 0.2], [0.4, 0.6]]
_BINARY_T = [[1.0, 0.0], [0.0, 1.0]]
_TALL = [[1.0], [2.0], [3.0]]  # a (3, 1) matrix that fits none of the above
_MASK = [[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]  # keeps 4 of _X's 6 values


def _activation(name, by=None, options=None, scale=_magnitude, gradient_inputs="activation_gradient_args"):
    """Entries for an elementwise activation and, when ``by`` is given, its backward."""
    options = options or {}
    forward = Operation(
        name, "activations", "leaky_relu_args" if options else "activation_args",
        dict(inputs=_X, **options), _magnitude if name != "step" else _exact,
        invalid=tuple(({k: "0.1"}, TypeError) for k in options),
    )
    if by is None:
        return [forward]
    backward = Operation(
        f"{name}_backward", "activations",
        "leaky_relu_backward_args" if options else ("backward_by_inputs_args" if by == "inputs" else "backward_by_outputs_args"),
        dict(dvalues=_X, **{by: _X}, **options), scale,
        gradient=_activation_gradient(name, by, gradient_inputs),
        mismatches=({by: _X[:1]}, {"dvalues": [row[:2] for row in _X]}),
        invalid=tuple(({k: None}, TypeError) for k in options),
    )
    return [forward, backward]


def _class_loss(name, scale, gradient=None, first="predictions"):
    return Operation(
        name, "losses", "class_targets_args" if first == "predictions" else "probabilities_targets_args",
        {first: _P, "targets": _LABELS}, scale,
        gradient=gradient,
        mismatches=({"targets": [0, 1, 2]}, {"targets": _ONE_HOT[:1]}, {"targets": [row[:2] for row in _ONE_HOT]}),
        invalid=(({"targets": [0, 3]}, ValueError), ({"targets": [0, -1]}, ValueError),
                 ({"targets": [0.0, 2.0]}, TypeError), ({"targets": [0, "1"]}, TypeError),
                 ({"targets": [[1.0, 0.0, 0.0], [0.0, 2.0, 0.0]]}, ValueError)),
    )


def _elementwise_loss(name, inputs, example, scale, gradient=None):
    predictions, targets = example
    return Operation(
        name, "losses", inputs, dict(predictions=predictions, targets=targets), scale,
        gradient=gradient,
        mismatches=({"targets": targets[:1]}, {"targets": [row[:1] for row in targets]}),
    )


def _penalty(name, scale, gradient=None):
    return Operation(
        name, "losses", "penalty_args", dict(weights=_W, strength=0.01), scale,
        gradient=gradient,
        invalid=(({"strength": -0.5}, ValueError), ({"strength": "0.01"}, TypeError), ({"strength": None}, TypeError)),
    )


OPERATIONS = [
    # linalg
    Operation("dot", "linalg", "dot_args", dict(a=[1.0, 2.0, 3.0], b=[4.0, -5.0, 6.0]), _dot_scale,
              mismatches=({"b": [4.0, -5.0]},)),
    Operation("transpose", "linalg", "matrix_args", dict(matrix=_X), _exact),
    Operation("matmul", "linalg", "matmul_args", dict(a=_X, b=_W), _matmul_scale,
              mismatches=({"b": _W[:2]}, {"a": _W})),
    Operation("add_bias", "linalg", "add_bias_args", dict(matrix=_X, bias=[0.1, 0.2, 0.3]), _add_bias_scale,
              mismatches=({"bias": _B},)),
    # layers
    Operation("neuron", "layers", "neuron_args", dict(inputs=[1.0, 2.0, 3.0], weights=[0.2, 0.8, -0.5], bias=2.0),
              _neuron_scale, mismatches=({"weights": [0.2, 0.8]},),
              invalid=(({"bias": "2"}, TypeError), ({"bias": [2.0]}, TypeError))),
    Operation("layer", "layers", "layer_args", dict(inputs=[1.0, 2.0, 3.0], weights=_W, biases=_B), _layer_scale,
              mismatches=({"inputs": [1.0, 2.0]}, {"biases": [0.1]}, {"weights": _W[:2]})),
    Operation("dense_forward", "layers", "dense_forward_args", dict(inputs=_X, weights=_W, biases=_B), _layer_scale,
              mismatches=({"weights": _W[:2]}, {"biases": [0.1, 0.2, 0.3]}, {"inputs": _TALL})),
    Operation("dense_backward", "layers", "dense_backward_args", dict(dvalues=_DV, inputs=_X, weights=_W),
              _dense_backward_scale,
              gradient=Gradient(_dense_forward, _dense_backward_kwargs, ("inputs", "weights", "biases"),
                                "dense_gradient_args"),
              mismatches=({"dvalues": _DV[:1]}, {"weights": _W[:2]}, {"dvalues": [[1.0, 2.0, 3.0]] * 2},
                          {"inputs": _TALL})),
    Operation("init_dense", "layers", "init_dense_args", dict(n_inputs=3, n_neurons=2, seed=0, method="he"), _exact,
              invalid=(({"method": "xavier"}, ValueError), ({"n_inputs": 0}, ValueError),
                       ({"n_neurons": 2.0}, TypeError), ({"seed": 1.5}, TypeError))),
    Operation("dropout_mask", "layers", "dropout_mask_args", dict(shape=(2, 3), rate=0.5, seed=0), _exact,
              invalid=(({"rate": 1.0}, ValueError), ({"rate": -0.1}, ValueError), ({"shape": (2, 0)}, ValueError),
                       ({"shape": (2, 3, 4)}, ValueError), ({"seed": "0"}, TypeError))),
    Operation("dropout_forward", "layers", "dropout_forward_args", dict(inputs=_X, mask=_MASK, rate=0.5),
              _magnitude, mismatches=({"mask": _MASK[:1]},),
              invalid=(({"rate": 1.0}, ValueError), ({"rate": "0.5"}, TypeError))),
    Operation("dropout_backward", "layers", "dropout_backward_args", dict(dvalues=_X, mask=_MASK, rate=0.5),
              _magnitude,
              gradient=Gradient(lambda twin, inputs, mask, rate: twin.layers.dropout_forward(inputs, mask, rate),
                                lambda twin, kwargs, outputs, dvalues: {"dvalues": dvalues, "mask": kwargs["mask"],
                                                                         "rate": kwargs["rate"]},
                                ("inputs",), "dropout_gradient_args"),
              mismatches=({"mask": [row[:2] for row in _MASK]},),
              invalid=(({"rate": 1.5}, ValueError),)),
    # activations
    *_activation("step"),
    *_activation("linear")[:1],
    Operation("linear_backward", "activations", "matrix_dvalues_args", dict(dvalues=_X), _exact,
              gradient=Gradient(lambda twin, inputs: twin.activations.linear(inputs),
                                lambda twin, kwargs, outputs, dvalues: {"dvalues": dvalues},
                                ("inputs",), "activation_gradient_args")),
    *_activation("relu", by="inputs", gradient_inputs="away_from_zero_args"),
    *_activation("leaky_relu", by="inputs", options={"slope": 0.01}, gradient_inputs="leaky_relu_gradient_args"),
    *_activation("sigmoid", by="outputs"),
    *_activation("tanh", by="outputs", scale=_tanh_backward_scale),
    *_activation("softmax", by="outputs", scale=_softmax_backward_scale),
    # losses
    _class_loss("categorical_cross_entropy", _magnitude),
    _class_loss("categorical_cross_entropy_backward", _magnitude,
                _loss_gradient("categorical_cross_entropy", "class_targets_gradient_args")),
    _class_loss("softmax_cross_entropy_backward", _softmax_ce_backward_scale,
                Gradient(_softmax_then_cross_entropy, _softmax_ce_kwargs, ("logits",), "logits_gradient_args"),
                first="probabilities"),
    _elementwise_loss("binary_cross_entropy", "binary_args", (_BINARY_P, _BINARY_T), _magnitude),
    _elementwise_loss("binary_cross_entropy_backward", "binary_args", (_BINARY_P, _BINARY_T), _bce_backward_scale,
                      _loss_gradient("binary_cross_entropy", "binary_gradient_args")),
    _elementwise_loss("mean_squared_error", "regression_args", (_X, _X[::-1]), _magnitude),
    _elementwise_loss("mean_squared_error_backward", "regression_args", (_X, _X[::-1]), _difference_backward_scale,
                      _loss_gradient("mean_squared_error", "regression_args")),
    _elementwise_loss("mean_absolute_error", "regression_args", (_X, _X[::-1]), _magnitude),
    _elementwise_loss("mean_absolute_error_backward", "regression_args", (_X, _X[::-1]), _exact,
                      _loss_gradient("mean_absolute_error", "regression_gradient_args")),
    _class_loss("accuracy", _exact),
    _elementwise_loss("binary_accuracy", "binary_accuracy_args", (_BINARY_P, _BINARY_T), _exact),
    Operation("regression_accuracy", "losses", "regression_accuracy_args",
              dict(predictions=_X, targets=_X[::-1], precision=0.5), _exact,
              mismatches=({"targets": _X[:1]},), invalid=(({"precision": -1.0}, ValueError),)),
    _penalty("l1_penalty", _magnitude),
    _penalty("l1_penalty_backward", _exact, _penalty_gradient("l1_penalty", "penalty_gradient_args")),
    _penalty("l2_penalty", _magnitude),
    _penalty("l2_penalty_backward", _magnitude, _penalty_gradient("l2_penalty", "penalty_args")),
]

# ---------------------------------------------------------------- optimizers, data, networks

_PARAMS = {"weights0": _W, "biases0": _B}
_GRADS = {"weights0": _DV + [[1.0, 1.0]], "biases0": [0.5, -0.5]}


def _optimizer(name):
    return Operation(
        name, "optimizers", f"{name}_args", dict(params=_PARAMS, grads=_GRADS, state=None, hyperparameters=None),
        _normwise,
        mismatches=({"grads": {"weights0": _W[:2], "biases0": _B}}, {"grads": {"weights0": _W}},
                    {"grads": {"weights0": _W, "biases1": _B}}),
        invalid=(({"hyperparameters": {"learning_rate": 0.1}}, ValueError), ({"hyperparameters": {"lr": -1.0}}, ValueError),
                 ({"hyperparameters": {"lr": "fast"}}, TypeError), ({"hyperparameters": 0.1}, TypeError),
                 ({"state": {"iterations": -1}}, ValueError), ({"state": {"iterations": 1.5}}, TypeError),
                 ({"params": {}}, ValueError)),
    )


def _data(name):
    return Operation(name, "data", "classic_data_args", dict(samples=5, classes=3, seed=0), _normwise,
                     invalid=(({"samples": 0}, ValueError), ({"classes": 2.5}, TypeError), ({"seed": None}, TypeError)))


_SMALL_MODEL = {"sizes": [3, 2, 2], "activation": "relu", "task": "classification", "dropout": 0.25, "l1": 0.0,
                "l2": 0.001, "params": {"weights0": _W, "biases0": _B, "weights1": [[0.3, -0.3], [0.2, 0.1]],
                                        "biases1": [0.0, 0.1]}}
_SMALL_CACHE = TWINS["pure"].network.forward(_SMALL_MODEL, _X)[1]
_BAD_MODELS = (
    ({"model": {**_SMALL_MODEL, "sizes": [3, 2]}}, ValueError),
    ({"model": {**_SMALL_MODEL, "activation": "swish"}}, ValueError),
    ({"model": {**_SMALL_MODEL, "params": {**_SMALL_MODEL["params"], "weights1": _W}}}, ValueError),
    ({"model": {key: value for key, value in _SMALL_MODEL.items() if key != "params"}}, ValueError),
    ({"model": _W}, TypeError),
)


def _network(name, inputs, example, scale=_network_scale, invalid=(), **extra):
    takes_model = example is None or "model" in example
    return Operation(name, "network", inputs, example, scale, invalid=(_BAD_MODELS if takes_model else ()) + invalid,
                     **extra)


def _network_objective(twin, inputs, targets, settings, seed, **params):
    model = {**settings, "params": params}
    masks = twin.network.dropout_masks(model, len(inputs), seed) if settings["dropout"] else None
    outputs, _ = twin.network.forward(model, inputs, masks)
    data_loss, penalty = twin.network.loss(model, outputs, targets)
    return data_loss + penalty


def _network_backward_kwargs(twin, kwargs, outputs, dvalues):
    params = {name: value for name, value in kwargs.items() if name.startswith(("weights", "biases"))}
    model = {**kwargs["settings"], "params": params}
    inputs = kwargs["inputs"]
    masks = twin.network.dropout_masks(model, len(inputs), kwargs["seed"]) if model["dropout"] else None
    _, cache = twin.network.forward(model, inputs, masks)
    return {"model": model, "cache": cache, "targets": kwargs["targets"]}


def _parameter_names(kwargs):
    return tuple(name for name in kwargs if name.startswith(("weights", "biases")))


def _save_in_both(operation, kwargs):
    """Both twins save the same model; the results are the files' bytes, which must be equal."""
    import tempfile, pathlib

    with tempfile.TemporaryDirectory() as folder:
        pure_path, vectorized_path = pathlib.Path(folder, "pure.json"), pathlib.Path(folder, "vectorized.json")
        TWINS["pure"].network.save(TWINS["pure"].convert(kwargs["model"]), pure_path)
        TWINS["vectorized"].network.save(kwargs["model"], vectorized_path)
        return pure_path.read_bytes(), vectorized_path.read_bytes()


def _load_in_both(operation, kwargs):
    """One file, saved by the pure twin, loaded by both."""
    import tempfile, pathlib

    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder, "model.json")
        TWINS["pure"].network.save(TWINS["pure"].convert(kwargs["model"]), path)
        return TWINS["pure"].network.load(path), TWINS["vectorized"].network.load(path)


def idx_bytes(images=None, labels=None):
    """The bytes of an IDX images file (magic 2051) or labels file (magic 2049)."""
    import struct

    if images is not None:
        images = np.asarray(images, dtype=np.uint8)
        return struct.pack(">IIII", 2051, *images.shape) + images.tobytes()
    labels = np.asarray(labels, dtype=np.uint8)
    return struct.pack(">II", 2049, len(labels)) + labels.tobytes()


def _idx_in_both(function_name):
    """Write the drawn images and labels as IDX files, then read them with both twins."""

    def run(operation, kwargs):
        import gzip, pathlib, tempfile

        with tempfile.TemporaryDirectory() as folder:
            paths = {}
            for kind in ("images", "labels"):
                body = idx_bytes(**{kind: kwargs[kind]})
                paths[kind] = pathlib.Path(folder, f"{kind}.idx" + (".gz" if kwargs["gzipped"] else ""))
                paths[kind].write_bytes(gzip.compress(body) if kwargs["gzipped"] else body)
            if function_name == "read_images":
                args = (paths["images"], kwargs["limit"], kwargs["dtype"])
            elif function_name == "read_labels":
                args = (paths["labels"], kwargs["limit"])
            else:
                args = (paths["images"], paths["labels"], kwargs["limit"], kwargs["dtype"])
            return tuple(TWINS[twin].function("data", function_name)(*args) for twin in ("pure", "vectorized"))

    return run


def _pixels_scale(kwargs, result):
    # pixel / 255 is one correctly rounded division in both twins: exact in float64.
    # In float32 the vectorized twin rounds to single precision: half an ulp of float32.
    return 0.0 if kwargs["dtype"] == "float64" else map_leaves(lambda leaf: np.abs(leaf) * 2.0 ** -24 * 1e12, result)


OPERATIONS += [
    Operation("uniform", "rng", "random_args", dict(shape=(2, 3), seed=0), _exact,
              invalid=(({"shape": (0,)}, ValueError), ({"shape": 3}, TypeError), ({"seed": 1.0}, TypeError),
                       ({"shape": (2, 2, 2)}, ValueError))),
    Operation("normal", "rng", "random_args", dict(shape=(2, 3), seed=0), _exact,
              invalid=(({"shape": (0,)}, ValueError), ({"seed": "1"}, TypeError))),
    Operation("permutation", "rng", "permutation_args", dict(n=5, seed=0), _exact,
              invalid=(({"n": 0}, ValueError), ({"n": 5.0}, TypeError))),
    *[_optimizer(name) for name in ("sgd", "adagrad", "rmsprop", "adam")],
    _data("spiral"),
    _data("vertical"),
    Operation("sine", "data", "sine_args", dict(samples=10), _normwise,
              invalid=(({"samples": -1}, ValueError), ({"samples": "10"}, TypeError))),
    Operation("read_images", "data", "idx_args", None, _pixels_scale, run=_idx_in_both("read_images")),
    Operation("read_labels", "data", "idx_args", None, _exact, run=_idx_in_both("read_labels")),
    Operation("load_idx", "data", "idx_args", None, _pixels_scale, run=_idx_in_both("load_idx")),
    _network("create", "create_args", {key: value for key, value in _SMALL_MODEL.items() if key != "params"},
             invalid=(({"sizes": [3]}, ValueError), ({"sizes": [3, 0, 2]}, ValueError), ({"sizes": "3,2"}, TypeError),
                      ({"task": "ranking"}, ValueError), ({"dropout": 1.0}, ValueError), ({"l2": -0.1}, ValueError),
                      ({"init": "zeros"}, ValueError), ({"seed": None}, TypeError))),
    _network("dropout_masks", "dropout_masks_args", dict(model=_SMALL_MODEL, n_samples=2, seed=0),
             invalid=(({"n_samples": 0}, ValueError),)),
    _network("forward", "forward_args", dict(model=_SMALL_MODEL, inputs=_X, masks=None),
             mismatches=({"inputs": [row[:2] for row in _X]}, {"masks": [None]})),
    _network("loss", "loss_args", dict(model=_SMALL_MODEL, outputs=[[0.7, 0.3], [0.4, 0.6]], targets=[0, 1])),
    _network("backward", "backward_args", dict(model=_SMALL_MODEL, cache=_SMALL_CACHE, targets=[0, 1]),
             gradient=Gradient(_network_objective, _network_backward_kwargs, _parameter_names,
                               "network_gradient_args"),
             invalid=(({"cache": [{"inputs": _X}]}, ValueError), ({"cache": "cache"}, TypeError))),
    _network("train_step", "train_step_args",
             dict(model=_SMALL_MODEL, inputs=_X, targets=[0, 1], optimizer="adam", state=None, hyperparameters=None,
                  seed=0),
             scale=_training_scale,
             mismatches=({"targets": [0, 1, 1]},), invalid=(({"optimizer": "lbfgs"}, ValueError),)),
    _network("train_epoch", "train_epoch_args",
             dict(model=_SMALL_MODEL, inputs=_X, targets=[0, 1], optimizer="sgd", state=None, hyperparameters=None,
                  batch_size=None, seed=0, epoch=0),
             scale=_training_scale,
             invalid=(({"batch_size": 0}, ValueError), ({"epoch": 0.5}, TypeError))),
    _network("fit", "fit_args",
             dict(model=_SMALL_MODEL, inputs=_X, targets=[0, 1], epochs=2, batch_size=None, optimizer="rmsprop",
                  hyperparameters=None, seed=0),
             scale=_training_scale,
             invalid=(({"epochs": 0}, ValueError),)),
    _network("predict", "predict_args", dict(model=_SMALL_MODEL, inputs=_X),
             mismatches=({"inputs": _W},)),
    _network("evaluate", "evaluate_args", dict(model=_SMALL_MODEL, inputs=_X, targets=[0, 1]),
             mismatches=({"targets": [0]},)),
    _network("save", "model_file_args", None, scale=_exact, run=_save_in_both),
    _network("load", "model_file_args", None, run=_load_in_both),
]

BY_NAME = {op.name: op for op in OPERATIONS}


def get(name):
    """The registered operation called ``name``; a KeyError lists the known names."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"no operation named {name!r}; known: {', '.join(sorted(BY_NAME))}") from None


def by_module(module_name):
    return [op for op in OPERATIONS if op.module == module_name]
