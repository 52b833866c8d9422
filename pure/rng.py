"""Random numbers that both twins draw identically from a seed.

Randomness never hides inside an operation: whatever needs it (initial
weights, dropout masks, shuffling) takes a seed, and these functions turn a
seed into numbers. Both twins give the very same numbers for the same seed,
which is what lets a whole training run be compared step by step.

Two kinds of generator are used, each where it fits:

- ``uniform`` is counter-based: the i-th number is a hash of (seed, i). Any
  number can be computed on its own, in any order, so NumPy computes them all
  at once with integer arithmetic that is exact in both twins.
- ``normal`` and ``permutation`` use the standard library's generator
  (``random.Random``), in both twins: they run once per model or per epoch,
  where clarity matters more than speed.
"""

import random

from pure import _checks

_MASK = (1 << 64) - 1
_GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio: steps that never repeat a pattern


def _mix(z):
    """SplitMix64's finaliser: scrambles a 64-bit integer so that nearby inputs look unrelated."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
    return z ^ (z >> 31)


def _count(shape):
    return shape[0] if len(shape) == 1 else shape[0] * shape[1]


def _reshape(values, shape):
    if len(shape) == 1:
        return values
    rows, columns = shape
    return [values[i * columns:(i + 1) * columns] for i in range(rows)]


@_checks.takes(shape="shape", seed="seed")
def uniform(shape, seed):
    """Uniform random numbers in [0, 1), the i-th a hash of (seed, i) (SplitMix64).

    shape: (n,) or (rows, columns)    seed: int    ->    an array of that shape

        z = mix(mix(seed) + (i + 1) * 0x9E3779B97F4A7C15 mod 2**64)
        uniform[i] = (z >> 11) / 2**53          (the top 53 bits: every float exact)

    Elements are numbered row by row.
    """
    base = _mix(seed & _MASK)
    values = []
    for i in range(_count(shape)):
        z = _mix((base + (i + 1) * _GOLDEN) & _MASK)
        values.append((z >> 11) * (1.0 / (1 << 53)))
    return _reshape(values, shape)


@_checks.takes(shape="shape", seed="seed")
def normal(shape, seed):
    """Standard normal random numbers, N(0, 1), from Python's ``random.Random(seed).gauss``.

    shape: (n,) or (rows, columns)    seed: int    ->    an array of that shape

    Elements are drawn row by row, so both twins draw the very same numbers.
    """
    generator = random.Random(seed)
    values = [generator.gauss(0.0, 1.0) for _ in range(_count(shape))]
    return _reshape(values, shape)


@_checks.takes(n="count", seed="seed")
def permutation(n, seed):
    """The numbers 0 .. n-1 in a random order, from Python's ``random.Random(seed).shuffle``.

    n: int >= 1    seed: int    ->    (n,) ints
    """
    indices = list(range(n))
    random.Random(seed).shuffle(indices)
    return indices
