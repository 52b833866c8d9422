"""Both twins compute the same thing: every registered operation, on generated inputs."""

import numpy as np
import pytest
from hypothesis import given, strategies as st

from twinnet.contract import agreement, registry
from twinnet.contract.twins import leaves, to_pure


def _is_array(value):
    return isinstance(value, list) and bool(value) and not isinstance(value[0], dict)


def _python_values_only(value):
    """True when a pure result holds nothing but lists, floats, ints and bools (no NumPy)."""
    if isinstance(value, (list, tuple)):
        return all(_python_values_only(v) for v in value)
    return type(value) in (float, int, bool, str, bytes, type(None))


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
@given(data=st.data())
def test_twins_agree(operation, data):
    kwargs = data.draw(operation.strategy(), label="inputs")
    pure_result, vectorized_result = agreement.run_both(operation, kwargs)
    problems = agreement.compare(operation, kwargs, pure_result, vectorized_result)
    assert not problems, "\n".join(map(str, problems))
    # The pure twin speaks plain Python, the vectorized one NumPy.
    for path, leaf in leaves(pure_result):
        assert _python_values_only(leaf), f"pure {operation.name} returned {type(leaf)} at {path}"
    if operation.run is None:
        for path, leaf in leaves(vectorized_result):
            nested = isinstance(leaf, list) and any(isinstance(x, list) for x in leaf)
            assert not nested, f"vectorized {operation.name} returned nested lists at {path}, not an array"


WITH_EXAMPLES = [op for op in registry.OPERATIONS if op.example is not None]


@pytest.mark.parametrize("operation", WITH_EXAMPLES, ids=lambda op: op.name)
def test_pure_does_not_change_its_inputs(operation):
    kwargs = to_pure(dict(operation.example))
    before = repr(kwargs)
    operation.pure(**kwargs)
    assert repr(kwargs) == before


@pytest.mark.parametrize("operation", WITH_EXAMPLES, ids=lambda op: op.name)
def test_vectorized_does_not_change_its_inputs(operation):
    # Sizes and shapes are lists of ints, not arrays: they stay as they are.
    kwargs = {k: np.array(v) if _is_array(v) and k not in ("sizes", "shape") else v
              for k, v in operation.example.items()}
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
