"""Numerical gradients by central differences, and checks of every ``*_backward``.

A backward function claims to compute the gradient of some forward value. The
check measures that gradient numerically, one input at a time,

    d objective / d x[i]  ~  (objective(x + h e_i) - objective(x - h e_i)) / (2 h)

where the objective is the forward's loss, or for a forward that returns a
matrix, ``sum(dvalues * forward(x))`` with a random upstream gradient
``dvalues`` (so that every output's gradient is exercised, not only their sum).
"""

from dataclasses import dataclass

import numpy as np

from twinnet.contract.twins import TWINS, to_numpy

STEP = 1e-6
# The measured gradient is off by about h**2 * f''' / 6 (about 1e-13 here) from
# truncating the Taylor series, plus rounding: each objective is a sum of terms,
# rounded to about 1e-16 of their absolute sum S, and the difference divides
# that by 2h. The tolerance allows both, with room, and a relative part for
# large gradients; a wrong formula misses by whole percents.
RTOL = 1e-5
ATOL = 1e-6
ROUNDING_SLACK = 64 * np.finfo(np.float64).eps


@dataclass
class GradientMismatch:
    argument: str
    index: tuple
    analytic: float
    numerical: float
    tolerance: float

    def __str__(self):
        return (f"d/d{self.argument}{list(self.index)}: backward gave {self.analytic!r}, "
                f"central differences {self.numerical!r} (tolerance {self.tolerance:.3g})")


def numerical_gradient(objective, x, step=STEP):
    """Central-difference gradient of ``objective`` (array -> float) at the float64 array ``x``."""
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + step
        above = objective(x)
        x[index] = original - step
        below = objective(x)
        x[index] = original
        gradient[index] = (above - below) / (2 * step)
    return gradient


def check_gradient(operation, twin_name, kwargs, dvalues=None, backward=None):
    """Compare a ``*_backward`` with central differences of its forward, in one twin.

    kwargs: the forward's arguments as NumPy arrays (as the registry's gradient
    strategies draw them). dvalues: the upstream gradient, shaped like the
    forward's output (ignored when the forward is a loss). backward: a function
    to check in place of the registered one. Returns a list of mismatches, empty
    when the gradient is right.
    """
    spec = operation.gradient
    twin = TWINS[twin_name]
    backward = backward or operation.function(twin_name)
    twin_kwargs = twin.convert(kwargs)

    outputs = spec.forward(twin, **twin_kwargs)
    is_loss = isinstance(outputs, float)
    weights = None if is_loss else np.asarray(dvalues, dtype=np.float64)

    def terms(values):
        values = np.asarray(to_numpy(values), dtype=np.float64)
        return values if is_loss else weights * values

    def objective_for(name):
        def objective(x):
            changed = dict(twin_kwargs, **{name: twin.convert(x)})
            return float(np.sum(terms(spec.forward(twin, **changed))))
        return objective

    rounding = ROUNDING_SLACK * float(np.sum(np.abs(terms(outputs)))) / STEP
    analytic = backward(**spec.backward_kwargs(twin, twin_kwargs, outputs, twin.convert(weights)))
    names = spec.names(kwargs)
    if isinstance(analytic, dict):  # gradients by name, as a network's backward gives them
        analytic = tuple(analytic[name] for name in names)
    elif len(names) == 1:
        analytic = (analytic,)

    mismatches = []
    for name, claimed in zip(names, analytic):
        claimed = np.asarray(to_numpy(claimed), dtype=np.float64)
        measured = numerical_gradient(objective_for(name), kwargs[name])
        if claimed.shape != measured.shape:
            mismatches.append(GradientMismatch(name, (), np.nan, np.nan, 0.0))
            continue
        tolerance = RTOL * np.abs(claimed) + ATOL + rounding
        for index in np.argwhere(~(np.abs(claimed - measured) <= tolerance)):
            index = tuple(int(i) for i in index)
            mismatches.append(GradientMismatch(name, index, float(claimed[index]),
                                               float(measured[index]), float(tolerance[index])))
    return mismatches
