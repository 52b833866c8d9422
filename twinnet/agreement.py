"""Run one operation in both twins and compare the results element by element.

The tolerance is scaled to the terms each element was summed from (see
``twinnet.registry.AGREEMENT_RTOL``): the twins add in different orders, so a
long sum may differ in its last bits, but never by more than a tiny fraction
of the absolute sum of its terms.
"""

from dataclasses import dataclass

import numpy as np

from twinnet.registry import AGREEMENT_RTOL
from twinnet.twins import to_numpy, to_pure


@dataclass
class Disagreement:
    output: int
    index: tuple
    pure: float
    vectorized: float
    tolerance: float

    def __str__(self):
        where = f"output {self.output}" + (f" at {list(self.index)}" if self.index else "")
        return (f"{where}: pure gave {self.pure!r}, vectorized {self.vectorized!r} "
                f"(allowed difference {self.tolerance:.3g})")


def _as_tuple(result):
    return result if isinstance(result, tuple) else (result,)


def run_both(operation, kwargs):
    """The operation's result in each twin, from the same NumPy arguments."""
    return operation.pure(**to_pure(kwargs)), operation.vectorized(**kwargs)


def compare(operation, kwargs, pure_result=None, vectorized_result=None):
    """The elements where the twins disagree beyond the scaled tolerance (empty when they agree)."""
    if pure_result is None or vectorized_result is None:
        pure_result, vectorized_result = run_both(operation, kwargs)
    pure_parts = _as_tuple(pure_result)
    vectorized_parts = _as_tuple(vectorized_result)
    scale_parts = _as_tuple(operation.scale(kwargs, vectorized_result))
    problems = []
    for output, (p, v, s) in enumerate(zip(pure_parts, vectorized_parts, scale_parts)):
        p = np.asarray(to_numpy(p), dtype=np.float64)
        v = np.asarray(v, dtype=np.float64)
        if p.shape != v.shape:
            problems.append(Disagreement(output, ("shape",), p.shape, v.shape, 0.0))
            continue
        tolerance = AGREEMENT_RTOL * np.broadcast_to(np.asarray(s, dtype=np.float64), v.shape)
        for index in np.argwhere(~(np.abs(p - v) <= tolerance)):
            index = tuple(int(i) for i in index)
            problems.append(Disagreement(output, index, float(p[index]),
                                         float(v[index]), float(tolerance[index])))
    if len(pure_parts) != len(vectorized_parts):
        problems.append(Disagreement(-1, ("outputs",), len(pure_parts), len(vectorized_parts), 0.0))
    return problems
