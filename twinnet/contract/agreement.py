"""Run one operation in both twins and compare the results element by element.

Results may be numbers, arrays, or structures of them (tuples, dicts, lists of
dicts such as a network's cache). Both results are flattened into their
leaves, each with its path (``('params', 'weights0')``), and compared leaf by
leaf: numbers and arrays within a tolerance scaled to the terms each element
was summed from (see ``twinnet.contract.tolerances``), everything else
(ints in a state, strings, bytes, None) exactly.
"""

from dataclasses import dataclass

import numpy as np

from twinnet.contract.tolerances import AGREEMENT_RTOL
from twinnet.contract.twins import leaves, to_pure


@dataclass
class Disagreement:
    path: tuple
    index: tuple
    pure: object
    vectorized: object
    tolerance: float

    def __str__(self):
        where = "result" + "".join(f"[{p!r}]" for p in self.path) + (f" at {list(self.index)}" if self.index else "")
        return (f"{where}: pure gave {self.pure!r}, vectorized {self.vectorized!r} "
                f"(allowed difference {self.tolerance:.3g})")


def _numeric(value):
    return isinstance(value, (list, np.ndarray, float, np.floating)) and not isinstance(value, bool)


def run_both(operation, kwargs):
    """The operation's result in each twin, from the same NumPy arguments."""
    if operation.run is not None:
        return operation.run(operation, kwargs)
    return operation.pure(**to_pure(kwargs)), operation.vectorized(**kwargs)


def compare(operation, kwargs, pure_result=None, vectorized_result=None):
    """The places where the twins disagree beyond the scaled tolerance (empty when they agree)."""
    if pure_result is None and vectorized_result is None:
        pure_result, vectorized_result = run_both(operation, kwargs)
    pure_leaves = list(leaves(pure_result))
    vectorized_leaves = list(leaves(vectorized_result))
    scale_leaves = dict(leaves(operation.scale(kwargs, vectorized_result)))
    problems = []
    if [p for p, _ in pure_leaves] != [p for p, _ in vectorized_leaves]:
        return [Disagreement(("structure",), (), [p for p, _ in pure_leaves], [p for p, _ in vectorized_leaves], 0)]
    for (path, p), (_, v) in zip(pure_leaves, vectorized_leaves):
        if not (_numeric(p) and _numeric(v)):
            if type(p) is not type(v) and not (isinstance(p, int) and isinstance(v, (int, np.integer))):
                problems.append(Disagreement(path, ("type",), type(p).__name__, type(v).__name__, 0.0))
            elif p != v:
                problems.append(Disagreement(path, (), p, v, 0.0))
            continue
        p = np.asarray(p, dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        if p.shape != v.shape:
            problems.append(Disagreement(path, ("shape",), p.shape, v.shape, 0.0))
            continue
        scale = np.asarray(scale_leaves.get(path, 0.0), dtype=np.float64)
        tolerance = AGREEMENT_RTOL * np.broadcast_to(scale, v.shape)
        for index in np.argwhere(~(np.abs(p - v) <= tolerance)):
            index = tuple(int(i) for i in index)
            problems.append(Disagreement(path, index, float(p[index]), float(v[index]), float(tolerance[index])))
    return problems
