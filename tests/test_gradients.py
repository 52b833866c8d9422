"""Every *_backward, in both twins, against central differences of its forward."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from twinnet.contract import gradcheck, registry, strategies
from twinnet.contract.twins import TWINS

BACKWARDS = [op for op in registry.OPERATIONS if op.gradient is not None]


def _draw_case(operation, data):
    kwargs = data.draw(operation.gradient_strategy(), label="forward inputs")
    outputs = operation.gradient.forward(TWINS["vectorized"], **kwargs)
    dvalues = None
    if not isinstance(outputs, float):
        dvalues = data.draw(strategies.upstream_gradient(np.shape(outputs)), label="dvalues")
    return kwargs, dvalues


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("operation", BACKWARDS, ids=lambda op: op.name)
@given(data=st.data())
def test_backward_matches_central_differences(operation, twin, data):
    kwargs, dvalues = _draw_case(operation, data)
    mismatches = gradcheck.check_gradient(operation, twin, kwargs, dvalues)
    assert not mismatches, "\n".join(map(str, mismatches[:5]))


def test_every_backward_has_a_gradient_check():
    names = {op.name for op in registry.OPERATIONS}
    for name in names:
        if name.endswith("_backward"):
            assert registry.get(name).gradient is not None, f"{name} has no gradient check"


def _sigmoid_backward_without_one_minus_s(dvalues, outputs):
    # A classic slip: ds/dx = s * (1 - s), written as s alone.
    return [[g * s for g, s in zip(grad_row, row)] for grad_row, row in zip(dvalues, outputs)]


def test_gradient_check_catches_a_wrong_backward():
    """The check can fail: a sigmoid backward that drops the (1 - s) factor is caught."""
    operation = registry.get("sigmoid_backward")
    kwargs = {"inputs": np.array([[0.5, -1.0, 2.0]])}
    dvalues = np.array([[1.0, 1.0, 1.0]])
    assert gradcheck.check_gradient(operation, "pure", kwargs, dvalues) == []
    mismatches = gradcheck.check_gradient(operation, "pure", kwargs, dvalues, backward=_sigmoid_backward_without_one_minus_s)
    assert len(mismatches) == 3
    assert "central differences" in str(mismatches[0])


def test_gradient_check_catches_a_forgotten_transpose():
    operation = registry.get("dense_backward")
    rng = np.random.default_rng(1)
    kwargs = {"inputs": rng.normal(size=(4, 3)), "weights": rng.normal(size=(3, 3)), "biases": rng.normal(size=3)}
    dvalues = rng.normal(size=(4, 3))

    def forgot_transpose(dvalues, inputs, weights):
        return dvalues @ weights, inputs.T @ dvalues, dvalues.sum(axis=0)

    assert gradcheck.check_gradient(operation, "vectorized", kwargs, dvalues) == []
    mismatches = gradcheck.check_gradient(operation, "vectorized", kwargs, dvalues, backward=forgot_transpose)
    assert {m.argument for m in mismatches} == {"inputs"}


def test_numerical_gradient_of_a_known_function():
    # d/dx of sum(x**3) is 3 x**2.
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    gradient = gradcheck.numerical_gradient(lambda v: float(np.sum(v ** 3)), x)
    np.testing.assert_allclose(gradient, 3 * x ** 2, rtol=1e-8)
