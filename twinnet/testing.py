"""Use twinnet as a correctness oracle in your own tests.

    from twinnet.testing import assert_matches_reference

    def test_my_softmax():
        assert_matches_reference(my_softmax, "softmax")

``assert_matches_reference`` draws inputs with Hypothesis from the same
strategies twinnet's own tests use, compares your function with the reference
(the same scaled tolerance the twins are held to), and on a disagreement fails
with the smallest input Hypothesis found, the expected output and yours. Your
function may take lists (like ``pure``) or NumPy arrays (like ``vectorized``):
the style is detected from whether its module imports NumPy, or pass
``style="lists"`` or ``style="numpy"``.

``strategy(name)`` gives the Hypothesis strategy itself, a dict of keyword
arguments as NumPy arrays, for tests of your own; ``to_lists`` turns such a
dict into the lists a loop-style function takes, and ``reference(name)`` is
twinnet's vectorized implementation.

Needs Hypothesis: ``pip install "twinnet[test]"``.
"""

from twinnet.check import check
from twinnet.contract import registry
from twinnet.contract.twins import to_pure

__all__ = ["assert_matches_reference", "check", "strategy", "reference", "to_lists", "operation_names"]


def assert_matches_reference(function, name, style=None, max_examples=200, timeout=5.0):
    """Fail (AssertionError) with a shrunk counterexample unless ``function`` agrees with the reference."""
    report = check(function, name, style, max_examples, timeout)
    if not report.passed:
        raise AssertionError(str(report))
    return report


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
