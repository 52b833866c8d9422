"""``twinnet check``: test anyone's implementation of an operation against twinnet's reference.

``check(function, "softmax")`` draws inputs from the registry's Hypothesis
strategy for softmax, runs the function and the reference on each, and
compares them with the same scaled tolerance the twins are held to. When they
disagree, Hypothesis shrinks the input to the smallest it can find, and the
report shows that input, the expected output and what the function gave (or
raised, or that it hung). ``twinnet check`` and :mod:`twinnet.testing` use it.

What a grader can rely on, and an engineer can use:

- **Isolation.** The function never runs in this process: every call goes to
  one worker process, started for the check (and again after a crash), with a
  time limit per call. A function that calls ``sys.exit``, ``os._exit``,
  crashes the interpreter, raises ``KeyboardInterrupt``, floods its output or
  hangs fails with that reason and the input, never passes. After a crash the
  worker is started again (RESTARTS times at most, while Hypothesis shrinks);
  a hang ends the search, since every smaller try would cost the time limit.
  Answers come back as numbers, strings, lists, tuples, dicts and arrays
  only: nothing of the function's making is unpickled in this process.
- **Purity.** The worker compares the arguments before and after each call: a
  function that changes them in place fails, whatever it returns.
- **Precision.** ``dtype="float32"`` gives the function its arrays in float32
  and allows float32's rounding (see :func:`precision`); ``rtol`` and ``atol``
  set the allowed difference outright.
- **Styles.** A function may take lists (like the pure twin), NumPy arrays
  (like the vectorized twin), or the arrays of PyTorch, JAX, CuPy or any
  library of the Python array API standard (see :data:`STYLES`); the style is
  detected from what its module imports, or given.

The IDX readers (read_images, read_labels, load_idx) take file names: for
them, the drawn images and labels are written as IDX files (gzipped or not),
and both your function and the reference read the same files. save and load
(model files) are not checked: ``twinnet show save`` shows the reference.

``twinnet check`` exits 0 when the function agrees with the reference on every
input tried, 1 when it does not (a wrong value, an exception, an exit, a crash,
a hang, a flood of output, a changed argument), 2 when the check cannot run
(an unknown operation, no such file, a file that cannot be imported, no such
function, a missing library), and 130 when Ctrl-C stops it. Each ending has a
reason in a word or two (REASONS: "disagreed", "hangs", "syntax error"...);
``--format json|gradescope|junit`` gives the verdict in the form course tools
read (:mod:`twinnet.results`), even for a file that gives no function to check.
"""

import contextlib
import copy
import faulthandler
import gzip
import importlib
import importlib.machinery
import importlib.util
import inspect
import io
import multiprocessing
import multiprocessing.connection
import os
import pathlib
import pickle
import re
import signal
import sys
import tempfile
import time
import types
import warnings
from dataclasses import dataclass, field

import numpy as np

from twinnet import UsageError
from twinnet.contract import registry
from twinnet.contract.adapters import idx_bytes
from twinnet.contract.tolerances import AGREEMENT_RTOL
from twinnet.contract.twins import leaves, to_pure

STYLES = ("lists", "numpy", "torch", "jax", "cupy", "array-api")
DTYPES = ("float64", "float32")
TIMEOUT = 10.0  # seconds one call may take, by default
LOAD_TIMEOUT = 120.0  # seconds the worker may take to import the function's module (PyTorch takes a few)
OUTPUT_SHOWN = 1000  # characters of what one call printed, kept to show in the report
OUTPUT_LIMIT = 1_000_000  # characters one call may print before it counts as a flood and is stopped
RESTARTS = 20  # times the worker is started again after a crash while Hypothesis shrinks, at most
MESSAGE_LIMIT = 64 * 2**20  # bytes of one answer from the worker; a larger one is refused unread


class UserCodeError(UsageError):
    """The user's file or function could not be loaded (or checked)."""


class LoadError(UserCodeError):
    """The user's file did not give the function: ``reason`` says why in a word or two (one of LOAD_REASONS)."""

    def __init__(self, message, reason):
        super().__init__(message)
        self.reason = reason


# Why a check ended as it did (Report.reason, LoadError.reason), in a word or two that a grader can sort by.
REASONS = {
    "agreed": "it agrees with the reference on every input tried",
    "disagreed": "a wrong value or form, an exception, a changed argument: the counterexample says which",
    "hangs": f"a call took longer than the time limit (--timeout), or importing its file over {LOAD_TIMEOUT:g} s",
    "crashed": "it crashed the interpreter, or its process answered what no function returns",
    "exited": "it called sys.exit or os._exit, in a call or while its file was imported",
    "flooded": f"it printed more than {OUTPUT_LIMIT:,} characters in one call",
    "syntax error": "its file is not valid Python",
    "import error": "importing its file raised an exception",
    "no such function": "its file has no function of that name",
    "no such file": "there is no such file",
}
LOAD_REASONS = ("hangs", "crashed", "exited", "syntax error", "import error", "no such function", "no such file")


# ---------------------------------------------------------------- precision


# The twins agree in float64 within AGREEMENT_RTOL * scale. That is this many
# times float64's unit roundoff 2**-53: the room left for thousands of roundings.
HEADROOM = AGREEMENT_RTOL / 2.0 ** -53  # about 9007
UNIT_ROUNDOFF = {"float64": 2.0 ** -53, "float32": 2.0 ** -24}
SMALLEST_SUBNORMAL = {"float64": 2.0 ** -1074, "float32": 2.0 ** -149}


@dataclass(frozen=True)
class Precision:
    """How far a function's result may be from the reference: ``rtol * scale + atol``, element by element."""

    dtype: str = "float64"
    rtol: float = AGREEMENT_RTOL
    atol: float = 0.0
    given: bool = False  # rtol or atol set by the user rather than derived from dtype

    def allowed(self, scale, expected):
        """The allowed difference for each element of ``expected``, given its scale."""
        if self.dtype != "float64":
            # A float32 result is itself rounded to float32: even an operation
            # that is exact in float64 (sign(x) / n) is off by that rounding.
            scale = np.maximum(scale, np.abs(expected))
        return self.rtol * scale + self.atol

    def __str__(self):
        words = [] if self.dtype == "float64" else [self.dtype]
        if self.given:
            words.append(f"rtol {self.rtol:.3g}, atol {self.atol:.3g}")
        return ", ".join(words)


def precision(dtype="float64", rtol=None, atol=None):
    """The allowed difference for results computed in ``dtype``: ``rtol * scale + atol``.

    The twins are held to ``|pure - vectorized| <= 1e-12 * scale`` in float64,
    where ``scale`` is the registry's size of the terms each element was summed
    from (see :mod:`twinnet.contract.tolerances`). 1e-12 is HEADROOM = 1e-12 /
    2**-53, about 9000 times float64's unit roundoff 2**-53 (the largest
    relative error of one rounding): room for thousands of roundings, while a
    wrong formula is off by a whole term.

    In float32 each rounding is 2**-24 instead, so the same headroom gives

        rtol = HEADROOM * 2**-24                  (about 5.4e-4)
        atol = HEADROOM * 2**-149                 (about 1.3e-41)
        scale = max(registry's scale, |reference result|)

    ``atol`` is there because float32 runs out of exponent long before
    float64: below 1.2e-38 its numbers are subnormal, and each rounding there
    is off by up to its smallest subnormal 2**-149 rather than by a fraction of
    the value (softmax's exp(-100) is 3.72e-44 in float64 and 3.78e-44 in
    float32, the nearest multiple of 2**-149). The scale is at least the result's own size because a float32
    result is rounded to float32 even where float64 is exact. For float64 the
    formula gives the twins' own tolerance (1e-12 * scale, atol 0).

    Where float32 itself loses accuracy beyond that (a log near 1: the
    cross-entropy's clip at 1 - 1e-7, which float32 rounds to 1 - 1.19e-7,
    gives -log(p) = 1.19e-7 instead of 1e-7), twinnet's vectorized twin, run
    on the same float32 inputs, shows by how much: each element is also
    allowed MEASURED_FACTOR (4) times the distance of twinnet's own float32
    result from its float64 one.

    ``rtol`` and ``atol``, when given, replace the derived numbers and the
    measured allowance (for users who know the error bound of their code).
    """
    if dtype not in DTYPES:
        raise UserCodeError(f"dtype expected one of {', '.join(DTYPES)}, got {dtype!r}")
    for value, what in ((rtol, "rtol"), (atol, "atol")):
        if value is not None and not (isinstance(value, (int, float)) and 0 <= value < float("inf")):
            raise UserCodeError(f"{what} expected a finite number >= 0, got {value!r}")
    derived_rtol = HEADROOM * UNIT_ROUNDOFF[dtype] if dtype != "float64" else AGREEMENT_RTOL
    derived_atol = HEADROOM * SMALLEST_SUBNORMAL[dtype] if dtype != "float64" else 0.0
    return Precision(dtype, float(derived_rtol if rtol is None else rtol), float(derived_atol if atol is None else atol),
                     given=rtol is not None or atol is not None)


# Drawn for float32, a number smaller than this is given as 0: the product of four of them (2**-120) is
# still a normal float32 (above 2**-126). Below that, float32 rounds by absolute amounts (its subnormal
# numbers), and an operation that divides by a small number (Adam, by its epsilon) magnifies them past any
# relative tolerance: float32 code would fail where the float64 reference merely became small.
FLOAT32_FLOOR = 2.0 ** -30
# In float32, each element may also be this many times as far from the float64 reference as twinnet's
# own float32 result is (a different order of the same operations, rounding the other way, and some room).
MEASURED_FACTOR = 4.0


def _drawn_for(dtype, value):
    """The drawn arguments as a check in ``dtype`` gives them to the function (and to the reference).

    float64: as drawn. float32: every float array in float32, and every float
    (in an array, or a number such as a learning rate) smaller in magnitude
    than FLOAT32_FLOOR drawn as 0. Ints, strings and None stay as they are.
    """
    if dtype == "float64":
        return value
    if isinstance(value, np.ndarray):
        if value.dtype.kind != "f":
            return value
        value = value.astype(dtype)
        return np.where(np.abs(value) < FLOAT32_FLOOR, np.zeros_like(value), value)
    if type(value) is float:
        return 0.0 if abs(value) < FLOAT32_FLOOR else value
    if isinstance(value, dict):
        return {key: _drawn_for(dtype, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_drawn_for(dtype, item) for item in value)
    return value


def _in_float64(value):
    """Every float array in float64 (exactly: float32 numbers are float64 numbers), for the reference."""
    if isinstance(value, np.ndarray):
        return value.astype(np.float64) if value.dtype.kind == "f" else value
    if isinstance(value, dict):
        return {key: _in_float64(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_in_float64(item) for item in value)
    return value


def _too_large_for(dtype, *values):
    """Whether a value (input, reference result or its scale) lies beyond ``dtype``'s range.

    Such an input is not drawn for a float32 check: the float32 code would
    overflow where the reference merely gets large, and that is no mistake.
    """
    largest = np.finfo(dtype).max

    def too_large(leaf):
        if isinstance(leaf, list):  # a list of arrays of different shapes (a network's dropout masks)
            return any(too_large(item) for item in leaf)
        if isinstance(leaf, (np.ndarray, float, np.floating)) and not isinstance(leaf, bool):
            return not np.all(np.abs(np.asarray(leaf, dtype=np.float64)) <= largest)
        return False

    return any(too_large(leaf) for value in values for _, leaf in leaves(value))


# ---------------------------------------------------------------- styles: what the function takes


@dataclass(frozen=True)
class Library:
    """An array library a function may take its arrays in."""

    title: str
    module: str  # the module whose arrays the function is given
    namespace: str  # the array-API namespace that makes them (array-api-compat's wrapper, where it has one)
    install: str

    def load(self):
        """The namespace that makes the library's arrays; UserCodeError when the library is not installed."""
        try:
            importlib.import_module("array_api_compat")  # the adapters between the libraries and the standard
        except ImportError:
            raise UserCodeError(f"checking {self.title} arrays needs array-api-compat, which is not installed: "
                                'pip install "twinnet[arrays]"') from None
        try:
            importlib.import_module(self.module)
        except ImportError:
            raise UserCodeError(f"the function takes {self.title} arrays, and {self.title} is not installed here: "
                                f"{self.install} (or give --style)") from None
        if self.module == "jax.numpy":
            import jax

            jax.config.update("jax_enable_x64", True)  # else JAX turns float64 inputs into float32, silently
        return importlib.import_module(self.namespace)


LIBRARIES = {
    "torch": Library("PyTorch", "torch", "array_api_compat.torch", "pip install torch"),
    "jax": Library("JAX", "jax.numpy", "jax.numpy", "pip install jax"),
    "cupy": Library("CuPy", "cupy", "array_api_compat.cupy", "pip install cupy-cuda12x"),
    # Any library that follows the Python array API standard: the function is given the arrays of
    # array-api-strict, the standard's reference library, which has nothing outside it.
    "array-api": Library("array-api-strict", "array_api_strict", "array_api_strict", 'pip install "twinnet[arrays]"'),
}

# The style of each library a module may import (by its top-level name).
IMPORTED_LIBRARIES = {"torch": "torch", "jax": "jax", "cupy": "cupy", "array_api_strict": "array-api"}


def detect_style(function):
    """The style from what the function can reach (its module's globals and its closure).

    A module that imports one of PyTorch, JAX, CuPy or array-api-strict takes
    that library's arrays (NumPy alongside does not count: such code often
    imports it too); one that imports array-api-compat alone is written for any
    library of the standard ("array-api"); else "numpy" when it imports NumPy,
    and "lists" when it imports none of them. Two libraries at once are
    ambiguous: UserCodeError, asking for ``style``.
    """
    reachable = list(getattr(function, "__globals__", {}).values())
    for cell in getattr(function, "__closure__", None) or ():
        try:
            reachable.append(cell.cell_contents)
        except ValueError:  # a cell not filled yet
            pass
    roots = set()
    for value in reachable:
        if isinstance(value, types.ModuleType):
            name = value.__name__
        elif isinstance(value, (types.FunctionType, types.BuiltinFunctionType, type, np.ufunc)):
            name = getattr(value, "__module__", None)
        else:
            continue
        if isinstance(name, str):
            roots.add(name.partition(".")[0])
    libraries = sorted({IMPORTED_LIBRARIES[root] for root in roots if root in IMPORTED_LIBRARIES})
    if len(libraries) > 1:
        raise UserCodeError(f"its module imports {' and '.join(libraries)}: say which arrays it takes with "
                            f"--style (style=)")
    if libraries:
        return libraries[0]
    if "array_api_compat" in roots:
        return "array-api"
    return "numpy" if "numpy" in roots else "lists"


def _check_style(style):
    if style is not None and style not in STYLES:
        raise UserCodeError(f"style expected one of {', '.join(STYLES)}, got {style!r}")


def _map_arrays(function, value):
    """``value`` with ``function`` applied to every NumPy array in it (through dicts, lists and tuples)."""
    if isinstance(value, np.ndarray):
        return function(value)
    if isinstance(value, dict):
        return {key: _map_arrays(function, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_map_arrays(function, item) for item in value)
    return value


def _is_array(value):
    """An array of NumPy or of any library that speaks DLPack or the array API."""
    return isinstance(value, np.ndarray) or any(
        hasattr(value, name) for name in ("__dlpack__", "__array_namespace__", "__array__"))


def to_numpy(array):
    """An array of any library as a NumPy array: through DLPack, else moved to the CPU and numpy.asarray."""
    if isinstance(array, np.ndarray):
        return array
    try:
        return np.from_dlpack(array)
    except Exception:  # another device, a tensor that requires grad, a library without DLPack
        pass
    if callable(getattr(array, "detach", None)):  # a PyTorch tensor that requires grad
        array = array.detach()
    try:
        import array_api_compat

        array = array_api_compat.to_device(array, "cpu")
    except Exception:
        pass
    try:
        return np.from_dlpack(array)
    except Exception:
        return np.asarray(array)


def _given(kwargs, style, namespace):
    """The drawn arguments (NumPy arrays) as a function of ``style`` takes them."""
    if style == "lists":
        return to_pure(kwargs)
    if style == "numpy":
        return kwargs
    return _map_arrays(namespace.asarray, kwargs)


# ---------------------------------------------------------------- the report


@dataclass
class Report:
    name: str
    style: str
    examples: int
    passed: bool
    inputs: dict = None
    expected: object = None
    got: object = None
    problem: str = ""  # what went wrong on the smallest failing input
    details: list = field(default_factory=list)
    precision: Precision = field(default_factory=Precision)
    output: str = ""  # what the function printed on that input (the first OUTPUT_SHOWN characters)
    output_size: int = 0  # how many characters it printed in all
    stopped: str = ""  # why Hypothesis was stopped before it could shrink further: "hang", "crashes" or ""
    skipped: int = 0  # inputs not tried because they lie beyond the dtype's range
    reason: str = ""  # why it ended so, one of REASONS ("agreed" when it passed)

    @property
    def setting(self):
        return ", ".join([f"{self.style} style"] + ([str(self.precision)] if str(self.precision) else []))

    def __str__(self):
        skipped = f"; {self.skipped} more were beyond {self.precision.dtype}'s range, not tried" if self.skipped else ""
        if self.passed:
            return f"{self.name}: {self.examples} examples agree with the reference ({self.setting}){skipped}"
        found = {"": "The smallest input Hypothesis found:",
                 "hang": "The input on which it hung (not shrunk: each smaller try would cost the whole time limit):",
                 "crashes": f"The smallest input found in {RESTARTS} restarts of the worker (not shrunk further: each "
                            "try costs a new process):"}[self.stopped]
        lines = [f"{self.name}: your function disagrees with the reference ({self.setting}), after "
                 f"{self.examples} example{'s' if self.examples != 1 else ''}{skipped}. {found}"]
        lines += [f"    {key} = {_show(value)}" for key, value in self.inputs.items()]
        lines.append(f"  expected: {_show(self.expected)}")
        lines.append(f"  got:      {self.got if isinstance(self.got, str) else _show(self.got)}")
        lines.append(f"  {self.problem}")
        lines += [f"    {detail}" for detail in self.details[:5]]
        if self.output_size:
            cut = (f" (the first {len(self.output):,} of {self.output_size:,} characters; the rest was cut)"
                   if self.output_size > len(self.output) else "")
            lines.append(f"  it printed{cut}:")
            lines += [f"    | {line}" for line in _printed_lines(self.output)]
        return "\n".join(lines)


def _printed_lines(text, width=100, most=8):
    """What the function printed, as at most ``most`` lines of at most ``width`` characters."""
    lines = [line[start:start + width] for line in text.splitlines() for start in range(0, max(len(line), 1), width)]
    return lines[:most] + (["..."] if len(lines) > most else [])


def _show(value):
    return value.text if isinstance(value, _Described) else repr(to_pure(value))


@dataclass(frozen=True)
class _Described:
    """An argument shown in words (a file the check wrote) instead of as a value."""

    text: str


# ---------------------------------------------------------------- the IDX readers: files written for each input

# Each reader's arguments, from the files written and the drawn kwargs.
IDX_READERS = {
    "read_images": lambda paths, kwargs: {"path": paths["images"], "limit": kwargs["limit"],
                                          "dtype": kwargs["dtype"]},
    "read_labels": lambda paths, kwargs: {"path": paths["labels"], "limit": kwargs["limit"]},
    "load_idx": lambda paths, kwargs: {"images_path": paths["images"], "labels_path": paths["labels"],
                                       "limit": kwargs["limit"], "dtype": kwargs["dtype"]},
}


def checkable(operation):
    """Whether ``twinnet check`` can check an implementation of ``operation``."""
    return operation.run is None or operation.name in IDX_READERS


def _refuse_unless_checkable(operation):
    if not checkable(operation):
        raise UserCodeError(f"{operation.name} reads or writes files of models, which check cannot compare (it "
                            "checks functions of values, and the IDX readers on files it writes); "
                            f"`twinnet show {operation.name}` shows the reference")


def _write_idx_files(kwargs, folder):
    """The drawn images and labels as IDX files in ``folder`` (gzipped when drawn so): {kind: path}."""
    paths = {}
    for kind in ("images", "labels"):
        body = idx_bytes(**{kind: kwargs[kind]})
        paths[kind] = pathlib.Path(folder, f"{kind}-idx{3 if kind == 'images' else 1}-ubyte"
                                           + (".gz" if kwargs["gzipped"] else ""))
        paths[kind].write_bytes(gzip.compress(body, mtime=0) if kwargs["gzipped"] else body)
    return paths


def _described_idx_arguments(name, kwargs):
    """The reader's arguments as the report shows them: the files in words, the rest as values."""
    gzipped = "gzipped" if kwargs["gzipped"] else "not gzipped"
    images, labels = np.asarray(kwargs["images"]), np.asarray(kwargs["labels"])
    files = {
        "images": _Described(f"an IDX images file ({gzipped}) of {images.shape[0]} images of {images.shape[1]} x "
                             f"{images.shape[2]} pixels: {images.tolist()}"),
        "labels": _Described(f"an IDX labels file ({gzipped}) of the labels {labels.tolist()}"),
    }
    return IDX_READERS[name](files, kwargs)


# ---------------------------------------------------------------- finding the function in the worker


def _split_spec(spec):
    """``path/to/file.py:name`` -> (path, name); UserCodeError unless the file is there."""
    path, colon, name = spec.rpartition(":")
    if not colon or not path or not name:
        raise UserCodeError(f"expected FILE.py:FUNCTION, got {spec!r}")
    file = pathlib.Path(path)
    if not file.exists():
        raise LoadError(f"{path}: no such file", "no such file")
    if not file.is_file():
        raise UserCodeError(f"{path}: not a file (expected FILE.py:FUNCTION)")
    return path, name


def _load_file(path, name):
    """The function ``name`` (a dotted name for a method) of the Python file at ``path``."""
    file = pathlib.Path(path)
    module_name = "twinnet_checked_" + re.sub(r"\W", "_", file.stem)
    # A loader of its own, so that a file of any name is read as Python source (and refused if it is not).
    loader = importlib.machinery.SourceFileLoader(module_name, str(file))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(module_name, loader))
    try:
        loader.exec_module(module)
    except (Exception, SystemExit, KeyboardInterrupt) as error:  # the user's file: any error in it is theirs to see
        reason = ("syntax error" if isinstance(error, SyntaxError) else "exited" if isinstance(error, SystemExit)
                  else "import error")
        raise LoadError(f"{path} could not be imported: {type(error).__name__}: {' '.join(str(error).split())}",
                        reason) from None
    function = _attribute(module, name)
    if not callable(function):
        raise LoadError(f"{path} has no function named {name!r}", "no such function")
    return function


def _attribute(module, dotted):
    value = module
    for part in dotted.split("."):
        value = getattr(value, part, None)
    return value


def load_function(spec):
    """``path/to/file.py:name`` -> the function, loaded from that file (in this process: check a spec to isolate it)."""
    return _load_file(*_split_spec(spec))


@dataclass(frozen=True)
class Source:
    """Where a worker process finds the function: an importable module, or a file, and its name there."""

    name: str
    module: str = None
    path: str = None

    def load(self):
        if self.module is not None:
            try:
                function = _attribute(importlib.import_module(self.module), self.name)
            except Exception as error:
                if self.path is None:
                    raise UserCodeError(f"{self.module} could not be imported in the worker process: "
                                        f"{type(error).__name__}: {_text(error)}") from None
                function = None  # imported by name here, not there: try its file
            if callable(function):
                return function
            if self.path is None:
                raise UserCodeError(f"{self.module} has no function named {self.name!r} in the worker process")
        return _load_file(self.path, self.name)

    def __str__(self):
        return self.path if self.path and self.module is None else f"{self.module}.{self.name}"


def source_of(function):
    """How another process can find ``function`` by name, or None (a lambda, a local function, one of __main__).

    A function defined at the top of an importable module is imported there by
    its module's name; one of a file loaded by path (like :func:`load_function`
    does), from that file again.
    """
    if isinstance(function, str):
        path, name = _split_spec(function)
        return Source(name, path=path)  # as given: the worker runs in this process's folder, and errors name it so
    if isinstance(function, types.MethodType):  # bound to an object that only this process has
        return None
    name, module = getattr(function, "__qualname__", None), getattr(function, "__module__", None)
    if not isinstance(name, str) or "<" in name or module in (None, "__main__", "__mp_main__"):
        return None
    imported = sys.modules.get(module)
    if imported is not None and _attribute(imported, name) is function and getattr(imported, "__spec__", None):
        return Source(name, module=module, path=getattr(imported, "__file__", None))
    # Loaded from a file under a name of its own (as load_function does): the worker loads the file again.
    file = (getattr(inspect.unwrap(function), "__globals__", None) or {}).get("__file__")
    if isinstance(file, str) and os.path.isfile(file):
        return Source(name, path=file)
    return None


def _start_method(source):
    """forkserver where there is one (a fresh process from a clean parent, in milliseconds), else spawn; fork
    for a function that only this process knows (the worker inherits it)."""
    methods = multiprocessing.get_all_start_methods()
    if source is None:
        if "fork" not in methods:
            raise UserCodeError("the function cannot be sent to a worker process on this platform: define it at "
                                "the top level of a module (not as a lambda, nor inside another function)")
        return "fork"
    return "forkserver" if "forkserver" in methods else "spawn"


# ---------------------------------------------------------------- in the worker process


class _Flood(BaseException):
    """Raised in the function when it has printed more than OUTPUT_LIMIT characters in one call."""


class _Output(io.TextIOBase):
    """sys.stdout and sys.stderr during a call: keeps the first OUTPUT_SHOWN characters, counts the rest."""

    def __init__(self):
        super().__init__()
        self.kept, self.size = "", 0

    def writable(self):
        return True

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        self.size += len(text)
        if len(self.kept) < OUTPUT_SHOWN:
            self.kept += text[:OUTPUT_SHOWN - len(self.kept)]
        if self.size > OUTPUT_LIMIT:
            raise _Flood()
        return len(text)


def _text(value, limit=1000):
    """str(value), cut, even when its __str__ fails."""
    try:
        text = str(value)
    except BaseException:
        text = f"<a {type(value).__name__} whose message cannot be read>"
    return " ".join(text.split())[:limit]


def _snapshot(value):
    """A copy of the arguments to compare after the call: arrays of any library as NumPy copies."""
    if isinstance(value, dict):
        return {key: _snapshot(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_snapshot(item) for item in value)
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    try:
        if _is_array(value):
            return np.array(to_numpy(value), copy=True)
        return copy.deepcopy(value)
    except Exception:
        return f"<a {type(value).__name__}>"


def _changes(before, after, where):
    """What differs between two snapshots, as lines naming the argument and the place (none when nothing does)."""
    if type(before) is not type(after):
        return [f"{where}: was a {type(before).__name__}, now a {type(after).__name__}"]
    if isinstance(before, dict):
        if list(before) != list(after):
            return [f"{where}: its keys were {list(before)}, now {list(after)}"]
        return [line for key in before for line in _changes(before[key], after[key], f"{where}[{key!r}]")]
    if isinstance(before, (list, tuple)):
        if len(before) != len(after):
            return [f"{where}: its length was {len(before)}, now {len(after)}"]
        return [line for i, (b, a) in enumerate(zip(before, after)) for line in _changes(b, a, f"{where}[{i}]")]
    if isinstance(before, np.ndarray):
        if before.shape != after.shape or before.dtype != after.dtype:
            return [f"{where}: was {before.dtype} of shape {before.shape}, now {after.dtype} of shape {after.shape}"]
        same = (before == after) | ((before != before) & (after != after))  # NaN where NaN was is unchanged
        changed = np.argwhere(~same)
        if changed.size:
            index = tuple(int(i) for i in changed[0])
            return [f"{where} at {list(index)}: was {before[index].item()!r}, now {after[index].item()!r}"
                    + (f" ({len(changed)} values changed)" if len(changed) > 1 else "")]
        return []
    if before != after and not (before != before and after != after):
        return [f"{where}: was {before!r}, now {after!r}"]
    return []


def _encode(value, depth=0):
    """The function's result as tagged builtins (numbers, strings, bytes, lists, tuples), for the checker.

    The checker reads the answer with an unpickler that refuses every class, so
    no object of the function's making is ever rebuilt in the checker's process.
    """
    if depth > 200:
        raise ValueError("nested more than 200 levels deep")
    if value is None:
        return ("none",)
    if isinstance(value, np.generic):
        return _encode(value.item(), depth + 1)
    if isinstance(value, bool):
        return ("value", bool(value))
    if isinstance(value, int):
        return ("value", int(value))
    if isinstance(value, float):
        return ("value", float(value))
    if isinstance(value, str):
        return ("value", str(value))
    if isinstance(value, (list, tuple)):
        return ("list" if isinstance(value, list) else "tuple", [_encode(item, depth + 1) for item in value])
    if isinstance(value, dict):
        return ("dict", [(_encode(key if isinstance(key, (str, int)) else repr(key), depth + 1),
                          _encode(item, depth + 1)) for key, item in value.items()])
    if _is_array(value):
        array = to_numpy(value)
        if array.dtype.kind in "biuf":
            array = np.ascontiguousarray(array)
            return ("array", array.dtype.str, tuple(int(n) for n in array.shape), array.tobytes())
        if array.dtype.kind == "O":
            return _encode(array.tolist(), depth + 1)
    return ("other", f"{type(value).__module__}.{type(value).__qualname__}")


class _Unreadable:
    """A part of a result that is not a number, an array or a structure of them (a generator, a set...)."""

    def __init__(self, kind):
        self.kind = kind

    def __repr__(self):
        return f"<a {self.kind} object>"


class _Garbled(Exception):
    """The worker's answer is not what a worker sends."""


class _PlainUnpickler(pickle.Unpickler):
    def find_class(self, module, name):  # numbers, strings, bytes, lists, tuples and dicts need none
        raise _Garbled(f"the answer holds a {module}.{name}")


def _decode(tagged):
    """A result from its tagged form (see _encode), checking every tag."""
    if not isinstance(tagged, tuple) or not tagged:
        raise _Garbled("not a tagged value")
    tag, rest = tagged[0], tagged[1:]
    if tag == "none" and not rest:
        return None
    if tag == "value" and len(rest) == 1 and type(rest[0]) in (bool, int, float, str):
        return rest[0]
    if tag in ("list", "tuple") and len(rest) == 1 and isinstance(rest[0], list):
        items = [_decode(item) for item in rest[0]]
        return items if tag == "list" else tuple(items)
    if tag == "dict" and len(rest) == 1 and isinstance(rest[0], list):
        pairs = [(_decode(key), _decode(item)) for key, item in rest[0] if isinstance(key, tuple)]
        if len(pairs) != len(rest[0]) or any(type(key) not in (str, int) for key, _ in pairs):
            raise _Garbled("a dict whose keys are not names")
        return dict(pairs)
    if tag == "array" and len(rest) == 3:
        dtype, shape, data = rest
        if not (isinstance(dtype, str) and isinstance(shape, tuple) and isinstance(data, bytes)
                and all(type(n) is int and n >= 0 for n in shape)):
            raise _Garbled("an array without its dtype, shape or bytes")
        try:
            dtype = np.dtype(dtype)
            if dtype.kind not in "biuf":
                raise TypeError(dtype)
            return np.frombuffer(data, dtype=dtype).reshape(shape).copy()
        except (TypeError, ValueError) as error:
            raise _Garbled(f"an unreadable array ({error})") from None
    if tag == "other" and len(rest) == 1 and isinstance(rest[0], str):
        return _Unreadable(rest[0][:200])
    raise _Garbled(f"an unknown tag {tag!r}")


def _call(function, kwargs, style, namespace):
    """Call the function on the drawn arguments: (outcome, changed arguments, printed text, its size)."""
    given = _given(kwargs, style, namespace)
    before = _snapshot(given)
    output = _Output()
    try:
        with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output), warnings.catch_warnings(), \
                np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            result = function(**given)
        outcome = ("returned", result)
    except _Flood:
        outcome = ("flooded",)
    except SystemExit as error:
        outcome = ("exit", _text(repr(error.code), 200))
    except KeyboardInterrupt:
        outcome = ("interrupt",)
    except BaseException as error:  # whatever the function raises is the finding
        outcome = ("raised", type(error).__name__, _text(error))
    if output.size > OUTPUT_LIMIT:  # even when the function caught the _Flood and returned
        outcome = ("flooded",)
    if outcome[0] == "returned":
        try:
            outcome = ("returned", _encode(outcome[1]))
        except BaseException as error:
            outcome = ("unreadable", f"{type(outcome[1]).__name__} ({type(error).__name__}: {_text(error, 200)})")
    changes = [line for name in given for line in _changes(before[name], _snapshot(given[name]), name)]
    return outcome, changes[:5], output.kept, output.size


def _serve(connection, function, source, style, dtype):
    """The worker process: find the function, say which style it takes, then answer calls until told to stop."""
    # Ctrl-C is the checker's to handle (it stops this process); a KeyboardInterrupt
    # that the function raises itself is still seen, as an exception.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    faulthandler.disable()  # a crash is reported by the checker, not dumped onto the user's terminal
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # what is written past sys.stdout (os.write, C code) goes nowhere
    os.dup2(devnull, 2)

    def reply(*message):
        data = pickle.dumps(message, protocol=4)
        if len(data) > MESSAGE_LIMIT:
            data = pickle.dumps(message[:2] + (("unreadable", f"result of {len(data):,} bytes"), [], "", 0))
        connection.send_bytes(data)

    try:
        with contextlib.redirect_stdout(_Output()), contextlib.redirect_stderr(_Output()):
            if function is None:
                function = source.load()
            style = style or detect_style(function)
            namespace = LIBRARIES[style].load() if style in LIBRARIES else None
    except UserCodeError as error:
        reply("unusable", str(error), getattr(error, "reason", ""))
        return
    except BaseException as error:
        reply("unusable", f"{source or 'the function'} could not be loaded: {type(error).__name__}: {_text(error)}",
              "import error")
        return
    reply("ready", style)
    while True:
        try:
            sequence, kwargs = connection.recv()
        except (EOFError, OSError):
            return
        reply("answer", sequence, *_call(function, kwargs, style, namespace))


# ---------------------------------------------------------------- the worker, from the checker's side


class Worker:
    """One worker process that calls the function: started on first use, and again after it crashes or hangs.

    ``call`` returns the worker's answer: ("answer", outcome, changed arguments,
    printed text, printed size), or ("hung",), ("died", exit code) or
    ("garbled", why) when there was none. Use it as a context manager, so
    that the process is stopped however the check ends (Ctrl-C included).
    """

    def __init__(self, function, style=None, dtype="float64"):
        self.source = source_of(function)
        self.function = function if not isinstance(function, str) else None
        self.method = _start_method(self.source)
        self.style, self.dtype = style, dtype
        self.process = self.connection = None
        self.sequence = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()

    def start(self):
        """Start the process and wait until it has found the function; return its style."""
        context = multiprocessing.get_context(self.method)
        if self.method == "forkserver":
            # The server imports these once; each worker is then a fork of it, ready in milliseconds. Each
            # worker also runs this process's main script again (multiprocessing does, for pickling); under
            # the pytest command that script imports pytest, which the server then has imported already.
            context.set_forkserver_preload([__name__] + (["pytest"] if "pytest" in sys.modules else []))
        self.connection, child_end = context.Pipe()
        function = self.function if self.method == "fork" else None
        self.process = context.Process(target=_serve, args=(child_end, function, self.source, self.style, self.dtype),
                                       name="twinnet check worker", daemon=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Python 3.12 warns about fork in a threaded process
            self.process.start()
        child_end.close()
        answer = self._receive(LOAD_TIMEOUT)
        where = self.source or "the function"
        if answer[0] == "ready" and answer[1] in STYLES:
            self.style = answer[1]
            return self.style
        self.stop()
        if answer[0] == "unusable" and isinstance(answer[1], str):
            reason = answer[2] if len(answer) == 3 and answer[2] in LOAD_REASONS else ""
            raise LoadError(answer[1], reason) if reason else UserCodeError(answer[1])
        if answer[0] == "died":
            code = answer[1]
            raise LoadError(f"{where} could not be imported: importing it ended the process ({_ending(code)})",
                            "exited" if code is not None and code >= 0 else "crashed")
        if answer[0] == "hung":
            raise LoadError(f"{where} could not be imported: it took more than {LOAD_TIMEOUT:g} seconds", "hangs")
        raise LoadError(f"{where} could not be imported: its process answered something else than a worker", "crashed")

    def call(self, kwargs, timeout):
        if self.process is None:
            self.start()
        self.sequence += 1
        try:
            self.connection.send((self.sequence, kwargs))
        except OSError:  # the process is gone
            pass
        answer = self._receive(timeout)
        if answer[0] == "answer":
            if len(answer) != 6 or answer[1] != self.sequence:
                self.stop()
                return ("garbled", "an answer out of turn")
            return answer[:1] + answer[2:]
        return answer

    def _receive(self, timeout):
        """The next message, or ("hung",) / ("died", exit code) / ("garbled", why); stops the process unless a message came."""
        ready = multiprocessing.connection.wait([self.connection, self.process.sentinel], timeout)
        if not ready:
            self.stop()
            return ("hung",)
        try:
            if self.connection not in ready and not self.connection.poll():
                raise EOFError
            data = self.connection.recv_bytes(MESSAGE_LIMIT)
        except (EOFError, OSError):  # the process ended (and with it, its end of the pipe)
            self.process.join(5)
            code = self.process.exitcode
            self.stop()
            return ("died", code)
        try:
            message = _PlainUnpickler(io.BytesIO(data)).load()
            if not isinstance(message, tuple) or not message:
                raise _Garbled("not a message")
            return message
        except Exception as error:  # _Garbled, or the bytes are not a pickle at all
            self.stop()
            return ("garbled", _text(error, 200))

    def stop(self):
        if self.process is not None:
            if self.process.is_alive():
                self.process.kill()
            self.process.join(10)
            if self.process.exitcode is not None:  # else a process the system cannot end (it is told to)
                self.process.close()
            self.connection.close()
        self.process = self.connection = None


def _ending(code):
    """How a process ended, in words, from its exit code (-N: killed by signal N)."""
    if code is None:
        return "it did not end when told to"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        what = {"SIGSEGV": "a segmentation fault", "SIGBUS": "a bus error", "SIGABRT": "an abort",
                "SIGFPE": "a floating-point trap", "SIGILL": "an illegal instruction",
                "SIGKILL": "killed, perhaps for using too much memory"}.get(name)
        return f"killed by {name}" + (f": {what}" if what else "")
    return f"exit code {code}"


# ---------------------------------------------------------------- judging one answer


@dataclass
class Outcome:
    """What one call came to: ``problem`` is "" when the function agrees with the reference."""

    got: object
    problem: str = ""
    details: list = field(default_factory=list)
    output: str = ""
    output_size: int = 0
    fatal: str = ""  # "crash" or "hang": the worker process had to be started again
    reason: str = "disagreed"  # one of REASONS, when there is a problem


@dataclass
class _Difference:
    path: tuple
    index: tuple
    yours: object
    reference: object
    tolerance: float

    def __str__(self):
        where = "result" + "".join(f"[{p!r}]" for p in self.path) + (f" at {list(self.index)}" if self.index else "")
        return f"{where}: yours gave {self.yours!r}, the reference {self.reference!r} (allowed difference {self.tolerance:.3g})"


def _numeric(value):
    return isinstance(value, (list, np.ndarray, float, np.floating)) and not isinstance(value, bool)


def differences(operation, kwargs, got, expected, allowed=None, measured=None):
    """Where ``got`` differs from the reference's ``expected`` beyond ``allowed`` (a Precision), as lines.

    Each element is allowed ``allowed.rtol * scale + allowed.atol``, where scale
    is the registry's size of the terms it was summed from (see
    :mod:`twinnet.contract.tolerances`), as in the twins' own agreement tests;
    and, when ``measured`` (twinnet's own result in the check's dtype) is
    given, at least MEASURED_FACTOR times its distance from ``expected`` (see
    :func:`precision`). A line that is not about a value (a missing part,
    another shape) is a str; the others are _Difference objects.
    """
    allowed = allowed or Precision()
    got_leaves, expected_leaves = list(leaves(got)), list(leaves(expected))
    got_paths, expected_paths = [path for path, _ in got_leaves], [path for path, _ in expected_leaves]
    if got_paths != expected_paths:
        return [f"its result is made of {_parts(got_paths)}; the reference's of {_parts(expected_paths)}"]
    scales = dict(leaves(operation.scale(kwargs, expected)))
    measured = dict(leaves(measured)) if measured is not None else {}
    found = []
    for (path, yours), (_, reference) in zip(got_leaves, expected_leaves):
        where = "result" + "".join(f"[{p!r}]" for p in path)
        if isinstance(yours, _Unreadable):
            found.append(f"{where}: yours is {yours!r}, not a number or an array")
            continue
        elif not (_numeric(yours) and _numeric(reference)):
            if type(yours) is not type(reference) and not (isinstance(yours, int) and isinstance(reference, int)):
                found.append(f"{where}: yours gave {yours!r} (a {type(yours).__name__}), the reference "
                             f"{reference!r} (a {type(reference).__name__})")
            elif yours != reference:
                found.append(_Difference(path, (), yours, reference, 0.0))
            continue
        try:
            yours = np.asarray(yours, dtype=np.float64)
        except (TypeError, ValueError) as error:  # ragged lists, strings among the numbers
            found.append(f"{where}: yours is not an array of numbers ({_text(error, 200)})")
            continue
        reference = np.asarray(reference, dtype=np.float64)
        if yours.shape != reference.shape:
            found.append(f"{where}: yours has shape {yours.shape}, the reference {reference.shape}")
            continue
        scale = np.broadcast_to(np.asarray(scales.get(path, 0.0), dtype=np.float64), reference.shape)
        tolerance = allowed.allowed(scale, reference)
        ours = measured.get(path)
        if _numeric(ours) and np.shape(ours) == reference.shape:
            gap = np.abs(np.asarray(ours, np.float64) - reference)
            # Where twinnet's float32 run overflowed (inf, NaN), it measures nothing.
            tolerance = np.maximum(tolerance, MEASURED_FACTOR * np.where(np.isfinite(gap), gap, 0.0))
        for index in np.argwhere(~(np.abs(yours - reference) <= tolerance)):
            index = tuple(int(i) for i in index)
            found.append(_Difference(path, index, float(yours[index]), float(reference[index]), float(tolerance[index])))
    return found


def _parts(paths):
    if paths == [()]:
        return "one value"
    return f"{len(paths)} parts ({', '.join(''.join(f'[{p!r}]' for p in path) for path in paths[:6])}" \
           + (", ..." if len(paths) > 6 else "") + ")"


def judge(operation, kwargs, expected, answer, allowed, timeout, measured=None):
    """The Outcome of one answer of the worker, against the reference's ``expected``."""
    kind = answer[0]
    if kind == "hung":
        return Outcome(f"no answer after {timeout:g} seconds", "it hung (or was very slow) on this input, and was "
                       "stopped at the time limit (--timeout)", fatal="hang", reason="hangs")
    if kind == "died":
        code = answer[1]
        if code is not None and code < 0 and code != -signal.SIGKILL:
            problem = "it crashed the Python interpreter on this input"
        else:
            problem = ("it ended its Python process on this input (os._exit, or a crash in compiled code): a checked "
                       "function must return its result")
        return Outcome(f"no answer: the process ended, {_ending(code)}", problem, fatal="crash",
                       reason="exited" if code is not None and code >= 0 else "crashed")
    if kind == "garbled":
        return Outcome("an unreadable answer", f"its process answered something no function returns ({answer[1]})",
                       fatal="crash", reason="crashed")
    _, outcome, changes, output, output_size = answer
    sizes = {"exit": 2, "interrupt": 1, "flooded": 1, "raised": 3, "unreadable": 2, "returned": 2}
    if not (isinstance(outcome, tuple) and outcome and len(outcome) == sizes.get(outcome[0])
            and all(isinstance(part, str) for part in outcome[1:] if outcome[0] != "returned")
            and isinstance(changes, list) and isinstance(output, str) and type(output_size) is int):
        return Outcome("an unreadable answer", "its process answered something no function returns", fatal="crash",
                       reason="crashed")
    printed = dict(output=output[:OUTPUT_SHOWN], output_size=output_size)
    mutated = [f"it changed {_text(change, 300)}" for change in changes[:5]]
    what = outcome[0]
    if what == "exit":
        return Outcome(f"called sys.exit({outcome[1]})", "it tried to end the program (SystemExit) on a valid input: "
                       "a checked function must return its result", mutated, reason="exited", **printed)
    if what == "interrupt":
        return Outcome("raised KeyboardInterrupt", "it raised KeyboardInterrupt itself (nobody pressed Ctrl-C): a "
                       "checked function must return its result", mutated, **printed)
    if what == "flooded":
        return Outcome(f"printed more than {OUTPUT_LIMIT:,} characters",
                       f"it flooded its output on this input, and was stopped after {OUTPUT_LIMIT:,} characters: "
                       "a checked function returns its result, it need not print it", mutated, reason="flooded",
                       **printed)
    if what == "raised":
        return Outcome(f"raised {outcome[1]}: {outcome[2]}".rstrip(": "), "it raised an exception on a valid input",
                       mutated, **printed)
    if what == "unreadable":
        return Outcome(f"returned a {outcome[1]}", "its result is not a number, an array or a structure of them",
                       mutated, **printed)
    try:
        got = _decode(outcome[1])
    except (_Garbled, RecursionError) as error:
        return Outcome("an unreadable answer", f"its process answered something no function returns ({error})",
                       fatal="crash", reason="crashed")
    try:
        found = differences(operation, kwargs, got, expected, allowed, measured)
    except Exception as error:  # a result no comparison can read (a dict of names and numbers mixed, ...)
        found = [f"its result cannot be compared with the reference's ({type(error).__name__}: {_text(error, 200)})"]
    if mutated:
        return Outcome(got, "it changed its arguments in place, which a twinnet operation never does (the caller's "
                       "data would change under them): compute a new list or array instead",
                       mutated + [str(line) for line in found], **printed)
    if found:
        problem = ("its result differs from the reference beyond the allowed rounding:"
                   if all(isinstance(line, _Difference) for line in found) else
                   "its result does not have the reference's form:")
        return Outcome(got, problem, [str(line) for line in found], **printed)
    return Outcome(got, **printed)


# ---------------------------------------------------------------- the check


def _attempt(operation, worker, kwargs, allowed, timeout):
    """(the arguments as given, the reference's result, the Outcome) for one drawn input; None to skip it."""
    if operation.name in IDX_READERS:
        with tempfile.TemporaryDirectory(prefix="twinnet-check-") as folder:
            arguments = IDX_READERS[operation.name](_write_idx_files(kwargs, folder), kwargs)
            expected = operation.vectorized(**arguments)
            answer = worker.call(arguments, timeout)
        return _described_idx_arguments(operation.name, kwargs), expected, \
            judge(operation, kwargs, expected, answer, allowed, timeout)
    given = _drawn_for(allowed.dtype, kwargs)
    # The reference computes in float64 from the very numbers the function is given.
    exact = _in_float64(given)
    expected = operation.vectorized(**copy.deepcopy(exact))
    measured = None
    if allowed.dtype != "float64":
        if _too_large_for(allowed.dtype, kwargs, expected, operation.scale(exact, expected)):
            return None
        if not allowed.given:
            measured = _ours_in(operation, given)
    answer = worker.call(given, timeout)
    return to_pure(given), expected, judge(operation, exact, expected, answer, allowed, timeout, measured)


def _ours_in(operation, given):
    """twinnet's vectorized result computed in the dtype of ``given`` (float32), or None when it has none."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            return operation.vectorized(**copy.deepcopy(given))
    except Exception:  # an operation the vectorized twin does not run in float32
        return None


def check(function, name, style=None, max_examples=200, timeout=TIMEOUT, *, dtype="float64", rtol=None, atol=None):
    """Test ``function`` against the reference for the operation ``name``; return a Report.

    ``function`` is a function, or ``"path/to/file.py:name"`` (then the file is
    imported in the worker process only). ``style``: one of STYLES (detected
    when None). ``timeout``: seconds one call may take. ``dtype``: "float32"
    to give the function its arrays in float32, with float32's tolerance (see
    :func:`precision`); ``rtol`` and ``atol`` override the tolerance.
    Raises UserCodeError (a UsageError) when the check cannot run.
    """
    from hypothesis import HealthCheck, Verbosity, find as hypothesis_find, settings
    from hypothesis.errors import NoSuchExample, Unsatisfiable

    operation = registry.get(name)
    _refuse_unless_checkable(operation)
    _check_style(style)
    allowed = precision(dtype, rtol, atol)
    if operation.name in IDX_READERS and dtype != "float64":
        raise UserCodeError(f"{name} reads files, not float arrays: dtype does not apply to it (its own dtype "
                            "argument is drawn)")
    if not (isinstance(timeout, (int, float)) and 0 < timeout < float("inf")):
        raise UserCodeError(f"timeout expected a number of seconds > 0, got {timeout!r}")
    tried = {"examples": 0, "skipped": 0, "crashes": 0, "stopped": ""}
    failures = {}  # the pickled input -> (arguments shown, expected, Outcome), for each input that failed

    with Worker(function, style, dtype) as worker:
        style = worker.start()

        def disagrees(kwargs):
            key = pickle.dumps(kwargs)
            if key in failures:  # Hypothesis tries its smallest example once more at the end
                return True
            if tried["stopped"]:  # no more calls: the smallest input so far is the one reported
                return False
            attempt = _attempt(operation, worker, kwargs, allowed, timeout)
            if attempt is None:
                tried["skipped"] += 1
                return False
            tried["examples"] += 1
            if not attempt[2].problem:
                return False
            failures[key] = attempt
            # A hang costs the whole time limit: no more tries. A crash costs a new worker process: a few more.
            if attempt[2].fatal == "hang":
                tried["stopped"] = "hang"
            elif attempt[2].fatal == "crash":
                tried["crashes"] += 1
                tried["stopped"] = "crashes" if tried["crashes"] > RESTARTS else ""
            return True

        # Quiet: on Ctrl-C, Hypothesis would print how to replay the run (with a seed) onto stdout.
        options = settings(max_examples=max_examples, database=None, deadline=None,
                           suppress_health_check=list(HealthCheck), verbosity=Verbosity.quiet)
        try:
            smallest = hypothesis_find(operation.strategy(), disagrees, settings=options)
        except (NoSuchExample, Unsatisfiable):
            return Report(name, style, tried["examples"], True, precision=allowed, skipped=tried["skipped"],
                          reason="agreed")
    shown, expected, outcome = failures[pickle.dumps(smallest)]
    return Report(name, style, tried["examples"], False, shown, expected, outcome.got, outcome.problem,
                  outcome.details, allowed, outcome.output, outcome.output_size, stopped=tried["stopped"],
                  skipped=tried["skipped"], reason=outcome.reason)


def require_hypothesis(command="check"):
    if importlib.util.find_spec("hypothesis") is None:
        raise UsageError(f'{command} draws its inputs with Hypothesis, which is not installed: pip install '
                         '"twinnet[test]"')


def command(args):
    """Test FILE.py:FUNCTION against the reference; exit 0 when it agrees, 1 when it does not.

    ``--format`` json, gradescope or junit also gives the result in that form
    (see :mod:`twinnet.results`); then a file that gives no function to check
    (a syntax error, no such function) is a result too, written before the exit 2.
    """
    from twinnet import results

    operation = registry.get(args.name)  # an unknown name is reported before the user's file is run
    _refuse_unless_checkable(operation)
    require_hypothesis()
    path = results.destination(args.format, args.output)
    start = time.monotonic()
    try:
        # The file is given as it was named: only the worker process imports it.
        report = check(args.target, args.name, args.style, args.examples, args.timeout, dtype=args.dtype,
                       rtol=args.rtol, atol=args.atol)
    except LoadError as error:
        if args.format != "text":
            results.deliver(results.of_error(args.name, error.reason, error, time.monotonic() - start), args.format,
                            path)
        raise
    results.deliver(results.of_report(report, time.monotonic() - start), args.format, path)
    return 0 if report.passed else 1
