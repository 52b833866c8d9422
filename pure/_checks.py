"""Input checks shared by the pure twin.

Every public function checks its arguments first, so that a mistake fails
with a message naming the function, what it expected and what it got, instead
of an IndexError three loops deep. The vectorized twin has a module of the same
name with the same checks, and both raise the same exception types:

- ``TypeError`` when a value is of the wrong kind (a string, None, a float label),
- ``ValueError`` when the kinds are right but the shape, length or range is not.
"""

import numbers


def fail(error, func, message):
    """Raise ``error`` with a message that starts with the function's name."""
    raise error(f"{func}: {message}")


def describe(value):
    """A short description of what the caller passed, for error messages."""
    if isinstance(value, (list, tuple)):
        if value and all(isinstance(row, (list, tuple)) for row in value):
            lengths = sorted({len(row) for row in value})
            if len(lengths) == 1:
                return f"shape ({len(value)}, {lengths[0]})"
            return f"ragged rows of lengths {lengths}"
        return f"shape ({len(value)},)"
    if is_number(value):
        return f"the number {value!r}"
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"the string {value[:20]!r}"
    return f"a {type(value).__name__}"


def is_number(value):
    """True for ints and floats (and bools, which Python counts as 0 and 1)."""
    return isinstance(value, numbers.Real)


def number(func, name, value):
    """Check that ``value`` is a real number and return it as a float."""
    if not is_number(value):
        fail(TypeError, func, f"{name} expected a number, got {describe(value)}")
    return float(value)


def non_negative(func, name, value):
    """Check that ``value`` is a number >= 0 and return it as a float."""
    value = number(func, name, value)
    if not value >= 0:
        fail(ValueError, func, f"{name} expected a number >= 0, got {value!r}")
    return value


def _elements(func, name, values):
    """Check that every entry of one row is a number."""
    for value in values:
        if not is_number(value):
            fail(TypeError, func, f"{name} expected numbers, got {describe(value)}")


def vector(func, name, value):
    """Check a non-empty list of numbers, shape ``(n,)``."""
    if is_number(value):
        fail(ValueError, func, f"{name} expected a vector (a list of numbers), got {describe(value)}")
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"{name} expected a vector (a list of numbers), got {describe(value)}")
    if value and isinstance(value[0], (list, tuple)):
        fail(ValueError, func, f"{name} expected a vector (a list of numbers), got {describe(value)}")
    if not value:
        fail(ValueError, func, f"{name} expected a non-empty vector, got shape (0,)")
    _elements(func, name, value)
    return value


def matrix(func, name, value):
    """Check a non-empty rectangular list of rows of numbers, shape ``(rows, columns)``."""
    if is_number(value):
        fail(ValueError, func, f"{name} expected a matrix (a list of rows), got {describe(value)}")
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"{name} expected a matrix (a list of rows), got {describe(value)}")
    for row in value:
        if is_number(row):
            fail(ValueError, func, f"{name} expected a matrix (a list of rows), got a number where a row should be")
        if not isinstance(row, (list, tuple)):
            fail(TypeError, func, f"{name} expected a matrix (a list of rows), got {describe(row)} as a row")
    shape = describe(value)
    if not shape.startswith("shape"):
        fail(ValueError, func, f"{name} expected rows of equal length, got {shape}")
    if not value or not value[0]:
        fail(ValueError, func, f"{name} expected a non-empty matrix, got {shape}")
    for row in value:
        _elements(func, name, row)
    return value


def vector_or_matrix(func, name, value):
    """Check a vector or a matrix of numbers; return how many dimensions it has."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        matrix(func, name, value)
        return 2
    vector(func, name, value)
    return 1


def shape(value):
    """The shape of a checked vector or matrix, as a tuple."""
    if isinstance(value[0], (list, tuple)):
        return (len(value), len(value[0]))
    return (len(value),)


def same_shape(func, first_name, first, second_name, second):
    """Check that two checked arrays have the same shape."""
    if shape(first) != shape(second):
        fail(ValueError, func,
             f"{second_name} expected the shape of {first_name} {shape(first)}, got shape {shape(second)}")


def length(func, name, value, expected, what):
    """Check that a dimension has the length another argument implies."""
    if value != expected:
        fail(ValueError, func, f"{name} expected {expected} {what}, got {value}")


def labels(func, name, value, n_samples, n_classes):
    """Check sparse class labels: ``n_samples`` integers in ``[0, n_classes)``."""
    if is_number(value) or not isinstance(value, (list, tuple)) or not value:
        vector(func, name, value)  # raises the error that fits what was passed
    for label in value:
        if not isinstance(label, numbers.Integral):
            fail(TypeError, func, f"{name} expected integer class labels, got {describe(label)}")
    length(func, name, len(value), n_samples, "labels (one per sample)")
    for label in value:
        if not 0 <= label < n_classes:
            fail(ValueError, func, f"{name} expected labels in [0, {n_classes}), got {label}")
    return value


def targets(func, name, value, predictions):
    """Check targets given as sparse labels or as rows the shape of ``predictions``.

    Returns ``(targets, is_sparse)``: the checked targets, and True when the
    targets are sparse labels, False for one-hot rows.
    """
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        matrix(func, name, value)
        same_shape(func, "predictions", predictions, name, value)
        for row in value:
            for target in row:
                if not 0 <= target <= 1:
                    fail(ValueError, func, f"{name} expected one-hot values in [0, 1], got {target!r}")
        return value, False
    return labels(func, name, value, len(predictions), len(predictions[0])), True
