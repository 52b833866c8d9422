"""Data sets: the classic teaching sets generated from a seed, and MNIST's IDX files, as arrays.

``read_images``, ``read_labels`` and ``load_idx`` read the IDX files that
MNIST and Fashion-MNIST are published in.

``spiral`` and ``vertical`` give ``(inputs, labels)``: inputs a matrix
``(samples * classes, 2)`` of points, labels a list of ints, ``samples`` points
per class in class order. ``sine`` gives ``(inputs, targets)`` for regression.
The noise comes from ``rng.normal``, so both twins generate the very same
points for the same seed (to the last bit or two of sin and cos).

``sort_digits`` gives ``(inputs, targets)`` of tokens for a sequence task that
needs attention: a row of digits, a separator, and the digits sorted. Its
digits come from ``rng.uniform``, exact in both twins: the very same ints.
"""

import gzip
import math
import struct
import zlib

import numpy as np

from vectorized import _checks, rng


def _linspace(start, stop, n):
    """n evenly spaced numbers from start to stop, both included (NumPy's linspace)."""
    if n == 1:
        return np.array([float(start)])
    # Written out rather than np.linspace, to round exactly as the pure twin does.
    return start + (stop - start) * np.arange(n) / (n - 1)


@_checks.takes(samples="count", classes=_checks.count_times("samples", 2, what="coordinates"), seed="seed")
def spiral(samples, classes, seed):
    """Points on ``classes`` interleaved spiral arms, one arm per class: not linearly separable.

    samples: int, points per class    classes: int    seed: int
    ->    inputs: (samples * classes, 2), labels: (samples * classes,) ints

    For class c, point i (r and the angle t both grow along the arm):
        r = i / (samples - 1)
        t = 4c + 4 i / (samples - 1) + 0.2 * noise          noise ~ N(0, 1)
        point = (r * sin(2.5 t), r * cos(2.5 t))
    """
    noise = rng.normal.unchecked((classes, samples), seed)
    # Every class's angles at once, as a (classes, samples) grid: row c is arm c.
    # The arms differ only by where they start, 4c, so one linspace serves all.
    radii = _linspace(0.0, 1.0, samples)
    angles = np.arange(classes)[:, None] * 4.0 + _linspace(0.0, 4.0, samples) + noise * 0.2
    inputs = np.stack([radii * np.sin(angles * 2.5), radii * np.cos(angles * 2.5)], axis=-1).reshape(-1, 2)
    labels = np.repeat(np.arange(classes), samples)
    return inputs, labels


@_checks.takes(samples="count", classes=_checks.count_times("samples", 2, what="coordinates"), seed="seed")
def vertical(samples, classes, seed):
    """Gaussian blobs side by side, one per class: separable by vertical lines.

    samples: int, points per class    classes: int    seed: int
    ->    inputs: (samples * classes, 2), labels: (samples * classes,) ints

    For class c, point i:
        point = (0.1 * noise_x + c / 3, 0.1 * noise_y + 0.5)      noise ~ N(0, 1)
    """
    noise = rng.normal.unchecked((2 * classes, samples), seed)
    # Rows 2c and 2c + 1 of the noise move class c's points across and up.
    across = noise[0::2] * 0.1 + (np.arange(classes) / 3)[:, None]
    up = noise[1::2] * 0.1 + 0.5
    inputs = np.stack([across, up], axis=-1).reshape(-1, 2)
    labels = np.repeat(np.arange(classes), samples)
    return inputs, labels


@_checks.takes(samples="count")
def sine(samples):
    """One period of a sine wave, for regression: no noise, so no seed.

    samples: int    ->    inputs: (samples, 1), targets: (samples, 1)

        x = i / samples,    y = sin(2 pi x)
    """
    inputs = (np.arange(samples) / samples).reshape(-1, 1)
    targets = np.sin(2 * np.pi * inputs)
    return inputs, targets


# The target of a position the loss skips: what comes before the answer cannot be predicted.
NOT_SCORED = -1


@_checks.takes(n_samples="count", length=_checks.count_times("n_samples", 2, what="tokens"),
               symbols=_checks.int_at_least(2), seed="seed")
def sort_digits(n_samples, length, symbols, seed):
    """Sequences of digits to sort, for a decoder-only transformer that predicts the next token.

    n_samples: int    length: int, digits to sort    symbols: int >= 2, the digits 0 .. symbols-1
    seed: int >= 0
    ->    inputs: (n_samples, 2 * length) ints, targets: (n_samples, 2 * length) ints

    Each sample is the digits a_1 .. a_length, a separator SEP = symbols (so the
    vocabulary has symbols + 1 tokens), then the same digits sorted, s_1 .. s_length:
        full    = a_1 .. a_length, SEP, s_1 .. s_length
        inputs  = full[:-1]                           (the last token predicts nothing)
        targets = full[1:], the first length of them NOT_SCORED (-1)
        a_i     = floor(uniform * symbols)            uniform from rng.uniform(seed), row by row
    A model cannot know the unsorted digits before it reads them, so only the
    answer is scored. With length 3 and 10 symbols, one sample:
        position    0   1   2   3   4   5
        inputs      3   1   2  10   1   2             (10 is SEP)
        targets    -1  -1  -1   1   2   3             (position 3, SEP, predicts s_1)
    """
    uniforms = rng.uniform.unchecked((n_samples, length), seed)
    # min: a digit of exactly `symbols` cannot occur, however uniform rounds.
    digits = np.minimum(np.floor(uniforms * symbols), symbols - 1).astype(np.int64)
    answer = np.sort(digits, axis=1)
    separators = np.full((n_samples, 1), symbols, dtype=np.int64)
    inputs = np.concatenate([digits, separators, answer[:, :-1]], axis=1)
    targets = np.concatenate([np.full((n_samples, length), NOT_SCORED, dtype=np.int64), answer], axis=1)
    return inputs, targets


@_checks.takes(inputs="matrix", targets=_checks.targets_of("inputs"),
               test_fraction=_checks.fraction_held_out("inputs"), seed="seed")
def train_test_split(inputs, targets, test_fraction, seed):
    """A held-out part of a data set, drawn from a seed: the same samples in both twins.

    inputs: (n_samples, n_features)    targets: (n_samples,) labels, or (n_samples, n_outputs)
    test_fraction: in (0, 1)    seed: int
    ->    (train_inputs, train_targets, test_inputs, test_targets), each in the order drawn

        order = rng.permutation(n_samples, seed)
        n_test = round(test_fraction * n_samples)
        test = order[:n_test], train = order[n_test:]         (no sample in both)
    """
    order = rng.permutation.unchecked(len(inputs), seed)
    n_test = round(test_fraction * len(inputs))
    test, train = order[:n_test], order[n_test:]
    return inputs[train], targets[train], inputs[test], targets[test]           # fancy indexing: one copy each


IMAGES_MAGIC = 2051  # 0x00000803: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # 0x00000801: unsigned bytes, 1 dimension


def _open_idx(func, path):
    """The file's bytes, decompressed when it is gzipped (gzip files start with 1f 8b)."""
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as error:
            _checks.fail(ValueError, func, f"{path} expected a complete gzip file, got a damaged one ({error})")
    return raw


def _idx_header(func, path, raw, magic, n_sizes):
    """The sizes in an IDX header, after checking its magic number and the file's length."""
    header_bytes = 4 * (1 + n_sizes)
    if len(raw) < header_bytes:
        _checks.fail(ValueError, func, f"{path} expected an IDX header of {header_bytes} bytes, got {len(raw)} bytes")
    found, *sizes = struct.unpack(">" + "I" * (1 + n_sizes), raw[:header_bytes])
    if found != magic:
        _checks.fail(ValueError, func, f"{path} expected IDX magic number {magic}, got {found}")
    expected = header_bytes + math.prod(sizes)
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "too long"
        _checks.fail(ValueError, func, f"{path} expected {expected} bytes (a {header_bytes}-byte header and "
                                       f"{' x '.join(map(str, sizes))} values), got {len(raw)}: the file is {what}")
    return sizes, header_bytes


@_checks.takes(path="path", limit="limit", dtype="dtype")
def read_images(path, limit=None, dtype="float64"):
    """Images from an IDX file (MNIST's format), flattened and scaled to [0, 1].

    path: a file name, gzipped (.gz, as published) or not
    limit: None for every image, or how many to read from the start
    dtype: "float64", or "float32" to halve the memory (the pure twin's
    Python floats are always doubles)
    ->    (n_images, rows * columns), pixel / 255, row by row

    The file is a 16-byte big-endian header (magic 2051, count, rows, columns)
    and then one unsigned byte per pixel. A wrong magic number, a file shorter
    or longer than its header says, or a damaged gzip stream raises ValueError
    naming the file.
    """
    raw = _open_idx("read_images", path)
    (count, rows, columns), start = _idx_header("read_images", path, raw, IMAGES_MAGIC, 3)
    size = rows * columns
    count = count if limit is None else min(count, limit)
    # A view of the bytes as a (count, size) grid of uint8: no copy until the
    # one conversion to floats, then the division in place.
    pixels = np.frombuffer(raw, dtype=np.uint8, count=count * size, offset=start)
    images = pixels.reshape(count, size).astype(dtype)
    images /= 255.0
    return images


@_checks.takes(path="path", limit="limit")
def read_labels(path, limit=None):
    """Class labels from an IDX file (MNIST's format).

    path: a file name, gzipped (.gz, as published) or not
    limit: None for every label, or how many to read from the start
    ->    (n_labels,) ints

    The file is an 8-byte big-endian header (magic 2049, count) and then one
    unsigned byte per label. Errors name the file, as for read_images.
    """
    raw = _open_idx("read_labels", path)
    (count,), start = _idx_header("read_labels", path, raw, LABELS_MAGIC, 1)
    count = count if limit is None else min(count, limit)
    return np.frombuffer(raw, dtype=np.uint8, count=count, offset=start).astype(np.intp)


def load_idx(images_path, labels_path, limit=None, dtype="float64"):
    """A data set from its images file and its labels file, checked to match.

    images_path, labels_path: IDX files as read_images and read_labels take
    limit: None, or how many samples to read from the start    dtype: as for read_images
    ->    inputs: (n_samples, rows * columns) in [0, 1], labels: (n_samples,) ints

    Raises ValueError naming both files when they hold different numbers of samples.
    """
    # No checks declared here: the readers check these arguments, and their names
    # in the messages say which file or setting was wrong.
    images = read_images(images_path, limit, dtype)
    labels = read_labels(labels_path, limit)
    if len(images) != len(labels):
        _checks.fail(ValueError, "load_idx", f"{labels_path} expected {len(images)} labels, one per image in "
                                             f"{images_path}, got {len(labels)}")
    return images, labels
