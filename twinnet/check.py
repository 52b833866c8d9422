"""``twinnet check``: test anyone's implementation of an operation against twinnet's reference.

``check(function, "softmax")`` draws inputs from the registry's Hypothesis
strategy for softmax, runs the function and the reference on each, and
compares them with the same scaled tolerance the twins are held to. When they
disagree, Hypothesis shrinks the input to the smallest it can find, and the
report shows that input, the expected output and what the function gave (or
raised, or that it hung). ``twinnet check`` and :mod:`twinnet.testing` use it.

A function may take lists (like the pure twin) or NumPy arrays (like the
vectorized twin); the style is detected from whether its module imports NumPy,
or given.
"""

import copy
import importlib.util
import pathlib
import re
import signal
import threading
import warnings
from dataclasses import dataclass, field

import numpy as np

from twinnet import UsageError
from twinnet.contract import agreement, registry
from twinnet.contract.twins import to_pure

STYLES = ("lists", "numpy")


class UserCodeError(UsageError):
    """The user's file or function could not be loaded (or checked)."""


class Hang(Exception):
    pass


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

    def __str__(self):
        if self.passed:
            return f"{self.name}: {self.examples} examples agree with the reference ({self.style} style)"
        lines = [f"{self.name}: your function disagrees with the reference ({self.style} style), after "
                 f"{self.examples} examples. The smallest input Hypothesis found:"]
        lines += [f"    {key} = {_show(value)}" for key, value in self.inputs.items()]
        lines.append(f"  expected: {_show(self.expected)}")
        lines.append(f"  got:      {self.got if isinstance(self.got, str) else _show(self.got)}")
        lines.append(f"  {self.problem}")
        lines += [f"    {detail}" for detail in self.details[:5]]
        return "\n".join(lines)


def _show(value):
    return repr(to_pure(value))


def load_function(spec):
    """``path/to/file.py:name`` -> the function, loaded from that file."""
    path, colon, name = spec.rpartition(":")
    if not colon or not path or not name:
        raise UserCodeError(f"expected FILE.py:FUNCTION, got {spec!r}")
    file = pathlib.Path(path)
    if not file.is_file():
        raise UserCodeError(f"{path}: no such file")
    module_name = "twinnet_checked_" + re.sub(r"\W", "_", file.stem)
    module_spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(module_spec)
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:  # the user's file: any error in it is theirs to see
        raise UserCodeError(f"{path} could not be imported: {type(error).__name__}: {error}") from None
    function = getattr(module, name, None)
    if not callable(function):
        raise UserCodeError(f"{path} has no function named {name!r}")
    return function


def detect_style(function):
    """"numpy" when NumPy is in the function's reach (its module's globals or its closure), else "lists"."""
    reachable = list(getattr(function, "__globals__", {}).values())
    for cell in getattr(function, "__closure__", None) or ():
        try:
            reachable.append(cell.cell_contents)
        except ValueError:  # a cell not filled yet
            pass
    return "numpy" if any(value is np for value in reachable) else "lists"


def _call_with_timeout(function, kwargs, timeout):
    """Call; raise Hang after ``timeout`` seconds (where the platform lets a signal interrupt us)."""
    can_time = timeout and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not can_time:
        return function(**kwargs)

    def alarm(signum, frame):
        raise Hang()

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return function(**kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _attempt(operation, function, style, kwargs, timeout):
    """(expected, got, problem, details) for one input; problem is "" when they agree."""
    expected = operation.vectorized(**copy.deepcopy(kwargs))
    given = to_pure(kwargs) if style == "lists" else copy.deepcopy(kwargs)
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            got = _call_with_timeout(function, given, timeout)
    except Hang:
        return expected, f"no answer after {timeout:g} seconds", "it hung (or was very slow) on this input", []
    except Exception as error:  # whatever the user's code raises is the finding
        return expected, f"raised {type(error).__name__}: {error}", "it raised an exception on a valid input", []
    try:
        problems = agreement.compare(operation, kwargs, got, expected)
    except Exception as error:
        return expected, got, f"its result does not have the reference's shape ({type(error).__name__}: {error})", []
    if problems:
        return expected, got, "its result differs from the reference beyond the allowed rounding:", \
            [str(problem).replace("pure gave", "yours gave").replace("vectorized", "the reference")
             for problem in problems]
    return expected, got, "", []


def check(function, name, style=None, max_examples=200, timeout=5.0):
    """Test ``function`` against the reference for the operation ``name``; return a Report."""
    from hypothesis import HealthCheck, find as hypothesis_find, settings
    from hypothesis.errors import NoSuchExample

    operation = registry.get(name)
    if operation.run is not None:
        raise UserCodeError(f"{name} reads or writes files; check compares functions of values only")
    style = style or detect_style(function)
    if style not in STYLES:
        raise UserCodeError(f"style expected one of {', '.join(STYLES)}, got {style!r}")
    counted = {"examples": 0}

    def disagrees(kwargs):
        counted["examples"] += 1
        return bool(_attempt(operation, function, style, kwargs, timeout)[2])

    options = settings(max_examples=max_examples, database=None, deadline=None,
                       suppress_health_check=list(HealthCheck))
    try:
        smallest = hypothesis_find(operation.strategy(), disagrees, settings=options)
    except NoSuchExample:
        return Report(name, style, counted["examples"], True)
    expected, got, problem, details = _attempt(operation, function, style, smallest, timeout)
    return Report(name, style, counted["examples"], False, to_pure(smallest), expected, got, problem, details)


def command(args):
    """Test FILE.py:FUNCTION against the reference; exit 0 when it agrees, 1 when it does not."""
    registry.get(args.name)  # an unknown name is reported before the user's file is run
    report = check(load_function(args.target), args.name, args.style, args.examples, args.timeout)
    print(report)
    return 0 if report.passed else 1
