"""Bad input fails early, the same way in both twins, with a message that says what went wrong.

Every registered operation's example is broken one way at a time (ragged rows,
empty batches, non-numeric values, None, a string where an array belongs,
mismatched shapes, labels out of range or not integers). Both twins receive the
same Python lists and must raise the same exception type, ValueError or
TypeError, with a message that starts with the function's name and says what
it expected and what it got.
"""

import copy

import numpy as np
import pytest

from twinnet.contract import registry


def _kind(value):
    if value is None:
        return "absent"
    if isinstance(value, str):
        return "text"
    if isinstance(value, dict) or (isinstance(value, list) and value and isinstance(value[0], dict)):
        return "structure"
    if isinstance(value, list) and value and isinstance(value[0], list):
        return "matrix"
    if isinstance(value, list) and value and all(type(v) is int for v in value):
        return "labels"
    if isinstance(value, list):
        return "vector"
    return "number"


def _replace_first(value, new):
    broken = copy.deepcopy(value)
    if _kind(value) == "matrix":
        broken[0][0] = new
    else:
        broken[0] = new
    return broken


def bad_cases(operation):
    """(description, kwargs, expected exception type or None for 'either') for one operation."""
    example = operation.example

    def case(description, name, value, error):
        return (description, {**copy.deepcopy(example), name: value}, error)

    cases = []
    if example is None:
        return cases  # operations on files have tests of their own
    for name, value in example.items():
        kind = _kind(value)
        if kind == "absent":  # None is a valid choice here (no state, no masks, defaults)
            cases.append(case(f"{name} is a string", name, "1.0", TypeError))
            continue
        cases.append(case(f"{name} is None", name, None, TypeError))
        if kind == "text":
            cases.append(case(f"{name} is a number", name, 7, TypeError))
            cases.append(case(f"{name} is an unknown name", name, "no-such-choice", ValueError))
            continue
        cases.append(case(f"{name} is a string", name, "1.0", TypeError))
        if kind in ("number", "structure"):
            cases.append(case(f"{name} is a list", name, [value], TypeError))
            continue
        cases.append(case(f"{name} is a number", name, 1.0, ValueError))
        cases.append(case(f"{name} holds a string", name, _replace_first(value, "x"), TypeError))
        cases.append(case(f"{name} holds None", name, _replace_first(value, None), TypeError))
        cases.append(case(f"{name} is empty", name, [], ValueError))
        if kind == "matrix":
            ragged = copy.deepcopy(value)
            ragged[0].append(1.0)
            cases.append(case(f"{name} has ragged rows", name, ragged, ValueError))
            cases.append(case(f"{name} has empty rows", name, [[] for _ in value], ValueError))
        if kind == "labels":
            cases.append(case(f"{name} has a float label", name, _replace_first(value, 0.5), TypeError))
    for overrides in operation.mismatches:
        cases.append((f"mismatched shapes {sorted(overrides)}", {**copy.deepcopy(example), **overrides}, ValueError))
    for overrides, error in operation.invalid:
        cases.append((f"invalid {overrides}", {**copy.deepcopy(example), **overrides}, error))
    return cases


CASES = [(op, description, kwargs, error)
         for op in registry.OPERATIONS for description, kwargs, error in bad_cases(op)]


def _raised(function, kwargs):
    try:
        function(**copy.deepcopy(kwargs))
    except (ValueError, TypeError) as error:
        return error
    return None


@pytest.mark.parametrize("operation, description, kwargs, expected", CASES,
                         ids=[f"{op.name}: {description}" for op, description, _, _ in CASES])
def test_both_twins_reject_bad_input_alike(operation, description, kwargs, expected):
    pure_error = _raised(operation.pure, kwargs)
    vectorized_error = _raised(operation.vectorized, kwargs)
    assert pure_error is not None, f"pure {operation.name} accepted {description}"
    assert vectorized_error is not None, f"vectorized {operation.name} accepted {description}"
    assert type(pure_error) is type(vectorized_error), (pure_error, vectorized_error)
    assert type(pure_error) is expected, pure_error
    for error in (pure_error, vectorized_error):
        message = str(error)
        assert message.startswith(f"{operation.name}: "), message
        assert "expected" in message and "got" in message, message


WITH_EXAMPLES = [op for op in registry.OPERATIONS if op.example is not None]


def test_every_operation_has_bad_cases():
    for operation in WITH_EXAMPLES:
        assert len(bad_cases(operation)) >= 3, operation.name


def test_the_example_itself_is_accepted():
    """The cases above fail because of what they break, not because the example is bad."""
    for operation in WITH_EXAMPLES:
        operation.pure(**copy.deepcopy(operation.example))
        operation.vectorized(**copy.deepcopy(operation.example))


@pytest.mark.parametrize("bad, error", [
    (np.array([["a", "b"]]), TypeError),
    (np.array([[1.0, None]], dtype=object), TypeError),
    (np.zeros((0, 3)), ValueError),
    (np.zeros((2, 3, 1)), ValueError),
    (np.array([[1 + 2j]]), TypeError),
])
def test_vectorized_rejects_bad_arrays(bad, error):
    from vectorized.activations import softmax

    with pytest.raises(error, match=r"^softmax: inputs expected .* got "):
        softmax(bad)


def test_vectorized_keeps_float32():
    from vectorized.layers import dense_forward

    inputs = np.ones((2, 3), dtype=np.float32)
    outputs = dense_forward(inputs, np.ones((3, 2), dtype=np.float32), np.zeros(2, dtype=np.float32))
    assert outputs.dtype == np.float32


def test_messages_say_the_shapes():
    from pure.linalg import matmul as pure_matmul
    from vectorized.linalg import matmul as vectorized_matmul

    for matmul in (pure_matmul, vectorized_matmul):
        with pytest.raises(ValueError) as raised:
            matmul([[1.0, 2.0]], [[1.0], [2.0], [3.0]])
        assert str(raised.value) == "matmul: b expected 2 rows (the columns of a), got 3"
