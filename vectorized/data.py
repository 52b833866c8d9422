"""The classic teaching data sets, generated from a seed, as arrays.

``spiral`` and ``vertical`` give ``(inputs, labels)``: inputs a matrix
``(samples * classes, 2)`` of points, labels a list of ints, ``samples`` points
per class in class order. ``sine`` gives ``(inputs, targets)`` for regression.
The noise comes from ``rng.normal``, so both twins generate the very same
points for the same seed (to the last bit or two of sin and cos).
"""

import numpy as np

from vectorized import _checks, rng


def _linspace(start, stop, n):
    """n evenly spaced numbers from start to stop, both included (NumPy's linspace)."""
    if n == 1:
        return np.array([float(start)])
    # Written out rather than np.linspace, to round exactly as the pure twin does.
    return start + (stop - start) * np.arange(n) / (n - 1)


def spiral(samples, classes, seed):
    """Points on ``classes`` interleaved spiral arms, one arm per class: not linearly separable.

    samples: int, points per class    classes: int    seed: int
    ->    inputs: (samples * classes, 2), labels: (samples * classes,) ints

    For class c, point i (r and the angle t both grow along the arm):
        r = i / (samples - 1)
        t = 4c + 4 i / (samples - 1) + 0.2 * noise          noise ~ N(0, 1)
        point = (r * sin(2.5 t), r * cos(2.5 t))
    """
    samples = _checks.count("spiral", "samples", samples)
    classes = _checks.count("spiral", "classes", classes)
    noise = rng.normal((classes, samples), _checks.seed("spiral", "seed", seed))
    # Every class's angles at once, as a (classes, samples) grid: row c is arm c.
    # The arms differ only by where they start, 4c, so one linspace serves all.
    radii = _linspace(0.0, 1.0, samples)
    angles = np.arange(classes)[:, None] * 4.0 + _linspace(0.0, 4.0, samples) + noise * 0.2
    inputs = np.stack([radii * np.sin(angles * 2.5), radii * np.cos(angles * 2.5)], axis=-1).reshape(-1, 2)
    labels = np.repeat(np.arange(classes), samples)
    return inputs, labels


def vertical(samples, classes, seed):
    """Gaussian blobs side by side, one per class: separable by vertical lines.

    samples: int, points per class    classes: int    seed: int
    ->    inputs: (samples * classes, 2), labels: (samples * classes,) ints

    For class c, point i:
        point = (0.1 * noise_x + c / 3, 0.1 * noise_y + 0.5)      noise ~ N(0, 1)
    """
    samples = _checks.count("vertical", "samples", samples)
    classes = _checks.count("vertical", "classes", classes)
    noise = rng.normal((2 * classes, samples), _checks.seed("vertical", "seed", seed))
    # Rows 2c and 2c + 1 of the noise move class c's points across and up.
    across = noise[0::2] * 0.1 + (np.arange(classes) / 3)[:, None]
    up = noise[1::2] * 0.1 + 0.5
    inputs = np.stack([across, up], axis=-1).reshape(-1, 2)
    labels = np.repeat(np.arange(classes), samples)
    return inputs, labels


def sine(samples):
    """One period of a sine wave, for regression: no noise, so no seed.

    samples: int    ->    inputs: (samples, 1), targets: (samples, 1)

        x = i / samples,    y = sin(2 pi x)
    """
    samples = _checks.count("sine", "samples", samples)
    inputs = (np.arange(samples) / samples).reshape(-1, 1)
    targets = np.sin(2 * np.pi * inputs)
    return inputs, targets
