"""Input checks shared by the pure twin.

Every public function checks its arguments first, so that a mistake fails
with a message naming the function, what it expected and what it got, instead
of an IndexError three loops deep. The vectorized twin has a module of the same
name with the same checks, and both raise the same exception types:

- ``TypeError`` when a value is of the wrong kind (a string, None, a float label),
- ``ValueError`` when the kinds are right but the shape, length or range is not.
"""

import numbers
import os
from itertools import chain


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


# The types nearly every entry has. Checking the set of types present is done
# by map and set in C, so the checks cost far less than the arithmetic after
# them; only when something else turns up do the slow loops below look closer.
_PLAIN_NUMBERS = {float, int}


def _elements(func, name, values):
    """Check that every entry of one row is a number."""
    if set(map(type, values)) <= _PLAIN_NUMBERS:
        return
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
    if not set(map(type, value)) <= {list, tuple}:
        for row in value:
            if is_number(row):
                fail(ValueError, func, f"{name} expected a matrix (a list of rows), got a number where a row should be")
            if not isinstance(row, (list, tuple)):
                fail(TypeError, func, f"{name} expected a matrix (a list of rows), got {describe(row)} as a row")
    lengths = set(map(len, value))
    if len(lengths) > 1:
        fail(ValueError, func, f"{name} expected rows of equal length, got ragged rows of lengths {sorted(lengths)}")
    if not value or 0 in lengths:
        fail(ValueError, func, f"{name} expected a non-empty matrix, got {describe(value)}")
    if not set(map(type, chain.from_iterable(value))) <= _PLAIN_NUMBERS:
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


def class_targets(func, name, value, n_samples, n_classes):
    """Check class targets: ``n_samples`` sparse labels, or one-hot rows ``(n_samples, n_classes)``.

    Returns ``(targets, is_sparse)``: the checked targets, and True when the
    targets are sparse labels, False for one-hot rows.
    """
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        matrix(func, name, value)
        if shape(value) != (n_samples, n_classes):
            fail(ValueError, func, f"{name} expected one-hot rows of shape {(n_samples, n_classes)}, "
                                   f"got shape {shape(value)}")
        for row in value:
            for target in row:
                if not 0 <= target <= 1:
                    fail(ValueError, func, f"{name} expected one-hot values in [0, 1], got {target!r}")
        return value, False
    return labels(func, name, value, n_samples, n_classes), True


def targets(func, name, value, predictions):
    """Check class targets for ``predictions``: sparse labels or one-hot rows of the same shape."""
    return class_targets(func, name, value, len(predictions), len(predictions[0]))


def task_targets(func, name, value, task, n_samples, n_outputs):
    """Check a network's targets: class targets for classification, else a matrix ``(n_samples, n_outputs)``."""
    if task == "classification":
        return class_targets(func, name, value, n_samples, n_outputs)[0]
    matrix(func, name, value)
    if shape(value) != (n_samples, n_outputs):
        fail(ValueError, func, f"{name} expected shape {(n_samples, n_outputs)}, got shape {shape(value)}")
    return value


def integer(func, name, value):
    """Check that ``value`` is an int (a float such as 3.0 is refused: it is a count or a seed)."""
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        fail(TypeError, func, f"{name} expected an int, got {describe(value)}")
    return int(value)


def seed(func, name, value):
    """Check a seed: any int."""
    return integer(func, name, value)


def count(func, name, value):
    """Check a count: an int >= 1."""
    value = integer(func, name, value)
    if value < 1:
        fail(ValueError, func, f"{name} expected an int >= 1, got {value}")
    return value


def shape_argument(func, name, value):
    """Check a shape: (n,) or (rows, columns), each an int >= 1; return it as a tuple."""
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"{name} expected a shape such as (3,) or (2, 3), got {describe(value)}")
    if len(value) not in (1, 2):
        fail(ValueError, func, f"{name} expected a shape of 1 or 2 sides, got {len(value)} sides")
    return tuple(count(func, name, side) for side in value)


def rate(func, name, value):
    """Check a dropout rate: a number in [0, 1)."""
    value = number(func, name, value)
    if not 0.0 <= value < 1.0:
        fail(ValueError, func, f"{name} expected a fraction in [0, 1), got {value!r}")
    return value


def choice(func, name, value, options):
    """Check that ``value`` is one of ``options`` (by name); return it."""
    if not isinstance(value, str):
        fail(TypeError, func, f"{name} expected one of {', '.join(options)}, got {describe(value)}")
    if value not in options:
        fail(ValueError, func, f"{name} expected one of {', '.join(options)}, got {value!r}")
    return value


# Where each hyperparameter must lie: low <= value < high.
HYPERPARAMETER_RANGES = {
    "lr": (0.0, float("inf")),
    "decay": (0.0, float("inf")),
    "momentum": (0.0, 1.0),
    "epsilon": (0.0, float("inf")),
    "rho": (0.0, 1.0),
    "beta1": (0.0, 1.0),
    "beta2": (0.0, 1.0),
}


def hyperparameters(func, value, defaults):
    """Check a dict of hyperparameters against the defaults; return the two merged."""
    if value is None:
        return dict(defaults)
    if not isinstance(value, dict):
        fail(TypeError, func, f"hyperparameters expected a dict or None, got {describe(value)}")
    unknown = sorted(set(value) - set(defaults))
    if unknown:
        fail(ValueError, func, f"hyperparameters expected names among {', '.join(defaults)}, got {unknown[0]!r}")
    merged = dict(defaults)
    for name, given in value.items():
        low, high = HYPERPARAMETER_RANGES[name]
        given = number(func, name, given)
        if not low <= given < high:
            fail(ValueError, func, f"{name} expected a number in [{low}, {high}), got {given!r}")
        merged[name] = given
    if merged.get("epsilon", 1.0) <= 0:
        fail(ValueError, func, f"epsilon expected a number > 0, got {merged['epsilon']!r}")
    return merged


def iterations(func, state):
    """The number of updates already made: 0 before the first."""
    if state is None:
        return 0
    if not isinstance(state, dict) or "iterations" not in state:
        fail(TypeError, func, f"state expected None or the dict a previous step returned, got {describe(state)}")
    count_ = integer(func, "state['iterations']", state["iterations"])
    if count_ < 0:
        fail(ValueError, func, f"state['iterations'] expected an int >= 0, got {count_}")
    return count_


def named_arrays(func, name, value, like=None):
    """Check a dict from names to vectors or matrices (and, given ``like``, the same names and shapes)."""
    if not isinstance(value, dict):
        fail(TypeError, func, f"{name} expected a dict of arrays, got {describe(value)}")
    if not value:
        fail(ValueError, func, f"{name} expected at least one array, got an empty dict")
    if like is not None and list(value) != list(like):
        fail(ValueError, func, f"{name} expected the names {list(like)}, got {list(value)}")
    for key, array in value.items():
        vector_or_matrix(func, f"{name}[{key!r}]", array)
        if like is not None:
            same_shape(func, f"params[{key!r}]", like[key], f"{name}[{key!r}]", array)
    return value


def optimizer_inputs(func, params, grads, state, hyperparameters_, defaults):
    """Check an optimizer's arguments; return (params, grads, hyperparameters, iterations)."""
    named_arrays(func, "params", params)
    named_arrays(func, "grads", grads, like=params)
    return params, grads, hyperparameters(func, hyperparameters_, defaults), iterations(func, state)


def state_slots(func, state, key, params):
    """The per-parameter arrays a previous step kept under ``state[key]``, checked against params."""
    if key not in state:
        fail(ValueError, func, f"state expected an entry {key!r} from a previous {func} step, got {sorted(state)}")
    return named_arrays(func, f"state[{key!r}]", state[key], like=params)


def path(func, name, value):
    """Check a file name: a str or an os.PathLike; return it as a str."""
    if not isinstance(value, (str, os.PathLike)):
        fail(TypeError, func, f"{name} expected a file name, got {describe(value)}")
    return os.fspath(value)


MODEL_KEYS = ("sizes", "activation", "task", "dropout", "l1", "l2")


def model_settings(func, model, activations, tasks):
    """Check a model's settings (everything but its parameters)."""
    sizes = model["sizes"]
    if is_number(sizes):
        fail(ValueError, func, f"sizes expected a list of layer sizes such as [2, 64, 3], got {describe(sizes)}")
    if not isinstance(sizes, (list, tuple)):
        fail(TypeError, func, f"sizes expected a list of layer sizes such as [2, 64, 3], got {describe(sizes)}")
    if len(sizes) < 2:
        fail(ValueError, func, f"sizes expected at least 2 sizes (inputs and outputs), got {len(sizes)}")
    for size in sizes:
        count(func, "sizes", size)
    choice(func, "activation", model["activation"], activations)
    choice(func, "task", model["task"], tasks)
    rate(func, "dropout", model["dropout"])
    non_negative(func, "l1", model["l1"])
    non_negative(func, "l2", model["l2"])


def model_file(func, file_name, document, file_format, version):
    """Check the envelope of a saved model file (its contents are checked by ``model``)."""
    if not isinstance(document, dict) or document.get("format") != file_format:
        fail(ValueError, func, f"{file_name} expected a {file_format!r} file, got another kind of JSON")
    if document.get("version") != version:
        fail(ValueError, func, f"{file_name} expected file version {version}, got {document.get('version')!r}")
    if not isinstance(document.get("sha256"), str) or "model" not in document:
        fail(ValueError, func, f"{file_name} expected a model and its sha256, got keys {sorted(document)}")


def model(func, value, activations, tasks):
    """Check a whole model: its settings, and parameters whose names and shapes fit its sizes."""
    if not isinstance(value, dict):
        fail(TypeError, func, f"model expected a dict (from create or load), got {describe(value)}")
    missing = [key for key in MODEL_KEYS + ("params",) if key not in value]
    if missing:
        fail(ValueError, func, f"model expected the keys {', '.join(MODEL_KEYS)}, params; got no {missing[0]!r}")
    model_settings(func, value, activations, tasks)
    sizes, params = value["sizes"], value["params"]
    names = [f"{kind}{i}" for i in range(len(sizes) - 1) for kind in ("weights", "biases")]
    if not isinstance(params, dict) or sorted(params) != sorted(names):
        got = sorted(params) if isinstance(params, dict) else describe(params)
        fail(ValueError, func, f"params expected the arrays {names}, got {got}")
    for i, (n_inputs, n_neurons) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights = matrix(func, f"params['weights{i}']", params[f"weights{i}"])
        biases = vector(func, f"params['biases{i}']", params[f"biases{i}"])
        if shape(weights) != (n_inputs, n_neurons) or len(biases) != n_neurons:
            fail(ValueError, func, f"params of layer {i} expected shapes ({n_inputs}, {n_neurons}) and "
                                   f"({n_neurons},), got {shape(weights)} and ({len(biases)},)")
    return value


def cache(func, value, n_layers):
    """Check a forward pass's cache: a list with a dict per layer, as forward returns it."""
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        fail(TypeError, func, f"cache expected the list of dicts that forward returns, got {describe(value)}")
    length(func, "cache", len(value), n_layers, "entries (one per layer)")
    for entry in value:
        missing = {"inputs", "z", "a", "mask"} - set(entry)
        if missing:
            fail(ValueError, func, f"cache expected entries with inputs, z, a and mask, got no {sorted(missing)[0]!r}")
        for key in ("inputs", "z", "a"):
            matrix(func, f"cache's {key}", entry[key])
        if entry["mask"] is not None:
            matrix(func, "cache's mask", entry["mask"])
    return value


def masks(func, value, n_layers):
    """Check dropout masks: None, or a list with a mask (or None) per layer."""
    if value is None:
        return [None] * n_layers
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"masks expected None or a list from dropout_masks, got {describe(value)}")
    length(func, "masks", len(value), n_layers, "entries (one per layer)")
    for mask in value:
        if mask is not None:
            matrix(func, "masks", mask)
    return value


def dtype(func, name, value):
    """Check a floating-point type name: "float64" or "float32"."""
    return choice(func, name, value, ("float64", "float32"))


def limit(func, name, value):
    """Check an optional count: None (everything) or an int >= 1."""
    return None if value is None else count(func, name, value)
