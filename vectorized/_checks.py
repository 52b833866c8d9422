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

import functools
import inspect
import numbers
import os

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


def _ready(value, ndim):
    # The common case, a non-empty float array of the right rank, needs no work:
    # answering it first keeps the checks from costing more than small arithmetic.
    return type(value) is np.ndarray and value.ndim == ndim and value.dtype.kind == "f" and value.size > 0


def vector(func, name, value):
    """Check a non-empty 1-D array of numbers, shape ``(n,)``."""
    if _ready(value, 1):
        return value
    result = array(func, name, value, "a vector")
    if result.ndim != 1:
        fail(ValueError, func, f"{name} expected a vector (a list of numbers), got {_shape(result)}")
    if result.size == 0:
        fail(ValueError, func, f"{name} expected a non-empty vector, got shape (0,)")
    return _floats(result)


def matrix(func, name, value):
    """Check a non-empty 2-D array of numbers, shape ``(rows, columns)``."""
    if _ready(value, 2):
        return value
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


# The sides of an array a size relation can name.
SIDES = ("rows", "columns", "values")


def dimension(value, side):
    """The number of rows, columns or values (a vector's length) of a checked array."""
    return value.shape[1] if side == "columns" else value.shape[0]


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


def class_targets(func, name, value, n_samples, n_classes):
    """Check class targets: ``n_samples`` sparse labels, or one-hot rows ``(n_samples, n_classes)``."""
    result = array(func, name, value, "labels or one-hot rows")
    if result.ndim == 2:
        result = matrix(func, name, result)
        if result.shape != (n_samples, n_classes):
            fail(ValueError, func, f"{name} expected one-hot rows of shape {(n_samples, n_classes)}, "
                                   f"got shape {result.shape}")
        outside = ~((result >= 0) & (result <= 1))
        if outside.any():
            fail(ValueError, func, f"{name} expected one-hot values in [0, 1], got {result[outside][0].item()!r}")
        return result
    return labels(func, name, result, n_samples, n_classes)


def targets(func, name, value, predictions):
    """Check class targets for ``predictions``: sparse labels or one-hot rows of the same shape."""
    return class_targets(func, name, value, predictions.shape[0], predictions.shape[1])


def task_targets(func, name, value, task, n_samples, n_outputs):
    """Check a network's targets: class targets for classification, else a matrix ``(n_samples, n_outputs)``."""
    if task == "classification":
        return class_targets(func, name, value, n_samples, n_outputs)
    result = matrix(func, name, value)
    if result.shape != (n_samples, n_outputs):
        fail(ValueError, func, f"{name} expected shape {(n_samples, n_outputs)}, got shape {result.shape}")
    return result


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


def one_of(options):
    """A spec for ``takes``: the argument must be one of ``options`` (by name)."""
    return lambda func, name, value, arguments: choice(func, name, value, options)


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
    checked = {}
    for key, array in value.items():
        checked[key] = vector_or_matrix(func, f"{name}[{key!r}]", array)
        if like is not None:
            same_shape(func, f"params[{key!r}]", like[key], f"{name}[{key!r}]", checked[key])
    return checked


def merged_with(defaults):
    """A spec for ``takes``: None or a dict of hyperparameters, checked and merged over ``defaults``."""
    return lambda func, name, value, arguments: hyperparameters(func, value, defaults)


def previous_state(*slots, when=None):
    """A spec for ``takes``: None, or the state a previous step returned.

    Its step counter is checked, and each per-parameter slot (``"momentums"``,
    ``"caches"``) against the checked ``params``; with ``when``, the name of a
    hyperparameter checked before, the slots only where that is not 0 (SGD keeps
    momentums only with a momentum). Returns the state with its checked values.
    """
    def check(func, name, value, arguments):
        count_ = iterations(func, value)
        if value is None:
            return None
        checked = {**value, "iterations": count_}
        if when is None or arguments["hyperparameters"][when]:
            for slot in slots:
                checked[slot] = state_slots(func, value, slot, arguments["params"])
        return checked
    return check


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


def layer_sizes(func, name, value):
    """Check a network's layer sizes: at least 2 counts, inputs first; return them as a list of ints."""
    if is_number(value):
        fail(ValueError, func, f"{name} expected a list of layer sizes such as [2, 64, 3], got {describe(value)}")
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"{name} expected a list of layer sizes such as [2, 64, 3], got {describe(value)}")
    if len(value) < 2:
        fail(ValueError, func, f"{name} expected at least 2 sizes (inputs and outputs), got {len(value)}")
    return [count(func, name, size) for size in value]


MODEL_KEYS = ("sizes", "activation", "task", "dropout", "l1", "l2")


def model_settings(func, model, activations, tasks):
    """Check a model's settings (everything but its parameters)."""
    layer_sizes(func, "sizes", model["sizes"])
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
    checked = {}
    for i, (n_inputs, n_neurons) in enumerate(zip(sizes[:-1], sizes[1:])):
        weights = matrix(func, f"params['weights{i}']", params[f"weights{i}"])
        biases = vector(func, f"params['biases{i}']", params[f"biases{i}"])
        if weights.shape != (n_inputs, n_neurons) or biases.shape[0] != n_neurons:
            fail(ValueError, func, f"params of layer {i} expected shapes ({n_inputs}, {n_neurons}) and "
                                   f"({n_neurons},), got {weights.shape} and ({biases.shape[0]},)")
        checked[f"weights{i}"], checked[f"biases{i}"] = weights, biases
    # The same model, its parameters as arrays (the very same arrays when they were already).
    return {**value, "params": checked}


def cache(func, value, n_layers):
    """Check a forward pass's cache: a list with a dict per layer, as forward returns it."""
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        fail(TypeError, func, f"cache expected the list of dicts that forward returns, got {describe(value)}")
    length(func, "cache", len(value), n_layers, "entries (one per layer)")
    checked = []
    for entry in value:
        missing = {"inputs", "z", "a", "mask"} - set(entry)
        if missing:
            fail(ValueError, func, f"cache expected entries with inputs, z, a and mask, got no {sorted(missing)[0]!r}")
        checked.append({key: matrix(func, f"cache's {key}", entry[key]) for key in ("inputs", "z", "a")})
        checked[-1]["mask"] = None if entry["mask"] is None else matrix(func, "cache's mask", entry["mask"])
    return checked


def masks(func, value, n_layers):
    """Check dropout masks: None, or a list with a mask (or None) per layer."""
    if value is None:
        return [None] * n_layers
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"masks expected None or a list from dropout_masks, got {describe(value)}")
    length(func, "masks", len(value), n_layers, "entries (one per layer)")
    return [None if mask is None else matrix(func, "masks", mask) for mask in value]


def model_among(activations, tasks):
    """A spec for ``takes``: a whole model (see ``model``) whose activation and task are among these names."""
    return lambda func, name, value, arguments: model(func, value, activations, tasks)


def network_inputs(func, name, value, model_):
    """Check a batch for a checked model: a matrix with a column per input of the model."""
    value = matrix(func, name, value)
    length(func, name, dimension(value, "columns"), model_["sizes"][0], "columns (the model's inputs)")
    return value


def network_outputs(func, name, value, model_):
    """Check a batch of outputs for a checked model: a matrix with a column per output of the model."""
    value = matrix(func, name, value)
    length(func, name, dimension(value, "columns"), model_["sizes"][-1], "columns (the model's outputs)")
    return value


def network_cache(func, name, value, model_):
    """Check a forward pass's cache for a checked model (see ``cache``)."""
    return cache(func, value, len(model_["sizes"]) - 1)


def network_masks(func, name, value, model_):
    """Check dropout masks for a checked model (see ``masks``): None becomes a None per layer."""
    return masks(func, value, len(model_["sizes"]) - 1)


def network_targets(batch):
    """A spec for ``takes``: targets for the task of the argument ``model``, one per row of the argument
    ``batch`` (for a cache, one per row of its last layer's outputs); see ``task_targets``."""
    def check(func, name, value, arguments):
        model_, rows = arguments["model"], arguments[batch]
        n_samples = len(rows[-1]["a"]) if batch == "cache" else len(rows)
        return task_targets(func, name, value, model_["task"], n_samples, model_["sizes"][-1])
    return check


def state_for_optimizer(states):
    """A spec for ``takes``: None, or the state that a previous step of the optimizer the argument
    ``optimizer`` names returned, for the params of the argument ``model``.

    The step counter is checked under the function's own name; the rest by that optimizer's
    spec in ``states``, under the optimizer's name, as the optimizer itself checks it (which
    reads the checked ``hyperparameters``). Returns the checked state.
    """
    def check(func, name, value, arguments):
        iterations(func, value)
        optimizer = arguments["optimizer"]
        settings = {"params": arguments["model"]["params"], "hyperparameters": arguments["hyperparameters"]}
        return states[optimizer](optimizer, name, value, settings)
    return check


def hyperparameters_for(defaults):
    """A spec for ``takes``: hyperparameters for the optimizer the argument ``optimizer`` names,
    merged with that optimizer's entry in ``defaults`` (see ``hyperparameters``)."""
    return lambda func, name, value, arguments: hyperparameters(func, value, defaults[arguments["optimizer"]])


def dtype(func, name, value):
    """Check a floating-point type name: "float64" or "float32"."""
    return choice(func, name, value, ("float64", "float32"))


def limit(func, name, value):
    """Check an optional count: None (everything) or an int >= 1."""
    return None if value is None else count(func, name, value)


def flag(func, name, value):
    """Check a switch: True or False."""
    if not isinstance(value, bool):
        fail(TypeError, func, f"{name} expected True or False, got {describe(value)}")
    return value


# The kinds a spec can name. "targets" and "arrays" can be checked for another argument
# ("targets for predictions"; "arrays for params": the same names and shapes as params),
# and so are a network's "inputs", "outputs", "cache" and "masks" ("inputs for model").
KINDS = {
    "number": number,
    "non-negative": non_negative,
    "vector": vector,
    "matrix": matrix,
    "vector or matrix": vector_or_matrix,
    "arrays": named_arrays,
    "targets": targets,
    "int": integer,
    "seed": seed,
    "count": count,
    "shape": shape_argument,
    "rate": rate,
    "path": path,
    "dtype": dtype,
    "limit": limit,
    "flag": flag,
    "layer sizes": layer_sizes,
    "inputs": network_inputs,
    "outputs": network_outputs,
    "cache": network_cache,
    "masks": network_masks,
}


# ---------------------------------------------------------------- declared checks
# An operation declares how each argument is checked, once, above its body:
#
#     @_checks.takes(dvalues="matrix", inputs="matrix like dvalues")
#     def relu_backward(dvalues, inputs):
#         ...the formula, nothing else...
#
# The same spellings mean the same checks in both twins. A spec is a string,
#
#     KIND                          "matrix", "vector", "number", "count", ...
#     KIND like ARG                 ... with the shape of the (checked) argument ARG
#     KIND for ARG                  a kind that depends on ARG ("targets for predictions")
#     ..., SIDE = SIDE of ARG (WHY) a size another argument implies; SIDE is rows,
#                                   columns or values (a vector's length); WHY, the
#                                   words the error message gives (default "the SIDE of ARG")
#
# or a function (func, name, value, arguments) -> value for what words cannot say.
# Arguments are checked in the order they are declared; a check returns the value
# the body receives (the vectorized twin turns lists into arrays there).
# The function without its checks stays reachable as ``function.unchecked``, for
# callers that have checked its arguments already (the network's inner loop).


def takes(**specs):
    """Declare the checks of a function's arguments: ``@takes(name=spec, ...)``."""
    def decorate(function):
        signature = inspect.signature(function)
        name = function.__name__
        checks = [(argument, _parse(name, argument, spec)) for argument, spec in specs.items()]
        unknown = [argument for argument, _ in checks if argument not in signature.parameters]
        if unknown:
            raise TypeError(f"takes: {name} has no argument {unknown[0]!r}")

        @functools.wraps(function)
        def checked(*args, **kwargs):
            arguments = signature.bind(*args, **kwargs)
            arguments.apply_defaults()
            values = arguments.arguments
            for argument, check in checks:
                values[argument] = check(name, argument, values[argument], values)
            return function(*arguments.args, **arguments.kwargs)

        checked.unchecked = function
        return checked
    return decorate


def _parse(func, argument, spec):
    """Turn one declared spec into a check (func, name, value, arguments) -> value."""
    if callable(spec):
        return spec
    kind, *relations = [part.strip() for part in spec.split(",")]
    words = kind.split()
    if kind in KINDS:
        joined, other = None, None
    elif len(words) == 3 and words[1] in ("like", "for"):
        kind, joined, other = words
    else:
        raise TypeError(f"takes: {func}'s {argument} has a spec it cannot read: {spec!r}")
    if kind not in KINDS:
        raise TypeError(f"takes: {func}'s {argument} names no kind of check: {kind!r}")
    sizes = [_parse_size(func, argument, relation) for relation in relations]

    def check(func, name, value, arguments):
        if joined == "for":
            value = KINDS[kind](func, name, value, arguments[other])
        else:
            value = KINDS[kind](func, name, value)
        if joined == "like":
            same_shape(func, other, arguments[other], name, value)
        for side, other_side, other_name, why in sizes:
            length(func, name, dimension(value, side), dimension(arguments[other_name], other_side),
                   f"{side} ({why})")
        return value
    return check


def _parse_size(func, argument, relation):
    """'rows = columns of a (the columns of a)' -> ('rows', 'columns', 'a', 'the columns of a')."""
    why = None
    if relation.endswith(")") and " (" in relation:
        relation, why = relation[:-1].split(" (", 1)
    words = relation.split()
    if len(words) != 5 or words[1] != "=" or words[3] != "of" or not {words[0], words[2]} <= set(SIDES):
        raise TypeError(f"takes: {func}'s {argument} has a size it cannot read: {relation!r}")
    side, _, other_side, _, other = words
    return side, other_side, other, why or f"the {other_side} of {other}"
