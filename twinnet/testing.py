"""Use twinnet as a correctness oracle in your own tests.

    from twinnet.testing import assert_matches_reference

    def test_my_softmax():
        assert_matches_reference(my_softmax, "softmax")

``assert_matches_reference`` draws inputs with Hypothesis from the same
strategies twinnet's own tests use, compares your function with the reference
(the same scaled tolerance the twins are held to), and on a disagreement fails
with the smallest input Hypothesis found, the expected output and yours. Your
function runs in a worker process, each call with a time limit (``timeout``),
and must not change its arguments. It may take lists (like ``pure``), NumPy
arrays (like ``vectorized``), or the arrays of PyTorch, JAX, CuPy or any
library of the Python array API standard: the style is detected from what its
module imports, or pass ``style=`` (one of ``twinnet.check.STYLES``).
``dtype="float32"`` gives it float32 arrays and allows float32's rounding;
``rtol=`` and ``atol=`` set the allowed difference outright.

For a whole set of operations, one pytest test each, with the shrunk
counterexample as the failure message::

    import twinnet.testing
    from mypackage import fast

    @twinnet.testing.parametrize({"relu": fast.relu, "softmax": fast.softmax}, dtype="float32")
    def test_matches_twinnet(operation):
        operation.check()

``strategy(name)`` gives the Hypothesis strategy itself, a dict of keyword
arguments as NumPy arrays, for tests of your own; ``to_lists`` turns such a
dict into the lists a loop-style function takes, and ``reference(name)`` is
twinnet's vectorized implementation.

A function defined at the top of a module is imported by name in the worker
process; a lambda or a function defined inside another is handed to a forked
worker (on Linux and macOS). As with any use of multiprocessing, a script
that checks at its top level needs ``if __name__ == "__main__":`` around it
(the worker imports the script again). Needs Hypothesis: ``pip install "twinnet[test]"``;
the array libraries' styles need ``pip install "twinnet[arrays]"`` too.
"""

import types
from collections.abc import Mapping
from dataclasses import dataclass, field

from twinnet.check import STYLES, check
from twinnet.contract import registry
from twinnet.contract.twins import to_pure

__all__ = ["assert_matches_reference", "check", "parametrize", "Case", "strategy", "reference", "to_lists",
           "operation_names", "STYLES"]


def assert_matches_reference(function, name, style=None, max_examples=200, timeout=10.0, *, dtype="float64",
                             rtol=None, atol=None):
    """Fail (AssertionError) with a shrunk counterexample unless ``function`` agrees with the reference.

    ``function`` may also be ``"path/to/file.py:name"``: the file is then
    imported in the worker process only. Returns the passing Report.
    """
    report = check(function, name, style, max_examples, timeout, dtype=dtype, rtol=rtol, atol=atol)
    if not report.passed:
        raise AssertionError(str(report))
    return report


@dataclass(frozen=True)
class Case:
    """One operation of :func:`parametrize`: your function for the operation ``name``, and the check's options."""

    name: str
    function: object
    options: dict = field(default_factory=dict)

    def check(self):
        """Check the function; fail the pytest test with the report (the shrunk counterexample) when it disagrees."""
        report = check(self.function, self.name, **self.options)
        if not report.passed:
            import pytest

            pytest.fail(str(report), pytrace=False)  # the report says it all: no traceback into twinnet
        return report

    def __repr__(self):
        return f"Case({self.name!r}, {getattr(self.function, '__qualname__', self.function)!r})"


def parametrize(functions, argument="operation", **options):
    """A pytest mark that runs the decorated test once per operation, with a :class:`Case` as ``argument``.

    ``functions`` maps operation names to your functions (or to
    ``"file.py:name"``), or is a module: then every function in it named after
    an operation is taken. ``options`` go to the check: ``style``,
    ``max_examples``, ``timeout``, ``dtype``, ``rtol``, ``atol``. Each test's id
    is the operation's name; an unknown name fails at collection, with the
    closest names.
    """
    import pytest

    cases = [pytest.param(Case(name, function, dict(options)), id=name) for name, function in _named(functions)]
    return pytest.mark.parametrize(argument, cases)


def _named(functions):
    """(operation name, function) pairs from a mapping or a module."""
    if isinstance(functions, types.ModuleType):
        names = {operation.name for operation in registry.OPERATIONS}
        pairs = [(name, value) for name, value in vars(functions).items()
                 if name in names and callable(value) and getattr(value, "__module__", None) == functions.__name__]
        if not pairs:
            raise ValueError(f"parametrize: module {functions.__name__} defines no function named after an "
                             "operation (`twinnet list` shows them)")
        return pairs
    if not isinstance(functions, Mapping) or not functions:
        raise TypeError(f"parametrize: functions expected a dict of operation names to functions (or a module), "
                        f"got {type(functions).__name__}")
    for name, function in functions.items():
        registry.get(name)  # an unknown name says so, with the closest names
        if not (callable(function) or isinstance(function, str)):
            raise TypeError(f"parametrize: {name} expected a function (or 'file.py:name'), got "
                            f"{type(function).__name__}")
    return list(functions.items())


def strategy(name):
    """The Hypothesis strategy of keyword arguments (NumPy arrays) that twinnet's tests draw for ``name``."""
    return registry.get(name).strategy()


def reference(name):
    """twinnet's vectorized implementation of ``name`` (the pure one: ``twinnet.contract.registry.get(name).pure``)."""
    return registry.get(name).vectorized


def to_lists(kwargs):
    """A strategy's NumPy arguments as the nested lists that loop-style code takes."""
    return to_pure(kwargs)


def operation_names():
    return [operation.name for operation in registry.OPERATIONS]
