"""Bad input fails early, the same way in both twins, with a message that says what went wrong.

Every registered operation's example is broken one way at a time (ragged rows,
empty batches, non-numeric values, None, a string where an array belongs,
mismatched shapes, labels out of range or not integers). Both twins receive the
same Python lists and must raise the same exception type, ValueError or
TypeError, with a message that starts with the function's name and says what
it expected and what it got.
"""

import copy
import os

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


# ---------------------------------------------------------------- every class of bad input, for every operation
# Issue 10: each class of bad input is generated for every registered operation
# whose example has an array argument (and for the arrays inside its dicts: a
# model's parameters, an optimizer's params and grads, a forward pass's cache).
# Where both twins see the very same lists, they must say the very same words;
# and every refusal is raised by a `_checks` module (its `fail`), never by
# NumPy, by the arithmetic or by Python's own conversions.

HUGE = 10**400  # no float64 holds it
BIG = 2**64  # a float64 holds it (1.8e19), though no int64 or uint64 does
NOT_FINITE = {"nan": float("nan"), "inf": float("inf"), "-inf": float("-inf")}


def _spec(operation, name):
    """What the argument was declared to be (see _checks.takes), or None when it is not a string."""
    spec = operation.pure.specs.get(name)
    return spec.split(",")[0].strip() if isinstance(spec, str) else None


def _is_float_array(value):
    """A vector or a matrix of floats (not the ints of labels or sizes)."""
    if not isinstance(value, list) or not value:
        return False
    rows = value if isinstance(value[0], list) else [value]
    return all(isinstance(row, list) and row and all(type(x) is float for x in row) for row in rows)


def _array_slots(name, value):
    """(path, array) of the arrays to break in one argument: the argument itself when it is an array
    (floats or labels), else the first array of floats inside its dicts and lists."""
    if _kind(value) in ("matrix", "vector", "labels"):
        return [((name,), value)]

    def first(path, item):
        if _is_float_array(item):
            return (path, item)
        children = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, child in children:
            found = first(path + (key,), child)
            if found:
                return found
        return None

    found = first((name,), value)
    return [found] if found else []


def _with(example, path, new):
    """A deep copy of the example's arguments with the value at ``path`` replaced."""
    kwargs = copy.deepcopy(example)
    *outer, last = path
    target = kwargs
    for key in outer:
        target = target[key]
    target[last] = new
    return kwargs


def _label(path):
    return path[0] + "".join(f"[{key!r}]" for key in path[1:])


def hardening_cases(operation):
    """(description, kwargs, expected exception type) for each class of bad input and each array argument.

    Every case must raise the same type in both twins with the same message.
    """
    example = operation.example
    if example is None:
        return []
    cases = []
    for name, value in example.items():
        spec = _spec(operation, name)
        if spec in ("count", "shape", "layer sizes"):
            continue  # sizes, not data: see size_cases
        if _kind(value) == "number" and isinstance(value, float):
            for word, number in {**NOT_FINITE, "10**400": HUGE}.items():
                cases.append((f"{name} is {word}", _with(example, (name,), number), ValueError))
            continue
        for path, array in _array_slots(name, value):
            label = _label(path)
            is_labels = all(type(x) is int for x in array)
            is_matrix = isinstance(array[0], list)
            cases.append((f"{label} has one side too many", _with(example, path, [array]), ValueError))
            if is_matrix and spec not in ("vector or matrix", "matrix or sequences"):  # one side fewer is the other
                cases.append((f"{label} has one side too few", _with(example, path, array[0]), ValueError))
            cases.append((f"{label} holds 10**400", _with(example, path, _replace_first(array, HUGE)), ValueError))
            for word, number in NOT_FINITE.items():
                # A label must be an int, and nan is not one: a TypeError, as for 0.5.
                error = TypeError if is_labels else ValueError
                cases.append((f"{label} holds {word}", _with(example, path, _replace_first(array, number)), error))
        if spec == "probabilities":
            first_row, rest = value[0], value[1:]
            logits = [5.0 * p for p in first_row]
            half = [p / 2 for p in first_row]
            outside = [first_row[0] + 1.0, first_row[1] - 1.0] + first_row[2:]  # still summing to 1
            for word, row in (("a row of logits", logits), ("a row summing to 0.5", half),
                              ("a row summing to 1 outside [0, 1]", outside)):
                cases.append((f"{name} has {word}", _with(example, (name,), [row] + rest), ValueError))
        if spec in ("binary probabilities", "binary targets like predictions"):
            for number in (1.5, -0.5):
                cases.append((f"{name} holds {number}", _with(example, (name,), _replace_first(value, number)),
                              ValueError))
    return cases


def size_cases(operation):
    """(description, kwargs, expected exception type): requests too large to compute, refused before allocating."""
    example = operation.example or {}
    cases = []
    for name, value in example.items():
        spec = _spec(operation, name)
        if spec == "count":
            cases.append((f"{name} is 10**12", _with(example, (name,), 10**12), ValueError))
        elif spec == "shape":
            cases.append((f"{name} is (10**12,)", _with(example, (name,), (10**12,)), ValueError))
            cases.append((f"{name} is (10**6, 10**6)", _with(example, (name,), (10**6, 10**6)), ValueError))
        elif spec == "layer sizes":
            cases.append((f"{name} has a layer of 10**12 weights", _with(example, (name,), [10**6, 10**6, 2]),
                          ValueError))
    return cases


HARDENING_CASES = [(op, description, kwargs, error) for op in registry.OPERATIONS
                   for description, kwargs, error in hardening_cases(op) + size_cases(op)]


def _raised_by_checks(error):
    """True when the exception was raised in a `_checks` module (by its `fail`), not deeper."""
    frame = error.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    return os.path.basename(frame.tb_frame.f_code.co_filename) == "_checks.py"


@pytest.mark.parametrize("operation, description, kwargs, expected", HARDENING_CASES,
                         ids=[f"{op.name}: {description}" for op, description, _, _ in HARDENING_CASES])
def test_each_class_of_bad_input_is_refused_alike(operation, description, kwargs, expected):
    pure_error = _raised(operation.pure, kwargs)
    vectorized_error = _raised(operation.vectorized, kwargs)
    assert pure_error is not None, f"pure {operation.name} accepted {description}"
    assert vectorized_error is not None, f"vectorized {operation.name} accepted {description}"
    assert type(pure_error) is type(vectorized_error) is expected, (pure_error, vectorized_error)
    for error in (pure_error, vectorized_error):
        message = str(error)
        assert message.startswith(f"{operation.name}: ") and " expected " in message and ", got " in message, message
        assert _raised_by_checks(error), f"{type(error).__name__} raised outside _checks: {message}"
    if not (expected is TypeError and "holds" in description):  # a float label: each twin names what it sees
        assert str(pure_error) == str(vectorized_error)


def test_every_operation_with_arrays_gets_every_class():
    """Each class is generated for every operation whose example holds an array."""
    for operation in WITH_EXAMPLES:
        descriptions = [description for description, _, _ in hardening_cases(operation)]
        arrays = [name for name, value in operation.example.items() if _array_slots(name, value)
                  and _spec(operation, name) not in ("count", "shape", "layer sizes")]
        for name in arrays:
            for word in ("one side too many", "10**400", "nan", "-inf"):
                assert any(d.startswith(name) and word in d for d in descriptions), (operation.name, name, word)


def test_messages_are_raised_by_the_checks_in_the_first_cases_too():
    for operation, description, kwargs, _ in CASES:
        for twin in ("pure", "vectorized"):
            error = _raised(operation.function(twin), kwargs)
            assert _raised_by_checks(error), f"{twin} {operation.name}, {description}: {error!r}"


def _same(a, b):
    """Results equal, leaf by leaf (arrays by value)."""
    if isinstance(a, dict):
        return isinstance(b, dict) and list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and not (a and isinstance(a[0], (int, float))):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (str, type(None))):
        return a == b
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


OBJECT_ARRAY_CASES = [(op, path) for op in WITH_EXAMPLES for name, value in op.example.items()
                      if _spec(op, name) not in ("count", "shape", "layer sizes")
                      for path, _ in _array_slots(name, value)]


@pytest.mark.parametrize("operation, path", OBJECT_ARRAY_CASES,
                         ids=[f"{op.name}: {_label(path)}" for op, path in OBJECT_ARRAY_CASES])
def test_vectorized_takes_object_arrays_as_the_lists_they_hold(operation, path):
    """An object array of numbers is accepted like the lists it holds; a ragged one is refused as pure refuses them."""
    example = operation.example
    array = _array_slots(path[0], example[path[0]])[0][1]
    expected = operation.vectorized(**copy.deepcopy(example))
    got = operation.vectorized(**_with(example, path, np.array(array, dtype=object)))
    assert _same(expected, got), (expected, got)
    if isinstance(array[0], list):
        ragged = copy.deepcopy(array)
        ragged[0].append(1.0)
        pure_error = _raised(operation.pure, _with(example, path, ragged))
        vectorized_error = _raised(operation.vectorized, _with(example, path, np.array(ragged, dtype=object)))
        assert type(pure_error) is type(vectorized_error) is ValueError, (pure_error, vectorized_error)
        assert str(pure_error) == str(vectorized_error)
        assert _raised_by_checks(vectorized_error)


BIG_CASES = [(op, description, kwargs) for op in WITH_EXAMPLES for name, value in op.example.items()
             if _spec(op, name) not in ("count", "shape", "layer sizes")
             for path, array in _array_slots(name, value)
             for description, kwargs in [(f"{_label(path)} holds 2**64", _with(op.example, path,
                                                                               _replace_first(array, BIG)))]]


@pytest.mark.parametrize("operation, description, kwargs", BIG_CASES,
                         ids=[f"{op.name}: {description}" for op, description, _ in BIG_CASES])
def test_an_int_beyond_int64_is_answered_alike(operation, description, kwargs):
    """2**64 fits no NumPy int but is a finite float64: both twins accept it, or refuse it in the same words."""
    pure_error = _raised(operation.pure, kwargs)
    vectorized_error = _raised(operation.vectorized, kwargs)
    assert type(pure_error) is type(vectorized_error), (pure_error, vectorized_error)
    if pure_error is not None:
        assert str(pure_error) == str(vectorized_error)
        assert _raised_by_checks(pure_error) and _raised_by_checks(vectorized_error)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_layer_sizes_may_be_a_numpy_array(twin):
    operation = registry.get("create")
    from_list = operation.function(twin)(**operation.example)
    from_array = operation.function(twin)(**{**operation.example, "sizes": np.array(operation.example["sizes"])})
    assert from_array["sizes"] == operation.example["sizes"] and type(from_array["sizes"][0]) is int
    assert _same(from_list, from_array)
