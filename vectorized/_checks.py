"""Input checks shared by the vectorized twin.

Every public function checks its arguments first, so that a mistake fails
with a message naming the function, what it expected and what it got, instead
of a broadcasting surprise. The pure twin has a module of the same name with the
same checks, and both raise the same exception types:

- ``TypeError`` when a value is of the wrong kind (a string, None, a float label),
- ``ValueError`` when the kinds are right but the shape, length or range is not.

The checks look at shapes and dtypes, which costs nothing next to the
arithmetic; they never copy a float array (float32 stays float32).
"""

import numbers

import numpy as np


def fail(error, func, message):
    """Raise ``error`` with a message that starts with the function's name."""
    raise error(f"{func}: {message}")


def describe(value):
    """A short description of what the caller passed, for error messages."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biuf":
            return f"shape {value.shape}"
        if value.dtype.kind in "US":
            return "strings"
        if value.dtype == object:
            # The first value that is not a number is the one to report.
            odd = next((v for v in value.ravel() if not is_number(v)), None)
            return describe(odd)
        return f"dtype {value.dtype}"
    if is_number(value):
        return f"the number {value!r}"
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"the string {value[:20]!r}"
    return f"a {type(value).__name__}"


def is_number(value):
    """True for ints and floats, NumPy's too (and bools, which Python counts as 0 and 1)."""
    return isinstance(value, (numbers.Real, np.bool_))


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


def array(func, name, value, what):
    """Turn ``value`` into a numeric ndarray, or fail as the pure twin would.

    Float arrays are returned as they are; bool and integer ones are checked
    here and converted by the caller, which knows whether it wants floats.
    """
    try:
        result = np.asarray(value)
    except ValueError:
        # NumPy refuses nested lists of unequal lengths.
        fail(ValueError, func, f"{name} expected rows of equal length, got ragged rows")
    if result.dtype.kind not in "biuf":
        fail(TypeError, func, f"{name} expected {what} of numbers, got {describe(result)}")
    return result


def _floats(result):
    """Bool and integer inputs are promoted to float64, float inputs keep their precision."""
    return result if result.dtype.kind == "f" else result.astype(np.float64)


def vector(func, name, value):
    """Check a non-empty 1-D array of numbers, shape ``(n,)``."""
    result = array(func, name, value, "a vector")
    if result.ndim != 1:
        fail(ValueError, func, f"{name} expected a vector (a list of numbers), got {_shape(result)}")
    if result.size == 0:
        fail(ValueError, func, f"{name} expected a non-empty vector, got shape (0,)")
    return _floats(result)


def matrix(func, name, value):
    """Check a non-empty 2-D array of numbers, shape ``(rows, columns)``."""
    result = array(func, name, value, "a matrix")
    if result.ndim != 2:
        fail(ValueError, func, f"{name} expected a matrix (a list of rows), got {_shape(result)}")
    if result.size == 0:
        fail(ValueError, func, f"{name} expected a non-empty matrix, got shape {result.shape}")
    return _floats(result)


def vector_or_matrix(func, name, value):
    """Check a vector or a matrix of numbers; return it as a float array."""
    result = array(func, name, value, "an array")
    if result.ndim == 2:
        return matrix(func, name, result)
    return vector(func, name, result)


def _shape(result):
    if result.ndim == 0:
        return f"the number {result.item()!r}"
    return f"shape {result.shape}"


def same_shape(func, first_name, first, second_name, second):
    """Check that two checked arrays have the same shape."""
    if first.shape != second.shape:
        fail(ValueError, func,
             f"{second_name} expected the shape of {first_name} {first.shape}, got shape {second.shape}")


def length(func, name, value, expected, what):
    """Check that a dimension has the length another argument implies."""
    if value != expected:
        fail(ValueError, func, f"{name} expected {expected} {what}, got {value}")


def labels(func, name, value, n_samples, n_classes):
    """Check sparse class labels: ``n_samples`` integers in ``[0, n_classes)``."""
    result = array(func, name, value, "a vector")
    if result.ndim != 1 or result.size == 0:
        vector(func, name, result)  # raises the error that fits what was passed
    if result.dtype.kind not in "biu":
        fail(TypeError, func, f"{name} expected integer class labels, got dtype {result.dtype}")
    result = result.astype(np.intp, copy=False)
    length(func, name, result.shape[0], n_samples, "labels (one per sample)")
    if result.min() < 0 or result.max() >= n_classes:
        bad = result[(result < 0) | (result >= n_classes)][0]
        fail(ValueError, func, f"{name} expected labels in [0, {n_classes}), got {bad}")
    return result


def targets(func, name, value, predictions):
    """Check targets given as sparse labels or as rows the shape of ``predictions``.

    Returns ``(targets, is_sparse)``: the checked array, and True when the
    targets are sparse labels, False for one-hot rows.
    """
    result = array(func, name, value, "labels or one-hot rows")
    if result.ndim == 2:
        result = matrix(func, name, result)
        same_shape(func, "predictions", predictions, name, result)
        outside = ~((result >= 0) & (result <= 1))
        if outside.any():
            fail(ValueError, func, f"{name} expected one-hot values in [0, 1], got {result[outside][0].item()!r}")
        return result, False
    return labels(func, name, result, predictions.shape[0], predictions.shape[1]), True
