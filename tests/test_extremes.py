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

CASES = [
    ("softmax", {"inputs": LOGITS}),
    ("sigmoid", {"inputs": LOGITS}),
    ("tanh", {"inputs": LOGITS}),
    ("categorical_cross_entropy", {"predictions": PROBABILITIES, "targets": [2, 1, 2, 0]}),
    ("categorical_cross_entropy", {"predictions": PROBABILITIES, "targets": np.eye(3)[[2, 1, 2, 0]].tolist()}),
    ("categorical_cross_entropy_backward", {"predictions": PROBABILITIES, "targets": [2, 1, 2, 0]}),
    ("binary_cross_entropy", {"predictions": PROBABILITIES, "targets": BINARY_TARGETS}),
    ("binary_cross_entropy_backward", {"predictions": PROBABILITIES, "targets": BINARY_TARGETS}),
]


def _all_finite(value):
    return bool(np.all(np.isfinite(np.asarray(value, dtype=np.float64))))


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{name}-{i}" for i, (name, _) in enumerate(CASES)])
def test_finite_without_warnings(name, kwargs, twin):
    operation = registry.get(name)
    arguments = to_pure(kwargs) if twin == "pure" else {k: np.asarray(v) for k, v in kwargs.items()}
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
