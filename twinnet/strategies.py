"""Hypothesis strategies for the inputs of every registered operation.

Each strategy draws a dict of keyword arguments as float64 NumPy arrays (labels
as int64), ready for the vectorized twin; :func:`twinnet.twins.to_pure` turns
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


@st.composite
def activation_args(draw, elements=None):
    return {"inputs": draw(arrays((draw(sides()), draw(sides())), elements if elements is not None else floats(-30, 30)))}


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
def class_targets_args(draw, first="predictions"):
    n_samples, n_classes = draw(sides()), draw(sides())
    # Exact 0s, 1s and ties check the clip and the arg-max's tie-break.
    elements = st.one_of(floats(0.0, 1.0), st.sampled_from([0.0, 0.5, 1.0]))
    return {first: draw(arrays((n_samples, n_classes), elements)),
            "targets": draw(class_targets(n_samples, n_classes))}


def probabilities_targets_args():
    return class_targets_args("probabilities")


@st.composite
def class_targets_gradient_args(draw):
    n_samples, n_classes = draw(sides()), draw(sides())
    return {"predictions": draw(arrays((n_samples, n_classes), floats(0.05, 0.95))),
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
