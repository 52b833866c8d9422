"""Both twins compute the same thing: every registered operation, on generated inputs."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from twinnet import agreement, registry
from twinnet.twins import to_pure


def _python_values_only(value):
    """True when a pure result holds nothing but lists, floats and ints (no NumPy)."""
    if isinstance(value, (list, tuple)):
        return all(_python_values_only(v) for v in value)
    return type(value) in (float, int)


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
@given(data=st.data())
def test_twins_agree(operation, data):
    kwargs = data.draw(operation.strategy(), label="inputs")
    pure_result, vectorized_result = agreement.run_both(operation, kwargs)
    problems = agreement.compare(operation, kwargs, pure_result, vectorized_result)
    assert not problems, "\n".join(map(str, problems))
    # The pure twin speaks plain Python, the vectorized one NumPy.
    assert _python_values_only(pure_result), f"pure {operation.name} returned {type(pure_result)}"
    for part in vectorized_result if isinstance(vectorized_result, tuple) else (vectorized_result,):
        assert isinstance(part, (np.ndarray, float)), f"vectorized {operation.name} returned {type(part)}"


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
def test_pure_does_not_change_its_inputs(operation):
    kwargs = to_pure(dict(operation.example))
    before = repr(kwargs)
    operation.pure(**kwargs)
    assert repr(kwargs) == before


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
def test_vectorized_does_not_change_its_inputs(operation):
    kwargs = {k: np.array(v) if isinstance(v, list) else v for k, v in operation.example.items()}
    before = {k: np.copy(v) if isinstance(v, np.ndarray) else v for k, v in kwargs.items()}
    operation.vectorized(**kwargs)
    for name, value in kwargs.items():
        np.testing.assert_array_equal(value, before[name], err_msg=f"{operation.name} changed {name}")


def test_compare_reports_a_disagreement():
    """The agreement check can fail: a softmax that forgets to normalise is caught."""
    operation = registry.get("softmax")
    kwargs = {"inputs": np.array([[1.0, 2.0, 3.0]])}
    wrong = np.exp(kwargs["inputs"])
    problems = agreement.compare(operation, kwargs, operation.pure(**to_pure(kwargs)), wrong)
    assert len(problems) == 3
    assert "pure gave" in str(problems[0])


def test_compare_tolerates_reordered_sums_but_not_a_missing_term():
    operation = registry.get("dot")
    a = np.array([1e16, 1.0, -1e16])
    b = np.ones(3)
    kwargs = {"a": a, "b": b}
    # Summed in another order the 1.0 is lost to rounding; that is within the
    # scaled tolerance (terms of size 1e16), while an answer off by 1e-11 of
    # the terms' size is not.
    assert agreement.compare(operation, kwargs, 0.0, 1.0) == []
    assert agreement.compare(operation, kwargs, 0.0, 2e16 * 1e-11) != []
