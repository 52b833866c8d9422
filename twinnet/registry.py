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

from twinnet.twins import TWINS

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
    wrt: tuple
    inputs: str  # strategy for forward kwargs away from kinks and clips


@dataclass(frozen=True)
class Operation:
    name: str
    module: str
    inputs: str  # name of a strategy in twinnet.strategies
    example: dict  # small valid arguments, as lists (both twins take lists)
    scale: Callable  # (numpy kwargs, vectorized result) -> magnitude per element
    gradient: Optional[Gradient] = None
    mismatches: tuple = ()  # argument overrides that make shapes disagree: ValueError
    invalid: tuple = field(default=())  # (overrides, exception type) for other bad values

    def function(self, twin_name):
        return TWINS[twin_name].function(self.module, self.name)

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
    return np.abs(np.asarray(result, dtype=np.float64))


def _exact(kwargs, result):
    # Comparisons, copies and selections: both twins must agree bit for bit.
    return np.zeros_like(np.asarray(result, dtype=np.float64))


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
    _penalty("l1_penalty", _magnitude),
    _penalty("l1_penalty_backward", _exact, _penalty_gradient("l1_penalty", "penalty_gradient_args")),
    _penalty("l2_penalty", _magnitude),
    _penalty("l2_penalty_backward", _magnitude, _penalty_gradient("l2_penalty", "penalty_args")),
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
