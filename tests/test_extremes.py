"""Extreme but legal inputs stay finite, with no warning, in both twins.

Logits of +-1e4 would overflow a naive exp; probabilities of exactly 0 and 1
would make a naive log return -inf. pytest turns every warning into an error
(see pyproject.toml), and NumPy is told to raise on overflow, division by
zero and invalid operations.
"""

import math

import numpy as np
import pytest

from twinnet.contract import registry
from twinnet.contract.twins import to_pure

LOGITS = [[1e4, -1e4, 0.0], [-1e4, -1e4, -1e4], [1e4, 1e4, 1e4 - 1.0], [709.8, -745.2, 1e-300]]
PROBABILITIES = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]
BINARY_TARGETS = [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
CONSTANT_ROWS = [[1e4, 1e4, 1e4], [-3.0, -3.0, -3.0], [0.0, 0.0, 0.0]]  # layer norm's groups: a variance of 0
CONSTANT_COLUMNS = [[1e4, -3.0, 0.0]] * 3  # batch norm's groups: a variance of 0

# Queries and keys of 1 feature: scores of 1e4, -1e4 and 0; the second query may not attend to the second key,
# its score of 1e4.
EXTREME_QUERY = [[[100.0], [-100.0]]]
EXTREME_KEY = [[[100.0], [-100.0], [0.0]]]
EXTREME_VALUE = [[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]]
EXTREME_DOUTPUTS = [[[1.0, -1.0], [0.5, 2.0]]]
EXTREME_MASK = [[True, True, True], [True, False, True]]
EXTREME_SEQUENCES = [[[100.0, -100.0], [-100.0, 100.0], [100.0, 0.0]]]
# Self-attention in 2 heads of 1 feature, the projections identities: scores of +-1e4 in each head.
EXTREME_SELF_ATTENTION = {"inputs": EXTREME_SEQUENCES, **{weights: np.eye(2).tolist() for weights in (
    "query_weights", "key_weights", "value_weights", "output_weights")}, "n_heads": 2,
    "mask": np.tri(3, dtype=bool).tolist()}

CASES = [
    ("softmax", {"inputs": LOGITS}),
    ("sigmoid", {"inputs": LOGITS}),
    ("tanh", {"inputs": LOGITS}),
    ("categorical_cross_entropy", {"predictions": PROBABILITIES, "targets": [2, 1, 2, 0]}),
    ("categorical_cross_entropy", {"predictions": PROBABILITIES, "targets": np.eye(3)[[2, 1, 2, 0]].tolist()}),
    ("categorical_cross_entropy_backward", {"predictions": PROBABILITIES, "targets": [2, 1, 2, 0]}),
    ("binary_cross_entropy", {"predictions": PROBABILITIES, "targets": BINARY_TARGETS}),
    ("binary_cross_entropy_backward", {"predictions": PROBABILITIES, "targets": BINARY_TARGETS}),
    # Attention scores of +-1e4 (d_k = 1 and d_head = 1, so no division shrinks them), masked keys among them:
    # a masked score of 1e4 must not overflow either.
    ("attention_weights", {"query": EXTREME_QUERY, "key": EXTREME_KEY, "mask": EXTREME_MASK}),
    ("scaled_dot_product_attention", {"query": EXTREME_QUERY, "key": EXTREME_KEY, "value": EXTREME_VALUE,
                                      "mask": EXTREME_MASK}),
    ("scaled_dot_product_attention_backward", {"doutputs": EXTREME_DOUTPUTS, "query": EXTREME_QUERY,
                                               "key": EXTREME_KEY, "value": EXTREME_VALUE, "mask": EXTREME_MASK}),
    ("multi_head_attention_weights", {key: value for key, value in EXTREME_SELF_ATTENTION.items()
                                      if key not in ("value_weights", "output_weights")}),
    ("multi_head_attention", EXTREME_SELF_ATTENTION),
    ("multi_head_attention_backward", {"dvalues": EXTREME_SEQUENCES, **EXTREME_SELF_ATTENTION}),
    # GELU of +-1e4: tanh is +-1 exactly, and its gradient's 1 - t**2 is 0, not a NaN.
    ("gelu", {"inputs": LOGITS}),
    ("gelu_backward", {"dvalues": LOGITS, "inputs": LOGITS}),
    # A constant row (or column) has a variance of 0: eps keeps the normalisation finite.
    *[(name, {"inputs": inputs, "gamma": [1.0, -2.0, 0.5], "beta": [0.0, 1.0, 0.0]})
      for name, inputs in (("layer_norm", CONSTANT_ROWS), ("batch_norm", CONSTANT_COLUMNS))],
    *[(name, {"dvalues": LOGITS[:3], "inputs": inputs, "gamma": [1.0, -2.0, 0.5]})
      for name, inputs in (("layer_norm_backward", CONSTANT_ROWS), ("batch_norm_backward", CONSTANT_COLUMNS))],
    ("layer_norm", {"inputs": [[LOGITS[0], [5.0, 5.0, 5.0]]], "gamma": [1.0, 1.0, 1.0], "beta": [0.0, 0.0, 0.0]}),
    ("running_statistics", {"inputs": CONSTANT_COLUMNS, "running_mean": [0.0] * 3, "running_var": [0.0] * 3}),
    ("batch_norm_inference", {"inputs": LOGITS, "gamma": [1.0] * 3, "beta": [0.0] * 3, "running_mean": [1e4] * 3,
                              "running_var": [0.0] * 3}),
]


def _all_finite(value):
    if isinstance(value, tuple):  # the gradients a backward returns, of different shapes
        return all(map(_all_finite, value))
    return bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_finite_without_warnings(name, kwargs, twin):
    operation = registry.get(name)
    # Lists become arrays; the rest (a number of heads) stays as it is.
    arguments = to_pure(kwargs) if twin == "pure" else {k: np.asarray(v) if isinstance(v, list) else v
                                                        for k, v in kwargs.items()}
    # Underflow stays ignored, as NumPy's default has it: exp(-2e4) rounding to
    # exactly 0 is the right answer, not a fault.
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        result = operation.function(twin)(**arguments)
    assert _all_finite(result), result


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_extreme_values_are_right_not_just_finite(twin):
    softmax = registry.get("softmax").function(twin)
    sigmoid = registry.get("sigmoid").function(twin)
    probabilities = np.asarray(softmax([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4]]))
    np.testing.assert_array_equal(probabilities[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(probabilities[1], [1 / 3] * 3, rtol=1e-15)
    squashed = np.asarray(sigmoid([[1e4, -1e4, -745.0]]))
    assert squashed[0, 0] == 1.0 and squashed[0, 1] == 0.0 and 0.0 <= squashed[0, 2] < 1e-300

    loss = registry.get("categorical_cross_entropy").function(twin)
    # A confident wrong answer costs -log(1e-7), not infinity.
    assert loss([[1.0, 0.0]], [1]) == pytest.approx(-math.log(1e-7), rel=1e-12)
    assert loss([[1.0, 0.0]], [0]) == pytest.approx(-math.log(1 - 1e-7), rel=1e-12)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_constant_row_normalises_to_beta_and_gelu_saturates(twin):
    """A row of equal values has nothing to normalise: every output is beta; GELU of +-1e4 is 1e4 and 0."""
    convert = to_pure if twin == "pure" else np.asarray
    layer_norm = registry.get("layer_norm").function(twin)
    batch_norm = registry.get("batch_norm").function(twin)
    gamma, beta = convert([1.0, -2.0, 0.5]), convert([0.0, 1.0, 0.0])
    np.testing.assert_array_equal(np.asarray(layer_norm(convert(CONSTANT_ROWS), gamma, beta)), [[0.0, 1.0, 0.0]] * 3)
    np.testing.assert_array_equal(np.asarray(batch_norm(convert(CONSTANT_COLUMNS), gamma, beta)), [[0.0, 1.0, 0.0]] * 3)
    gelu = registry.get("gelu").function(twin)
    np.testing.assert_array_equal(np.asarray(gelu(convert([[1e4, -1e4]]))), [[1e4, 0.0]])
