"""Input checks shared by the pure twin.

Every public function checks its arguments first, so that a mistake fails
with a message naming the function, what it expected and what it got, instead
of an IndexError three loops deep. The vectorized twin has a module of the same
name with the same checks, and both raise the same exception types:

- ``TypeError`` when a value is of the wrong kind (a string, None, a float label),
- ``ValueError`` when the kinds are right but the shape, length or range is not.

Three rules hold for every argument, in both twins alike:

- **Finite numbers only.** NaN, infinity and ints too large for a float64 (such
  as 10**400) are refused with a ValueError that names the function, the
  argument and the first bad position, row-major: ``relu: inputs expected finite
  numbers, got nan at [0][1]``. A NaN would otherwise spread silently, and the
  twins would answer it differently (max(nan, 0.0) is 0.0, NumPy's maximum nan).
  Extreme finite values (logits of 1e4, a probability of exactly 0) are legal.
- **The rank is part of the shape.** Lists nested too deep (a batch of images
  not flattened) or not deep enough get a ValueError with the shape they have,
  ``expected a matrix (a list of rows), got shape (2, 28, 28)``.
- **Nothing too large to compute.** A request for more than MAX_VALUES values
  (a shape, a count, the weights of one layer) is refused before anything is
  allocated.
"""

import functools
import inspect
import math
import numbers
import os
from itertools import chain


def fail(error, func, message):
    """Raise ``error`` with a message that starts with the function's name."""
    raise error(f"{func}: {message}")


def describe(value):
    """A short description of what the caller passed, for error messages."""
    if isinstance(value, (list, tuple)):
        sides = nested_shape(value)
        if sides is None:
            return _ragged(value)
        return f"shape {sides}"
    if is_number(value):
        return f"the number {show_number(value)}"
    if value is None:
        return "None"
    if isinstance(value, str):
        return f"the string {value[:20]!r}"
    if isinstance(getattr(value, "shape", None), tuple):  # a NumPy array, named without importing NumPy
        return f"a {type(value).__name__} of shape {value.shape}"
    return f"a {type(value).__name__}"


def show_number(value):
    """A number as a message shows it: ints too long to read by their size, the rest by repr."""
    if isinstance(value, numbers.Integral):
        value = int(value)
        if value.bit_length() <= 64:
            return repr(value)
        if value.bit_length() <= 1024:
            return f"an int of about {float(value):.3g}"
        return f"an int too large for a float64 ({value.bit_length()} bits)"
    try:
        return repr(float(value))
    except OverflowError:  # a Fraction beyond the float64 range
        return f"a {type(value).__name__} too large for a float64"


def nested_shape(value):
    """The shape of lists nested in lists, such as (2, 28, 28); () for a number; None when ragged.

    Ragged means rows of different lengths, or numbers beside lists, at any depth.
    """
    sides, level = [], [value]
    while level and _all_lists(level):
        lengths = set(map(len, level))
        if len(lengths) > 1:
            return None
        sides.append(lengths.pop())
        level = list(chain.from_iterable(level))
    types = set(map(type, level))
    if types & _LISTS or (not types <= {float, int} and any(isinstance(item, (list, tuple)) for item in level)):
        return None
    return tuple(sides)


_LISTS = {list, tuple}


def _all_lists(items):
    return set(map(type, items)) <= _LISTS or all(isinstance(item, (list, tuple)) for item in items)


def _ragged(value):
    """'ragged rows of lengths [1, 2]' when the rows are lists of different lengths, else 'ragged rows'."""
    if isinstance(value, (list, tuple)) and value and _all_lists(value):
        lengths = sorted(set(map(len, value)))
        if len(lengths) > 1:
            return f"ragged rows of lengths {lengths}"
    return "ragged rows"


# What an array of each number of sides is called in messages.
ARRAY_NAMES = {1: ("a vector (a list of numbers)", "vector"), 2: ("a matrix (a list of rows)", "matrix"),
               3: ("a 3-D array (lists nested 3 deep)", "3-D array"),
               4: ("a 4-D array (lists nested 4 deep)", "4-D array")}


def nested(func, name, value, ndim=None):
    """Fail with the first reason why the lists ``value`` are not a (non-empty) array of numbers.

    In this order, the same in both twins: something that is not a number (a
    TypeError); rows of different lengths; a number of sides other than ``ndim``
    (when given); no values at all (ValueErrors). Returns when nothing is wrong.
    """
    odd = _first_not_number(value)
    if odd is not _NONE:
        fail(TypeError, func, f"{name} expected numbers, got {describe(odd)}")
    sides = nested_shape(value)
    if sides is None:
        fail(ValueError, func, f"{name} expected rows of equal length, got {_ragged(value)}")
    if ndim is not None and len(sides) != ndim:
        fail(ValueError, func, f"{name} expected {ARRAY_NAMES[ndim][0]}, got shape {sides}")
    if 0 in sides:
        noun = ARRAY_NAMES[len(sides)][1] if len(sides) in ARRAY_NAMES else "array"
        fail(ValueError, func, f"{name} expected a non-empty {noun}, got shape {sides}")


_NONE = object()  # "found nothing", where None is a finding


def _first_not_number(value):
    """The first item, row by row at any depth, that is neither a number nor a list; else _NONE."""
    # Level by level in C first: only when some level holds another type does
    # the loop below walk the lists in order to find the first such item.
    level = [value]
    while level:
        types = set(map(type, level))
        if not types <= _LISTS | {float, int}:
            break
        if not types <= _LISTS:
            level = [item for item in level if type(item) in _LISTS]
        level = list(chain.from_iterable(level))
    else:
        return _NONE
    stack = [iter(value)]
    while stack:
        for item in stack[-1]:
            if isinstance(item, (list, tuple)):
                stack.append(iter(item))
                break
            if not is_number(item):
                return item
        else:
            stack.pop()
    return _NONE


def is_number(value):
    """True for ints and floats (and bools, which Python counts as 0 and 1)."""
    return isinstance(value, numbers.Real)


def number(func, name, value):
    """Check that ``value`` is a finite real number and return it as a float."""
    if not is_number(value):
        fail(TypeError, func, f"{name} expected a number, got {describe(value)}")
    if not _is_finite(value):
        fail(ValueError, func, f"{name} expected a finite number, got {show_number(value)}")
    return float(value)


def _is_finite(value):
    """True for a number a float64 holds, and holds as a finite value."""
    try:
        return math.isfinite(value)
    except OverflowError:  # an int (or a Fraction) beyond the float64 range
        return False


def non_negative(func, name, value):
    """Check that ``value`` is a number >= 0 and return it as a float."""
    value = number(func, name, value)
    if not value >= 0:
        fail(ValueError, func, f"{name} expected a number >= 0, got {value!r}")
    return value


# The types nearly every entry has. Checking the set of types present is done
# by map and set in C, so the checks cost far less than the arithmetic after
# them; only when something else turns up does ``nested`` look closer.
_PLAIN_NUMBERS = {float, int}


def finite(func, name, value):
    """Check that every value of a checked vector or matrix is finite (see the rules above); return it."""
    flat = chain.from_iterable(value) if isinstance(value[0], (list, tuple)) else value
    return _finite(func, name, value, set(map(type, flat)))


def _finite(func, name, value, types):
    # A sum in C first: it is finite when every value is, unless finite values
    # overflow it (1e308 + 1e308); only then does the loop below look for one.
    # Ints go through fsum, which turns each into a float and so refuses 10**400.
    flat = chain.from_iterable(value) if isinstance(value[0], (list, tuple)) else value
    try:
        total = sum(flat) if types <= {float} else math.fsum(flat)
    except (OverflowError, ValueError):  # an int too large for a float, or inf - inf
        total = math.nan
    if math.isfinite(total):
        return value
    for position, number_ in _positions(value):
        if not _is_finite(number_):
            fail(ValueError, func, f"{name} expected finite numbers, got {show_number(number_)} at {position}")
    return value


def _positions(value):
    """(position, value) of a vector's or a matrix's values, row by row: ('[0][1]', x)."""
    if not isinstance(value[0], (list, tuple)):
        return ((f"[{i}]", x) for i, x in enumerate(value))
    return ((f"[{i}][{j}]", x) for i, row in enumerate(value) for j, x in enumerate(row))


def vector(func, name, value):
    """Check a non-empty list of finite numbers, shape ``(n,)``."""
    if not isinstance(value, (list, tuple)):
        fail(ValueError if is_number(value) else TypeError, func,
             f"{name} expected a vector (a list of numbers), got {describe(value)}")
    types = set(map(type, value))
    if not value or not (types <= _PLAIN_NUMBERS or all(map(is_number, value))):
        nested(func, name, value, 1)
    return _finite(func, name, value, types)


def matrix(func, name, value):
    """Check a non-empty rectangular list of rows of finite numbers, shape ``(rows, columns)``."""
    if not isinstance(value, (list, tuple)):
        fail(ValueError if is_number(value) else TypeError, func,
             f"{name} expected a matrix (a list of rows), got {describe(value)}")
    if not (value and set(map(type, value)) <= _LISTS and len(set(map(len, value))) == 1 and value[0]):
        nested(func, name, value, 2)
    types = set(map(type, chain.from_iterable(value)))
    if not (types <= _PLAIN_NUMBERS or all(map(is_number, chain.from_iterable(value)))):
        nested(func, name, value, 2)
    return _finite(func, name, value, types)


def vector_or_matrix(func, name, value):
    """Check a vector or a matrix of numbers; return it."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        return matrix(func, name, value)
    return vector(func, name, value)


def shape(value):
    """The shape of a checked array (a vector, a matrix, sequences...), as a tuple."""
    sides = []
    while isinstance(value, (list, tuple)):
        sides.append(len(value))
        value = value[0]
    return tuple(sides)


# The sides of an array a size relation can name.
SIDES = ("rows", "columns", "values", "channels", "features", "positions")


def dimension(value, side):
    """The number of rows, columns or values (a vector's length) of a checked array; the channels of images;
    the features of a matrix or of sequences (its last side); the positions of sequences."""
    if side == "features":
        return shape(value)[-1]
    return len(value[0]) if side in ("columns", "channels", "positions") else len(value)


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
    if is_number(value) or not isinstance(value, (list, tuple)) or not value or \
            not set(map(type, value)).isdisjoint(_LISTS):
        vector(func, name, value)  # raises the error that fits what was passed
    for label in value:
        if not isinstance(label, numbers.Integral):
            fail(TypeError, func, f"{name} expected integer class labels, got {describe(label)}")
    length(func, name, len(value), n_samples, "labels (one per sample)")
    for label in value:
        if not 0 <= label < n_classes:
            fail(ValueError, func, f"{name} expected labels in [0, {n_classes}), got {show_number(label)}")
    return value


def int_rows(func, name, value, columns, low, high, what):
    """Check a matrix of ints (n_samples, columns), each in [low, high): token indices, or the targets of
    a sequence (``what``: what they are, in messages)."""
    if not isinstance(value, (list, tuple)) or not value or not all(isinstance(row, (list, tuple)) for row in value):
        matrix(func, name, value)  # raises the error that fits what was passed
    for i, row in enumerate(value):
        length(func, name, len(row), columns, f"{what} per sample")
        for j, item in enumerate(row):
            if not isinstance(item, numbers.Integral) or isinstance(item, bool):
                fail(TypeError, func, f"{name} expected {what} as ints, got {describe(item)} at [{i}][{j}]")
            if not low <= item < high:
                fail(ValueError, func, f"{name} expected {what} in [{low}, {high}), got {item} at [{i}][{j}]")
    return value


def class_targets(func, name, value, n_samples, n_classes):
    """Check class targets: ``n_samples`` sparse labels, or one-hot rows ``(n_samples, n_classes)``."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        matrix(func, name, value)
        if shape(value) != (n_samples, n_classes):
            fail(ValueError, func, f"{name} expected one-hot rows of shape {(n_samples, n_classes)}, "
                                   f"got shape {shape(value)}")
        return unit_interval(func, name, value, "one-hot values in [0, 1]")
    return labels(func, name, value, n_samples, n_classes)


def targets(func, name, value, predictions):
    """Check class targets for ``predictions``: sparse labels or one-hot rows of the same shape."""
    return class_targets(func, name, value, len(predictions), len(predictions[0]))


def unit_interval(func, name, value, what):
    """Check that every value of a checked matrix lies in [0, 1]; return it. ``what`` is what was expected."""
    if min(map(min, value)) < 0 or max(map(max, value)) > 1:
        for position, number_ in _positions(value):
            if not 0 <= number_ <= 1:
                fail(ValueError, func, f"{name} expected {what}, got {show_number(float(number_))} at {position}")
    return value


# A softmax's rows sum to 1 up to rounding: a few units in the last place per
# class (6e-8 each in float32). Clipping probabilities to [1e-7, 1 - 1e-7], as
# the classic book does before a log, moves a row's sum by at most 1e-7 per
# class. A tolerance of 1e-6 per class allows both, ten times over, and still
# refuses what the check is for: logits or unnormalised scores, whose rows miss
# 1 by whole units. (A central difference of step 1e-6 on one probability of a
# row of two or more classes stays within it too.)
PROBABILITY_SUM_TOLERANCE = 1e-6


def probabilities(func, name, value):
    """Check class probabilities, rows of a softmax: values in [0, 1], each row summing to 1; return them."""
    value = matrix(func, name, value)
    tolerance = PROBABILITY_SUM_TOLERANCE * len(value[0])
    for i, total in enumerate(map(math.fsum, value)):
        if not abs(total - 1.0) <= tolerance:
            fail(ValueError, func, f"{name} expected probabilities (rows of a softmax, not logits), "
                                   f"got a row summing to {round(total, 6)!r} at row {i}")
    return unit_interval(func, name, value, "probabilities in [0, 1] (rows of a softmax, not logits)")


def binary_probabilities(func, name, value):
    """Check yes/no probabilities, outputs of a sigmoid: a matrix of values in [0, 1]; return it."""
    value = matrix(func, name, value)
    return unit_interval(func, name, value, "probabilities in [0, 1] (outputs of a sigmoid, not logits)")


def binary_targets(func, name, value):
    """Check yes/no targets: a matrix of values in [0, 1] (0 or 1, or a soft label between); return it."""
    return unit_interval(func, name, matrix(func, name, value), "values in [0, 1]")


def task_targets(func, name, value, task, n_samples, n_outputs):
    """Check a network's targets: class targets for classification, else a matrix ``(n_samples, n_outputs)``."""
    if task == "classification":
        return class_targets(func, name, value, n_samples, n_outputs)
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


# The most values one request may make: a shape's, a count's, one layer's weights.
# 10**8 float64s take 800 MB in NumPy and about 3.2 GB as a pure list of floats
# (a pointer and a float object each), and MNIST's 60000 x 784 pixels fit in
# half of it; beyond, a request is refused before anything is allocated rather
# than running the machine out of memory.
MAX_VALUES = 10**8


def count(func, name, value):
    """Check a count: an int >= 1 and at most MAX_VALUES."""
    value = integer(func, name, value)
    if value < 1:
        fail(ValueError, func, f"{name} expected an int >= 1, got {value}")
    if value > MAX_VALUES:
        fail(ValueError, func, f"{name} expected at most {MAX_VALUES}, got {show_number(value)}")
    return value


def count_times(*others, what="values"):
    """A spec for ``takes``: a count whose product with ``others`` (the names of counts checked
    before it, or numbers) is at most MAX_VALUES, since that many ``what`` would be made of them."""
    def check(func, name, value, arguments):
        value = count(func, name, value)
        sides = [arguments[other] if isinstance(other, str) else other for other in others] + [value]
        if math.prod(sides) > MAX_VALUES:
            fail(ValueError, func, f"{name} expected at most {MAX_VALUES} {what} "
                                   f"({' x '.join(map(str, others + (name,)))}), got {' x '.join(map(str, sides))}")
        return value
    return check


def function_or_none(func, name, value):
    """Check None, or something to call (a function that a loop reports its progress to); return it."""
    if value is not None and not callable(value):
        fail(TypeError, func, f"{name} expected None or a function, got {describe(value)}")
    return value


def targets_of(rows):
    """A spec for ``takes``: targets, one per row of the argument ``rows``: int labels (n_samples,), or
    rows of numbers (n_samples, n_outputs) (a list of lists, or a 2-D array)."""
    def check(func, name, value, arguments):
        n_samples = len(arguments[rows])
        given_rows = getattr(value, "ndim", None) == 2 or (
            isinstance(value, (list, tuple)) and bool(value) and isinstance(value[0], (list, tuple)))
        if not given_rows:
            return labels(func, name, value, n_samples, MAX_VALUES)
        value = matrix(func, name, value)
        length(func, name, dimension(value, "rows"), n_samples, "rows (one per sample)")
        return value
    return check


def fraction_held_out(rows):
    """A spec for ``takes``: a fraction in (0, 1) of the rows of the argument ``rows`` that leaves at least
    one of them on each side of a split."""
    def check(func, name, value, arguments):
        value = number(func, name, value)
        n_rows = len(arguments[rows])
        n_held_out = round(value * n_rows)
        if not 0 < value < 1 or not 0 < n_held_out < n_rows:
            fail(ValueError, func, f"{name} expected a fraction that leaves at least one of the {n_rows} samples on "
                                   f"each side, got {value!r}")
        return value
    return check


def int_at_least(low, most=MAX_VALUES):
    """A spec for ``takes``: an int >= ``low`` and at most ``most`` (None: no upper limit), for the
    ints a count's range does not fit: an alphabet of 2 symbols or more, a seed that may not be negative."""
    def check(func, name, value, arguments):
        value = integer(func, name, value)
        if value < low:
            fail(ValueError, func, f"{name} expected an int >= {low}, got {show_number(value)}")
        if most is not None and value > most:
            fail(ValueError, func, f"{name} expected at most {most}, got {show_number(value)}")
        return value
    return check


def shape_argument(func, name, value):
    """Check a shape: (n,) or (rows, columns), each an int >= 1, at most MAX_VALUES values; return it as a tuple."""
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"{name} expected a shape such as (3,) or (2, 3), got {describe(value)}")
    if len(value) not in (1, 2):
        fail(ValueError, func, f"{name} expected a shape of 1 or 2 sides, got {len(value)} sides")
    sides = tuple(integer(func, name, side) for side in value)
    if min(sides) < 1:
        fail(ValueError, func, f"{name} expected an int >= 1, got {min(sides)}")
    if math.prod(sides) > MAX_VALUES:
        fail(ValueError, func, f"{name} expected at most {MAX_VALUES} values, got {show_number(math.prod(sides))}")
    return sides


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
    for key, array in value.items():
        vector_or_matrix(func, f"{name}[{key!r}]", array)
        if like is not None:
            same_shape(func, f"params[{key!r}]", like[key], f"{name}[{key!r}]", array)
    return value


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
    """Check a network's layer sizes: at least 2 counts, inputs first; return them as a list of ints.

    A NumPy array of ints is taken as the list it holds. No layer may have more
    than MAX_VALUES weights.
    """
    if not isinstance(value, (list, tuple)) and callable(getattr(value, "tolist", None)):
        value = value.tolist()  # a NumPy array, taken without importing NumPy
    if is_number(value):
        fail(ValueError, func, f"{name} expected a list of layer sizes such as [2, 64, 3], got {describe(value)}")
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"{name} expected a list of layer sizes such as [2, 64, 3], got {describe(value)}")
    if len(value) < 2:
        fail(ValueError, func, f"{name} expected at least 2 sizes (inputs and outputs), got {len(value)}")
    sizes = [count(func, name, size) for size in value]
    for i, (n_inputs, n_neurons) in enumerate(zip(sizes[:-1], sizes[1:])):
        if n_inputs * n_neurons > MAX_VALUES:
            fail(ValueError, func, f"{name} expected at most {MAX_VALUES} weights in a layer, "
                                   f"got {n_inputs} x {n_neurons} in layer {i}")
    return sizes


MODEL_KEYS = ("sizes", "activation", "task", "dropout", "l1", "l2")


def model_settings(func, model, activations, tasks):
    """Check a model's settings (everything but its parameters)."""
    layer_sizes(func, "sizes", model["sizes"])
    choice(func, "activation", model["activation"], activations)
    choice(func, "task", model["task"], tasks)
    rate(func, "dropout", model["dropout"])
    non_negative(func, "l1", model["l1"])
    non_negative(func, "l2", model["l2"])


# ---------------------------------------------------------------- a model as a list of layers
# The keys of each layer type besides "type": how each value is checked, and its default (REQUIRED:
# the layer must say). A checked layer has every key. A type not named here (an activation) has none.
REQUIRED = object()
LAYER_KEYS = {
    "dense": {"units": ("count", REQUIRED)},
    "dropout": {"rate": ("rate", REQUIRED)},
    "conv2d": {"filters": ("count", REQUIRED), "kernel": ("sides", REQUIRED), "stride": ("sides", 1),
               "padding": ("padding", 0)},
    "max_pool2d": {"size": ("sides", REQUIRED), "stride": ("stride", None)},  # stride None: the size
    "avg_pool2d": {"size": ("sides", REQUIRED), "stride": ("stride", None)},
    "flatten": {},
    "embedding": {"width": ("count", REQUIRED)},
    "positional_encoding": {},
    "layer_norm": {},
    "transformer_block": {"heads": ("count", REQUIRED), "hidden": ("count", REQUIRED)},
}
IMAGE_LAYERS = ("conv2d", "max_pool2d", "avg_pool2d", "flatten")  # what takes images (n, channels, height, width)
SEQUENCE_LAYERS = ("positional_encoding", "transformer_block")  # what takes sequences (n, length, width)
# What has parameters, and their names (in a model's params, the k-th such layer's add k: "weights0").
PARAMETER_NAMES = {
    "dense": ("weights", "biases"), "conv2d": ("weights", "biases"), "embedding": ("table",),
    "layer_norm": ("gamma", "beta"),
    "transformer_block": ("attention_gamma", "attention_beta", "query_weights", "key_weights", "value_weights",
                          "output_weights", "mlp_gamma", "mlp_beta", "hidden_weights", "hidden_biases",
                          "output_layer_weights", "output_layer_biases"),
}
PARAMETER_LAYERS = tuple(PARAMETER_NAMES)
TOKENS = "tokens"  # the first side of the shape of a sequence of token indices: ("tokens", length, vocabulary)


def _sides(func, name, value, low):
    """An int >= low, or a pair [vertical, horizontal] of them (a kernel, a stride, a padding), as given."""
    if isinstance(value, (list, tuple)):
        if len(value) != 2:
            fail(ValueError, func, f"{name} expected an int or a pair [vertical, horizontal], got {len(value)} values")
        return [_sides(func, name, side, low) for side in value]
    value = integer(func, name, value)
    if not low <= value <= MAX_VALUES:
        fail(ValueError, func, f"{name} expected an int >= {low}, got {show_number(value)}")
    return value


LAYER_VALUES = {
    "count": count,
    "rate": rate,
    "sides": lambda func, name, value: _sides(func, name, value, 1),
    "padding": lambda func, name, value: _sides(func, name, value, 0),
    "stride": lambda func, name, value: None if value is None else _sides(func, name, value, 1),
}


def pair(value):
    """(vertical, horizontal) of a checked kernel, stride or padding: an int is both."""
    return (value, value) if isinstance(value, int) else tuple(value)


def input_shape(func, name, value):
    """Check what one sample of a model is: a number of features (784), images [channels, height, width]
    ([1, 28, 28]) or a sequence of token indices {"length": 16, "vocabulary": 11}; return it as an int, a
    list of 3 ints or that dict. A list of another length is none of them (a TypeError)."""
    if isinstance(value, dict):
        if sorted(map(str, value)) != ["length", "vocabulary"]:
            fail(ValueError, func, f"{name} expected a sequence of tokens such as {{'length': 16, 'vocabulary': 11}}, "
                                   f"got the keys {sorted(map(str, value))}")
        return {key: count(func, f"{name}['{key}']", value[key]) for key in ("length", "vocabulary")}
    if not isinstance(value, (list, tuple)):
        return count(func, name, value)
    if len(value) != 3:
        fail(TypeError, func, f"{name} expected a number of features such as 784, or [channels, height, width] "
                              f"such as [1, 28, 28], got a list of {len(value)}")
    sides = [count(func, name, side) for side in value]
    if math.prod(sides) > MAX_VALUES:
        fail(ValueError, func, f"{name} expected at most {MAX_VALUES} values, got {show_number(math.prod(sides))}")
    return sides


def sample_shape(inputs):
    """The shape of one sample, as a tuple, from a checked input shape: (784,), (1, 28, 28), or
    ("tokens", 16, 11) for 16 token indices below 11. A sequence of vectors is (length, width)."""
    if isinstance(inputs, dict):
        return (TOKENS, inputs["length"], inputs["vocabulary"])
    return (inputs,) if isinstance(inputs, int) else tuple(inputs)


def _sequence_output(func, where, layer, shape):
    """The shape of one sample after a checked layer that takes token indices or sequences."""
    kind = layer["type"]
    if shape[0] == TOKENS:
        if kind != "embedding":
            fail(ValueError, func, f"{where} expected samples of features, images or sequences, got token indices "
                                   f"(n_samples, {shape[1]}): start with an embedding layer")
        if shape[2] * layer["width"] > MAX_VALUES:
            fail(ValueError, func, f"{where} expected at most {MAX_VALUES} weights, got {shape[2]} x {layer['width']}")
        return shape[1], layer["width"]
    if kind == "embedding":
        fail(ValueError, func, f"{where} expected token indices (n_samples, length), got samples of shape {shape}")
    if len(shape) != 2:
        fail(ValueError, func, f"{where} expected sequences (n_samples, length, width), got samples of shape {shape}")
    if kind == "transformer_block":
        if shape[1] % layer["heads"]:
            fail(ValueError, func, f"{where} expected a number of heads that divides the width {shape[1]}, got "
                                   f"{layer['heads']}")
        if shape[1] * max(shape[1], layer["hidden"]) > MAX_VALUES:
            fail(ValueError, func, f"{where} expected at most {MAX_VALUES} weights in a matrix, got {shape[1]} x "
                                   f"{max(shape[1], layer['hidden'])}")
    return shape


def layer_output(func, where, layer, shape):
    """The shape of one sample after a checked layer, given the shape before it; fail where it cannot take it.

    where: the layer's place in messages, such as "layers[3] (dense)".
    """
    kind = layer["type"]
    if shape[0] == TOKENS or kind == "embedding" or kind in SEQUENCE_LAYERS:
        return _sequence_output(func, where, layer, shape)
    if kind in IMAGE_LAYERS and len(shape) != 3:
        fail(ValueError, func, f"{where} expected images (n_samples, channels, height, width), got samples of "
                               f"shape {shape}")
    if kind == "dense":  # on samples of features, or on every position of a sequence
        if len(shape) == 3:
            fail(ValueError, func, f"{where} expected samples of features (n_samples, features), got images of "
                                   f"shape {shape}: put a flatten layer before it")
        if shape[-1] * layer["units"] > MAX_VALUES:
            fail(ValueError, func, f"{where} expected at most {MAX_VALUES} weights, got {shape[-1]} x {layer['units']}")
        return (*shape[:-1], layer["units"])
    if kind == "flatten":
        return (math.prod(shape),)
    if kind not in IMAGE_LAYERS:
        return shape  # an activation or dropout keeps the shape
    channels, height, width = shape
    if kind == "conv2d":
        (kernel_height, kernel_width), padding = pair(layer["kernel"]), pair(layer["padding"])
        size, stride = (height + 2 * padding[0], width + 2 * padding[1]), pair(layer["stride"])
        if kernel_height > size[0] or kernel_width > size[1]:
            fail(ValueError, func, f"{where} expected a kernel no larger than its padded input {size}, got kernel "
                                   f"{(kernel_height, kernel_width)}")
        if layer["filters"] * channels * kernel_height * kernel_width > MAX_VALUES:
            fail(ValueError, func, f"{where} expected at most {MAX_VALUES} weights, got {layer['filters']} x "
                                   f"{channels} x {kernel_height} x {kernel_width}")
        return (layer["filters"], (size[0] - kernel_height) // stride[0] + 1, (size[1] - kernel_width) // stride[1] + 1)
    size, stride = pair(layer["size"]), pair(layer["stride"])
    if size[0] > height or size[1] > width:
        fail(ValueError, func, f"{where} expected a window no larger than its input {(height, width)}, got size "
                               f"{size}")
    return (channels, (height - size[0]) // stride[0] + 1, (width - size[1]) // stride[1] + 1)


def layer_list(func, name, value, inputs, types):
    """Check a model's layers, each against the shape the layers before it leave; return them with every key.

    inputs: a checked input shape    types: the layer types there are (the network's LAYERS)
    The layers end in samples of features, (n_samples, n_outputs), for the task's output.
    """
    if not isinstance(value, (list, tuple)):
        fail(TypeError, func, f"{name} expected a list of layers such as [{{'type': 'dense', 'units': 3}}], "
                              f"got {describe(value)}")
    shape, checked = sample_shape(inputs), []
    for i, layer in enumerate(value):
        where = f"{name}[{i}]"
        if not isinstance(layer, dict):
            fail(TypeError, func, f"{where} expected a dict such as {{'type': 'dense', 'units': 3}}, "
                                  f"got {describe(layer)}")
        if "type" not in layer:
            fail(ValueError, func, f"{where} expected a 'type', got the keys {sorted(map(str, layer))}")
        kind = choice(func, f"{where}['type']", layer["type"], types)
        keys, where = LAYER_KEYS.get(kind, {}), f"{where} ({kind})"
        extra = sorted(str(key) for key in layer if key != "type" and key not in keys)
        if extra:
            fail(ValueError, func, f"{where} expected the keys {['type', *keys]}, got {extra[0]!r} too")
        missing = [key for key, (_, default) in keys.items() if default is REQUIRED and key not in layer]
        if missing:
            fail(ValueError, func, f"{where} expected a {missing[0]!r}, got the keys {sorted(layer)}")
        layer = {"type": kind, **{key: LAYER_VALUES[kind_](func, f"{name}[{i}]['{key}']", layer.get(key, default))
                                  for key, (kind_, default) in keys.items()}}
        if layer.get("stride", 0) is None:
            layer["stride"] = layer["size"]  # a pool's windows side by side
        shape = layer_output(func, where, layer, shape)
        checked.append(layer)
    if not any(layer["type"] in PARAMETER_LAYERS for layer in checked):
        fail(ValueError, func, f"{name} expected at least one layer with weights ({' or '.join(PARAMETER_LAYERS)}), "
                               f"got none")
    if len(shape) == 3:
        fail(ValueError, func, f"{name} expected to end in samples of features for the task's output, got images "
                               f"of shape {shape}: end with a flatten layer and a dense layer")
    return checked


def task_for_layers(func, name, value, tasks, layers, inputs):
    """Check a task among ``tasks`` for checked layers: a model that ends in sequences (a prediction at
    every position) is a classification, a softmax at each position."""
    value = choice(func, name, value, tasks)
    shape = shapes_through(inputs, layers)[-1]
    if len(shape) == 2 and value != "classification":
        fail(ValueError, func, f"{name} expected \"classification\" for layers that end in sequences {shape}, "
                               f"got {value!r}")
    return value


def mlp_layers(sizes, activation, dropout):
    """The layers a model given by its sizes stands for: dense, activation (and dropout) per hidden layer, then dense."""
    layers = []
    for units in sizes[1:-1]:
        layers += [{"type": "dense", "units": units}, {"type": activation}]
        if dropout:
            layers.append({"type": "dropout", "rate": dropout})
    return layers + [{"type": "dense", "units": sizes[-1]}]


def model_layers(model_):
    """The layers of a checked model: its "layers", or those its "sizes" stand for (see mlp_layers)."""
    if "layers" in model_:
        return model_["layers"]
    return mlp_layers(model_["sizes"], model_["activation"], model_["dropout"])


def model_shapes(model_):
    """The shape of one sample before each layer of a checked model, and after the last: [(784,), ..., (10,)]."""
    return shapes_through(model_["inputs"] if "layers" in model_ else model_["sizes"][0], model_layers(model_))


def shapes_through(inputs, layers):
    """The shape of one sample before each of checked layers, and after the last, from a checked input shape."""
    shapes = [sample_shape(inputs)]
    for layer in layers:
        shapes.append(layer_output(None, None, layer, shapes[-1]))
    return shapes


def parameter_shapes(layer, shape):
    """The names and shapes of a checked layer's parameters, given the shape of one input sample ({} for none).

    dense: weights (n_inputs, units), biases (units,); n_inputs is the last side: on a sequence,
    the same weights at every position
    conv2d: weights (filters, channels * kernel_height * kernel_width), biases (filters,): each filter's
    weights in one row, in (channel, row, column) order, the matrix the optimizers and penalties take
    (the layer reshapes it to (filters, channels, kernel_height, kernel_width) for conv2d)
    embedding: table (vocabulary, width)    layer_norm: gamma, beta (features,)
    transformer_block, on sequences of width d: attention_gamma, attention_beta (d,), query_weights,
    key_weights, value_weights, output_weights (d, d), mlp_gamma, mlp_beta (d,), hidden_weights
    (d, hidden), hidden_biases (hidden,), output_layer_weights (hidden, d), output_layer_biases (d,)
    """
    return dict(zip(PARAMETER_NAMES.get(layer["type"], ()), _parameter_sides(layer, shape)))


def _parameter_sides(layer, shape):
    """The shapes of a checked layer's parameters, in the order of PARAMETER_NAMES."""
    kind, width = layer["type"], shape[-1]
    if kind == "dense":
        return (width, layer["units"]), (layer["units"],)
    if kind == "conv2d":
        return (layer["filters"], shape[0] * math.prod(pair(layer["kernel"]))), (layer["filters"],)
    if kind == "embedding":
        return ((shape[2], layer["width"]),)
    if kind == "layer_norm":
        return (width,), (width,)
    if kind == "transformer_block":
        return ((width,), (width,), (width, width), (width, width), (width, width), (width, width), (width,),
                (width,), (width, layer["hidden"]), (layer["hidden"],), (layer["hidden"], width), (width,))
    return ()


def model_file(func, file_name, document, file_format, versions):
    """Check the envelope of a saved model file (its contents are checked by ``model``).

    versions: the versions read, the first for a model given by its "sizes", the second for one given
    by its "layers". Each message ends with what makes a file edited by hand load again.
    """
    model_ = document.get("model") if isinstance(document, dict) else None
    form = "layers" if isinstance(model_, dict) and "layers" in model_ else "sizes"
    version = versions[form == "layers"]  # the version of a file of this model
    keys = f'"format": "{file_format}", "version": {version}, "sha256" and "model"'
    if not isinstance(document, dict) or document.get("format") != file_format:
        fail(ValueError, func, f"{file_name} expected a {file_format!r} file, got another kind of JSON: "
                               f"a model file is a JSON object with {keys}, as save writes it")
    if document.get("version") not in versions:
        fail(ValueError, func, f"{file_name} expected file version {' or '.join(map(str, versions))}, got "
                               f"{document.get('version')!r}: this twinnet reads \"version\": "
                               f"{' and '.join(map(str, versions))} (a newer file needs a newer twinnet)")
    if not isinstance(document.get("sha256"), str) or "model" not in document:
        fail(ValueError, func, f"{file_name} expected a model and its sha256, got keys {sorted(document)}: "
                               f"a model file holds {keys}; save the model again with twinnet")
    if document["version"] != version:
        fail(ValueError, func, f"{file_name} expected file version {version} for a model given by its {form}, got "
                               f'{document["version"]!r}: this twinnet reads "version": {versions[0]} for a model '
                               f'given by its "sizes" and "version": {versions[1]} for one given by its "layers"; '
                               'correct "version", or save the model again with twinnet')


def not_finite(value):
    """The first NaN or infinity of an array of numbers, as (its index such as "[0][2]", the value).

    None when every number is finite, and when ``value`` is not an array of
    numbers at all (the other checks say what it is).
    """
    if not isinstance(value, (list, tuple)):
        return None
    is_matrix = bool(value) and set(map(type, value)) <= {list, tuple}
    for i, row in enumerate(value if is_matrix else [value]):
        # A row of plain floats is checked by map in C; only a row with a bad value is looked at closely.
        if set(map(type, row)) == {float} and all(map(math.isfinite, row)):
            continue
        for j, number in enumerate(row):
            if isinstance(number, float) and not math.isfinite(number):
                return (f"[{i}][{j}]" if is_matrix else f"[{j}]"), float(number)
    return None


def finite_parameter(func, name, value, file=None):
    """Check that a model's parameter holds no NaN or infinity; the message names the first, and ``file``
    (save's path, or None), to which nothing is written."""
    bad = not_finite(value)
    if bad is not None:
        where, number = bad
        unwritten = "" if file is None else f": nothing was written to {file}"
        fail(ValueError, func, f"model expected finite parameters, got {number!r} in {name}{where}{unwritten}")


def one_dtype(params, dtype=None):
    """A model's parameters in one dtype: ``dtype`` if given, else float32 when every one is float32, else float64.

    A model with float32 biases beside float64 weights (what NumPy's functions give
    after the book's ``nnfs.init()``) would otherwise train each array in its own
    precision. The pure twin's Python floats are all float64: it converts nothing.
    """
    return params


LAYER_MODEL_KEYS = ("inputs", "layers", "task", "l1", "l2")


def model(func, value, activations, tasks, dtype=None, file=None, types=()):
    """Check a whole model: its settings, and finite parameters whose names and shapes fit its layers.

    A model is given by its sizes (MODEL_KEYS, what create makes) or by its layers
    (LAYER_MODEL_KEYS, what create_layers makes; ``types``: the layer types there are).
    Returns the model with its layers' every key and its parameters in one dtype (see
    ``one_dtype``): ``dtype``, or None for the model's own. ``file``: see ``finite_parameter``.
    """
    if not isinstance(value, dict):
        fail(TypeError, func, f"model expected a dict (from create or load), got {describe(value)}")
    keys = LAYER_MODEL_KEYS if "layers" in value else MODEL_KEYS
    missing = [key for key in keys + ("params",) if key not in value]
    if missing:
        fail(ValueError, func, f"model expected the keys {', '.join(keys)}, params; got no {missing[0]!r}")
    if "layers" in value:
        inputs = input_shape(func, "inputs", value["inputs"])
        value = {**value, "inputs": inputs, "layers": layer_list(func, "layers", value["layers"], inputs, types)}
        task_for_layers(func, "task", value["task"], tasks, value["layers"], inputs)
        non_negative(func, "l1", value["l1"])
        non_negative(func, "l2", value["l2"])
    else:
        model_settings(func, value, activations, tasks)
    # The layers with parameters, in order: (place in messages, {name: shape}); the k-th one's
    # parameters are called name + k in params ("weights0", "biases0", "table1", ...).
    expected = []
    for i, (layer, shape_) in enumerate(zip(model_layers(value), model_shapes(value))):
        if layer["type"] in PARAMETER_LAYERS:
            where = f"layer {len(expected)}" if "sizes" in value else f"layers[{i}] ({layer['type']})"
            expected.append((where, parameter_shapes(layer, shape_)))
    params = value["params"]
    names = [f"{name}{k}" for k, (_, shapes) in enumerate(expected) for name in shapes]
    if not isinstance(params, dict) or sorted(params) != sorted(names):
        got = sorted(params) if isinstance(params, dict) else describe(params)
        fail(ValueError, func, f"params expected the arrays {names}, got {got}")
    for name in names:
        finite_parameter(func, name, params[name], file)
    checked = {}
    for k, (where, shapes) in enumerate(expected):
        got = {}
        for name, shape_ in shapes.items():
            array_ = (matrix if len(shape_) == 2 else vector)(func, f"params['{name}{k}']", params[f"{name}{k}"])
            got[name] = tuple(dimension(array_, side) for side in (("rows", "columns") if len(shape_) == 2
                                                                   else ("values",)))
            checked[f"{name}{k}"] = array_
        if got != shapes:
            fail(ValueError, func, f"params of {where} expected shapes {' and '.join(map(str, shapes.values()))}, "
                                   f"got {' and '.join(map(str, got.values()))}")
    # The same model, with its parameters as one twin computes with them (the same lists in pure,
    # the very same arrays in vectorized when they were already).
    return {**value, "params": one_dtype(checked, dtype)}


def cache(func, value, shapes):
    """Check a forward pass's cache: a list with a dict per layer and one for the output, as forward returns it.

    shapes: the shape of one sample before each layer and after the last (see model_shapes).
    """
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        fail(TypeError, func, f"cache expected the list of dicts that forward returns, got {describe(value)}")
    length(func, "cache", len(value), len(shapes), "entries (one per layer, and one for the output)")
    for entry, before, after in zip(value, shapes, shapes[1:] + shapes[-1:]):
        missing = {"inputs", "outputs", "mask"} - set(entry)
        if missing:
            fail(ValueError, func, f"cache expected entries with inputs, outputs and mask, got no "
                                   f"{sorted(missing)[0]!r}")
        batch(func, "cache's inputs", entry["inputs"], before, "the layer's inputs")
        batch(func, "cache's outputs", entry["outputs"], after, "the layer's outputs")
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


def batch(func, name, value, shape_, what):
    """Check a batch of samples of one shape: a matrix (n_samples, features) when ``shape_`` is
    (features,), token indices (n_samples, length) when it is ("tokens", length, vocabulary),
    sequences (n_samples, length, width) when (length, width), else images (n_samples, channels,
    height, width); ``what``: what they are, in messages."""
    if shape_[0] == TOKENS:
        return int_rows(func, name, value, shape_[1], 0, shape_[2], f"token indices ({what})")
    if len(shape_) == 1:
        value = matrix(func, name, value)
        length(func, name, dimension(value, "columns"), shape_[0], f"columns ({what})")
        return value
    kind = "sequences" if len(shape_) == 2 else "images"
    value = deep_array(func, name, value, len(shape_) + 1)
    if nested_shape(value)[1:] != shape_:
        fail(ValueError, func, f"{name} expected {kind} of shape (n_samples, {', '.join(map(str, shape_))}) "
                               f"({what}), got shape {nested_shape(value)}")
    return value


def model_among(activations, tasks, dtype=None, file=None, types=()):
    """A spec for ``takes``: a whole model (see ``model``) whose activation, task and layer types are among these names.

    ``dtype`` and ``file`` name arguments checked before it: the dtype to bring the
    parameters to (None there keeps the model's own), and the file save writes.
    """
    def check(func, name, value, arguments):
        return model(func, value, activations, tasks, arguments[dtype] if dtype else None,
                     arguments[file] if file else None, types)
    return check


def model_dtype(func, name, value):
    """Check the dtype a model computes in: "float64", "float32", or None for the model's own.

    The pure twin computes in Python floats, which are float64: it refuses "float32".
    """
    if value is not None and dtype(func, name, value) != "float64":
        fail(ValueError, func, f'{name} expected "float64" (pure computes in Python floats, which are float64), '
                               f"got {value!r}")
    return value


def in_model_dtype(value, model_):
    """A checked float array in the dtype of a checked model's parameters (int labels stay ints).

    The vectorized twin computes in the model's precision: float32 data is not
    silently computed in float64 by a float32 model, nor the other way round.
    """
    return value


def network_inputs(func, name, value, model_):
    """Check a batch for a checked model: samples of the model's input shape (see ``batch``), in its dtype."""
    return in_model_dtype(batch(func, name, value, model_shapes(model_)[0], "the model's inputs"), model_)


def network_outputs(func, name, value, model_):
    """Check a batch of outputs for a checked model: a matrix with a column per output of the model, in its dtype."""
    return in_model_dtype(batch(func, name, value, model_shapes(model_)[-1], "the model's outputs"), model_)


def network_cache(func, name, value, model_):
    """Check a forward pass's cache for a checked model (see ``cache``)."""
    return cache(func, value, model_shapes(model_))


def network_masks(func, name, value, model_):
    """Check dropout masks for a checked model (see ``masks``): None becomes a None per layer."""
    return masks(func, value, len(model_layers(model_)))


def network_targets(batch):
    """A spec for ``takes``: targets for the task of the argument ``model``, one per row of the argument
    ``batch`` (for a cache, one per row of its last layer's outputs), in the model's dtype; see ``task_targets``."""
    def check(func, name, value, arguments):
        model_, rows = arguments["model"], arguments[batch]
        n_samples = len(rows[-1]["outputs"]) if batch == "cache" else len(rows)
        outputs = model_shapes(model_)[-1]
        if len(outputs) == 2:  # sequences: a label per position, -1 where nothing is scored
            value = int_rows(func, name, value, outputs[0], -1, outputs[1], "labels (-1: not scored)")
            length(func, name, len(value), n_samples, "rows (one per sample)")
            unscored = next((i for i, row in enumerate(value) if all(label == -1 for label in row)), None)
            if unscored is not None:  # a batch of such samples would have no loss to take the mean of
                fail(ValueError, func, f"{name} expected a scored label (not -1) in every sample, got none in "
                                       f"sample {unscored}")
            return value
        return in_model_dtype(task_targets(func, name, value, model_["task"], n_samples, outputs[0]), model_)
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
    """Check an optional limit: None (everything) or an int >= 1 (any size: it only caps what there is)."""
    if value is None:
        return None
    value = integer(func, name, value)
    if value < 1:
        fail(ValueError, func, f"{name} expected an int >= 1, got {value}")
    return value


def flag(func, name, value):
    """Check a switch: True or False."""
    if not isinstance(value, bool):
        fail(TypeError, func, f"{name} expected True or False, got {describe(value)}")
    return value


# ---------------------------------------------------------------- images, kernels and sliding windows
# Images are (n_samples, channels, height, width), NCHW as in PyTorch and the classic course;
# a convolution's kernels are (n_filters, channels, kernel_height, kernel_width). A stride, a
# padding or a pooling window is an int, or a pair of ints (vertical, horizontal).


def images(func, name, value):
    """Check a non-empty 4-D array of finite numbers: images ``(n_samples, channels, height, width)``
    or kernels ``(n_filters, channels, kernel_height, kernel_width)``; return it."""
    return deep_array(func, name, value, 4)


def deep_array(func, name, value, ndim):
    """Check a non-empty array of finite numbers with ``ndim`` sides (lists nested ``ndim`` deep); return it."""
    if not isinstance(value, (list, tuple)):
        fail(ValueError if is_number(value) else TypeError, func,
             f"{name} expected {ARRAY_NAMES[ndim][0]}, got {describe(value)}")
    sides = nested_shape(value)
    if sides is None or len(sides) != ndim or 0 in sides:
        nested(func, name, value, ndim)
    flat = value
    for _ in range(ndim - 1):
        flat = chain.from_iterable(flat)
    flat = list(flat)
    types = set(map(type, flat))
    if not (types <= _PLAIN_NUMBERS or all(map(is_number, flat))):
        nested(func, name, value, ndim)
    try:  # finite when the sum is, as in _finite
        total = sum(flat) if types <= {float} else math.fsum(flat)
    except (OverflowError, ValueError):
        total = math.nan
    if not math.isfinite(total):
        for index, number_ in enumerate(flat):
            if not _is_finite(number_):
                position, rest = [], index
                for side in reversed(sides):
                    position.insert(0, rest % side)
                    rest //= side
                fail(ValueError, func, f"{name} expected finite numbers, got {show_number(number_)} at "
                                       + "".join(f"[{i}]" for i in position))
    return value


def _shape4(value):
    """The shape of checked images or kernels."""
    return (len(value), len(value[0]), len(value[0][0]), len(value[0][0][0]))


def _shown_ints(value):
    """A short list or tuple of numbers as a message shows it, (1, 0); anything else as ``describe`` does."""
    if isinstance(value, (list, tuple)) and 0 < len(value) <= 8 and all(map(is_number, value)):
        return repr(tuple(int(v) if isinstance(v, numbers.Integral) else v for v in value))
    return describe(value)


def _int_pair(func, name, value, low):
    """Check an int, or a pair of ints (vertical, horizontal), each in [low, MAX_VALUES]; return the pair."""
    is_pair = isinstance(value, (list, tuple)) and len(value) == 2
    sides = tuple(value) if is_pair else (value, value)
    if not (is_pair or not isinstance(value, (list, tuple))) or \
            not all(isinstance(side, numbers.Integral) and not isinstance(side, bool) for side in sides):
        fail(TypeError, func, f"{name} expected an int or a pair of ints (vertical, horizontal), "
                              f"got {_shown_ints(value)}")
    sides = (int(sides[0]), int(sides[1]))
    if min(sides) < low or max(sides) > MAX_VALUES:
        what, shown = ("a pair of ints", repr(sides)) if is_pair else ("an int", repr(sides[0]))
        fail(ValueError, func, f"{name} expected {what} in [{low}, {MAX_VALUES}], got {shown}")
    return sides


def stride(func, name, value):
    """Check a stride or a window's size: an int >= 1, or a pair of them (vertical, horizontal); return the pair."""
    return _int_pair(func, name, value, 1)


def padding(func, name, value):
    """Check a zero padding: an int >= 0, or a pair of them (vertical, horizontal); return the pair."""
    return _int_pair(func, name, value, 0)


def _slid(func, arguments, over, kernels, size, stride_, padding_):
    """The shape of the outputs of a window slid over the argument ``over`` (images): a convolution's by
    the argument ``kernels``, or a pooling's of the argument ``size`` (a checked pair); ``stride_`` and
    ``padding_``: checked pairs. Fails when the window is larger than the padded images, or when the
    padded images or the outputs would hold more than MAX_VALUES values.

        out = (size + 2 * padding - kernel) // stride + 1
    """
    n_samples, channels, height, width = _shape4(arguments[over])
    if kernels is not None:
        channels_out, _, *window = _shape4(arguments[kernels])
        window_name, what = kernels, "kernels"
    else:
        channels_out, window, window_name, what = channels, arguments[size], size, "a window"
    padded = (height + 2 * padding_[0], width + 2 * padding_[1])
    if window[0] > padded[0] or window[1] > padded[1]:
        fail(ValueError, func, f"{window_name} expected {what} of at most {padded[0]} x {padded[1]} (the height and "
                               f"width of {over}{', padded' if any(padding_) else ''}), "
                               f"got {window[0]} x {window[1]}")
    if n_samples * channels * padded[0] * padded[1] > MAX_VALUES:
        fail(ValueError, func, f"padding expected at most {MAX_VALUES} values in the padded {over}, got "
                               f"{n_samples} x {channels} x {padded[0]} x {padded[1]}")
    shape_ = (n_samples, channels_out) + tuple((side - window_side) // step + 1
                                               for side, window_side, step in zip(padded, window, stride_))
    if math.prod(shape_) > MAX_VALUES:
        fail(ValueError, func, f"{over} expected at most {MAX_VALUES} values in the outputs, got "
                               f"{' x '.join(map(str, shape_))}")
    return shape_


def window_over(over, kernels=None, size=None):
    """A spec for ``takes``: the last setting of a window slid over the argument ``over`` (images), as a pair:
    the ``padding`` of a convolution by the argument ``kernels``, declared after ``stride``; or the ``stride``
    of a pooling with the window of the argument ``size`` (None: the size, windows side by side).
    The window must fit in the padded images (see ``_slid``)."""
    def check(func, name, value, arguments):
        if kernels is not None:
            value = padding(func, name, value)
            _slid(func, arguments, over, kernels, None, arguments["stride"], value)
        else:
            value = arguments[size] if value is None else stride(func, name, value)
            _slid(func, arguments, over, None, size, value, (0, 0))
        return value
    return check


def outputs_of(over, kernels=None, size=None):
    """A spec for ``takes``: the gradient of the outputs of a window slid over the argument ``over`` (see
    ``window_over``), declared after the stride and the padding: images of the outputs' shape."""
    def check(func, name, value, arguments):
        value = images(func, name, value)
        padding_ = arguments["padding"] if kernels is not None else (0, 0)
        expected = _slid(func, arguments, over, kernels, size, arguments["stride"], padding_)
        if tuple(_shape4(value)) != expected:
            fail(ValueError, func, f"{name} expected the shape of the outputs {expected}, got shape {tuple(_shape4(value))}")
        return value
    return check


def image_shape(func, name, value, flattened=None):
    """Check the shape of a batch of images, (n_samples, channels, height, width): 4 ints >= 1, at most
    MAX_VALUES values; given ``flattened`` (a checked matrix), the shape it was flattened from, an image
    per row and its values in the row. Return it as a tuple."""
    if not isinstance(value, (list, tuple)) or \
            not all(isinstance(side, numbers.Integral) and not isinstance(side, bool) for side in value):
        fail(TypeError, func, f"{name} expected a shape (n_samples, channels, height, width), got {_shown_ints(value)}")
    sides = tuple(map(int, value))
    if len(sides) != 4:
        fail(ValueError, func, f"{name} expected a shape of 4 sides (n_samples, channels, height, width), "
                               f"got {len(sides)} sides")
    if min(sides) < 1:
        fail(ValueError, func, f"{name} expected ints >= 1, got {sides}")
    if math.prod(sides) > MAX_VALUES:
        fail(ValueError, func, f"{name} expected at most {MAX_VALUES} values, got {show_number(math.prod(sides))}")
    if flattened is not None:
        rows, columns = dimension(flattened, "rows"), dimension(flattened, "columns")
        if sides[0] != rows or math.prod(sides[1:]) != columns:
            fail(ValueError, func, f"{name} expected {rows} images of {columns} values (a row of the flattened "
                                   f"matrix each), got {sides}")
    return sides


# ---------------------------------------------------------------- normalisation
# Layer norm takes a row of features per sample, (n_samples, features), or per position of each
# sample's sequence, (n_samples, length, features); batch norm takes the statistics of a batch of
# 2 samples or more, and evaluates with running variances, which are never negative.


def matrix_or_sequences(func, name, value):
    """Check a matrix ``(n_samples, features)`` or sequences ``(n_samples, length, features)`` of finite
    numbers: a row of features per sample, or per position of each sample; return it."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)) and value[0] \
            and isinstance(value[0][0], (list, tuple)):
        return deep_array(func, name, value, 3)
    return matrix(func, name, value)


def batch_of_two_or_more(func, name, value):
    """Check a matrix of at least 2 rows: a batch whose statistics (each feature's mean and variance over
    the batch) normalise it, which a single sample does not have; return it."""
    value = matrix(func, name, value)
    if dimension(value, "rows") < 2:
        fail(ValueError, func, f"{name} expected a batch of at least 2 samples (rows), to take each feature's "
                               f"mean and variance over, got 1 sample")
    return value


def positive(func, name, value):
    """Check that ``value`` is a number > 0 (an epsilon added to a variance) and return it as a float."""
    value = number(func, name, value)
    if not value > 0:
        fail(ValueError, func, f"{name} expected a number > 0, got {value!r}")
    return value


def fraction(func, name, value):
    """Check a fraction: a number in [0, 1] (a running average's momentum); return it as a float."""
    value = number(func, name, value)
    if not 0.0 <= value <= 1.0:
        fail(ValueError, func, f"{name} expected a fraction in [0, 1], got {value!r}")
    return value


def variances(func, name, value):
    """Check variances: a vector of finite numbers >= 0; return it."""
    value = vector(func, name, value)
    if min(value) < 0:
        i = next(i for i, variance in enumerate(value) if variance < 0)
        fail(ValueError, func, f"{name} expected variances (numbers >= 0), got {show_number(float(value[i]))} "
                               f"at [{i}]")
    return value


# ---------------------------------------------------------------- sequences, token indices and attention masks
# Sequences are (n_samples, length, width), a vector of features at each position; token indices are
# (n_samples, length) ints, each naming a row of an embedding table; an attention mask is
# (n_queries, n_keys) booleans, True where a query may attend to a key (PyTorch's convention), with
# at least one True in each row: a query with no key to attend to would make its softmax 0 / 0.


def sequences(func, name, value):
    """Check a non-empty 3-D array of finite numbers: sequences ``(n_samples, length, width)``; return it."""
    return deep_array(func, name, value, 3)


def _first_where(rows, test):
    """The first value of a matrix, row by row, for which ``test`` is true, with its place: ('[0][1]', value);
    None when there is none."""
    return next(((f"[{i}][{j}]", x) for i, row in enumerate(rows) for j, x in enumerate(row) if test(x)), None)


def _at_most(func, name, sides, what):
    """Fail unless ``sides`` make at most MAX_VALUES values, in ``what`` (the outputs, the attention weights)."""
    if math.prod(sides) > MAX_VALUES:
        fail(ValueError, func, f"{name} expected at most {MAX_VALUES} values in {what}, got "
                               f"{' x '.join(map(str, sides))}")


def indices(func, name, value, rows):
    """Check token indices ``(n_samples, length)``: ints in [0, vocabulary); return them. ``rows`` is the
    vocabulary (a checked count), or the embedding table (a checked matrix, a row per token), whose
    outputs (n_samples x length x width) may hold at most MAX_VALUES values. A float, even 2.0, is refused."""
    vocabulary = rows if isinstance(rows, numbers.Integral) else dimension(rows, "rows")
    matrix(func, name, value)  # the shape, and finite numbers, as for any matrix
    odd = _first_where(value, lambda index: not isinstance(index, numbers.Integral) or isinstance(index, bool))
    if odd is not None:
        fail(TypeError, func, f"{name} expected integer indices (rows of the table), got {describe(odd[1])} "
                              f"at {odd[0]}")
    outside = _first_where(value, lambda index: not 0 <= index < vocabulary)
    if outside is not None:
        fail(ValueError, func, f"{name} expected indices in [0, {vocabulary}) (a row of the table each), got "
                               f"{show_number(outside[1])} at {outside[0]}")
    if not isinstance(rows, numbers.Integral):
        _at_most(func, name, (len(value), len(value[0]), dimension(rows, "columns")), "the outputs")
    return value


def attention_mask(func, name, value, n_queries, n_keys):
    """Check an attention mask: None, or ``(n_queries, n_keys)`` booleans, True where a query may attend
    to a key, with at least one True in each row; return it. 0 and 1 are refused: PyTorch reads a mask
    of numbers as amounts added to the scores, not as booleans."""
    if value is None:
        return None
    matrix(func, name, value)  # the shape, and finite numbers, as for any matrix
    if shape(value) != (n_queries, n_keys):
        fail(ValueError, func, f"{name} expected shape ({n_queries}, {n_keys}) (n_queries, n_keys), "
                               f"got shape {shape(value)}")
    odd = _first_where(value, lambda allowed: not isinstance(allowed, bool))
    if odd is not None:
        fail(TypeError, func, f"{name} expected booleans (True where a query may attend to a key), "
                              f"got {describe(odd[1])} at {odd[0]}")
    for i, row in enumerate(value):
        if not any(row):
            fail(ValueError, func, f"{name} expected at least one True in each row (a key for each query to "
                                   f"attend to), got a row of False at row {i}")
    return value


def mask_over(queries, keys, heads=None):
    """A spec for ``takes``: the attention mask of the queries of the argument ``queries`` over the keys
    of the argument ``keys`` (sequences, checked before it; see ``attention_mask``). The attention
    weights, n_samples x n_queries x n_keys (x the argument ``heads``, a number of heads), may hold at
    most MAX_VALUES values."""
    def check(func, name, value, arguments):
        n_queries, n_keys = dimension(arguments[queries], "positions"), dimension(arguments[keys], "positions")
        n_heads = [arguments[heads]] if heads is not None else []
        _at_most(func, keys, [dimension(arguments[queries], "rows"), *n_heads, n_queries, n_keys],
                 "the attention weights")
        return attention_mask(func, name, value, n_queries, n_keys)
    return check


def heads_of(over):
    """A spec for ``takes``: a number of attention heads, a count that divides the width (the features)
    of the argument ``over``, which the heads share out, width // n_heads each."""
    def check(func, name, value, arguments):
        value = count(func, name, value)
        width = dimension(arguments[over], "features")
        if width % value:
            fail(ValueError, func, f"{name} expected a divisor of {width} (the width of {over}, shared out "
                                   f"among the heads), got {value}")
        return value
    return check


def rows_of_table(gradient):
    """A spec for ``takes``: the number of rows of an embedding table (its vocabulary) whose gradient has
    the width (the features) of the argument ``gradient``: a count, the table at most MAX_VALUES values."""
    def check(func, name, value, arguments):
        width = dimension(arguments[gradient], "features")
        return count_times(width, what="values in the table")(func, name, value, arguments)
    return check


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
    "probabilities": probabilities,
    "binary probabilities": binary_probabilities,
    "binary targets": binary_targets,
    "int": integer,
    "seed": seed,
    "count": count,
    "shape": shape_argument,
    "rate": rate,
    "path": path,
    "dtype": dtype,
    "model dtype": model_dtype,
    "limit": limit,
    "flag": flag,
    "layer sizes": layer_sizes,
    "input shape": input_shape,
    "inputs": network_inputs,
    "outputs": network_outputs,
    "cache": network_cache,
    "masks": network_masks,
    "images": images,
    "kernels": images,
    "stride": stride,
    "window": stride,
    "padding": padding,
    "image shape": image_shape,
    "matrix or sequences": matrix_or_sequences,
    "batch of 2 or more": batch_of_two_or_more,
    "positive": positive,
    "fraction": fraction,
    "function or None": function_or_none,
    "variances": variances,
    "sequences": sequences,
    "indices": indices,
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
        checked.specs = dict(specs)  # what each argument was declared to be, for tools and tests
        return checked
    return decorate


def _parse(func, argument, spec):
    """Turn one declared spec into a check (func, name, value, arguments) -> value."""
    if callable(spec):
        return spec
    kind, *relations = [part.strip() for part in spec.split(",")]
    words = kind.rsplit(" ", 2)  # a kind may have two words: "binary targets like predictions"
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
