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

import numpy as np

from vectorized import _checks

_MASK = (1 << 64) - 1
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)  # 2**64 / golden ratio: steps that never repeat a pattern


def _mix(z):
    """SplitMix64's finaliser on a uint64 array (wraps modulo 2**64, as the pure twin masks)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _count(shape):
    return shape[0] if len(shape) == 1 else shape[0] * shape[1]


def _reshape(values, shape):
    return np.asarray(values, dtype=np.float64).reshape(shape)


@_checks.takes(shape="shape", seed="seed")
def uniform(shape, seed):
    """Uniform random numbers in [0, 1), the i-th a hash of (seed, i) (SplitMix64).

    shape: (n,) or (rows, columns)    seed: int    ->    an array of that shape

        z = mix(mix(seed) + (i + 1) * 0x9E3779B97F4A7C15 mod 2**64)
        uniform[i] = (z >> 11) / 2**53          (the top 53 bits: every float exact)

    Elements are numbered row by row.
    """
    base = _mix(np.array([seed & _MASK], dtype=np.uint64))
    counters = np.arange(1, _count(shape) + 1, dtype=np.uint64)
    z = _mix(base + counters * _GOLDEN)
    values = (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))
    return _reshape(values, shape)


@_checks.takes(shape="shape", seed="seed")
def normal(shape, seed):
    """Standard normal random numbers, N(0, 1), from Python's ``random.Random(seed).gauss``.

    shape: (n,) or (rows, columns)    seed: int    ->    an array of that shape

    Elements are drawn row by row, so both twins draw the very same numbers.
    """
    # The one Python loop in this twin, on purpose: drawing from the standard
    # library's generator is what makes both twins start from identical weights.
    # It runs once per layer, never per sample or per step.
    generator = random.Random(seed)
    values = [generator.gauss(0.0, 1.0) for _ in range(_count(shape))]
    return _reshape(values, shape)


@_checks.takes(n="count", seed="seed")
def permutation(n, seed):
    """The numbers 0 .. n-1 in a random order, from Python's ``random.Random(seed).shuffle``.

    n: int >= 1    seed: int    ->    (n,) ints
    """
    # Shuffled by the standard library, as in the pure twin, once per epoch.
    indices = list(range(n))
    random.Random(seed).shuffle(indices)
    return np.array(indices)
