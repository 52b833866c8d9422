"""The classic teaching data sets, generated from a seed, as lists.

``spiral`` and ``vertical`` give ``(inputs, labels)``: inputs a matrix
``(samples * classes, 2)`` of points, labels a list of ints, ``samples`` points
per class in class order. ``sine`` gives ``(inputs, targets)`` for regression.
The noise comes from ``rng.normal``, so both twins generate the very same
points for the same seed (to the last bit or two of sin and cos).
"""

import math

from pure import _checks, rng


def _linspace(start, stop, n):
    """n evenly spaced numbers from start to stop, both included (NumPy's linspace)."""
    if n == 1:
        return [float(start)]
    return [start + (stop - start) * i / (n - 1) for i in range(n)]


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
    inputs, labels = [], []
    for c in range(classes):
        radii = _linspace(0.0, 1.0, samples)
        angles = _linspace(c * 4.0, (c + 1) * 4.0, samples)
        for r, t, z in zip(radii, angles, noise[c]):
            t = t + z * 0.2
            inputs.append([r * math.sin(t * 2.5), r * math.cos(t * 2.5)])
            labels.append(c)
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
    inputs, labels = [], []
    for c in range(classes):
        # Rows 2c and 2c + 1 of the noise move class c's points across and up.
        for noise_x, noise_y in zip(noise[2 * c], noise[2 * c + 1]):
            inputs.append([noise_x * 0.1 + c / 3, noise_y * 0.1 + 0.5])
            labels.append(c)
    return inputs, labels


def sine(samples):
    """One period of a sine wave, for regression: no noise, so no seed.

    samples: int    ->    inputs: (samples, 1), targets: (samples, 1)

        x = i / samples,    y = sin(2 pi x)
    """
    samples = _checks.count("sine", "samples", samples)
    inputs = [[i / samples] for i in range(samples)]
    targets = [[math.sin(2 * math.pi * row[0])] for row in inputs]
    return inputs, targets
