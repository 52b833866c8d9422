"""Hypothesis profiles, and the small MNIST-style files that several tests write.

Profiles, chosen by the TWINNET_HYPOTHESIS_PROFILE environment variable:

- ``thorough`` (the default, and what CI runs): 200 examples per property.
- ``quick``: 20 examples per property, for a fast loop while you edit.

Neither has a deadline: the machines are shared and timings are noisy; speed is
measured by ``twinnet bench``, never by a test.
"""

import gzip
import hashlib
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

from twinnet import data
from twinnet.contract.adapters import idx_bytes

settings.register_profile(
    "thorough", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow],
    print_blob=True,
)
settings.register_profile(
    "quick", max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow],
)

PROFILE = os.environ.get("TWINNET_HYPOTHESIS_PROFILE", "thorough")
if PROFILE not in ("thorough", "quick"):
    raise ValueError(f"TWINNET_HYPOTHESIS_PROFILE expected 'thorough' or 'quick', got {PROFILE!r}")
settings.load_profile(PROFILE)


def pytest_report_header(config):
    return f"twinnet: Hypothesis profile {PROFILE!r} ({settings().max_examples} examples per property)"


# ---------------------------------------------------------------- MNIST-style files (never the real ones)


def _mnist_files(splits):
    """{file name: gzipped IDX bytes} of the four MNIST files, from {"train": (images, labels), "test": ...}."""
    files = {}
    for split, (images, labels) in splits.items():
        files[data.IMAGES[split]] = gzip.compress(idx_bytes(images=images), mtime=0)
        files[data.LABELS[split]] = gzip.compress(idx_bytes(labels=labels), mtime=0)
    return files


@pytest.fixture
def mnist_files():
    """A function: {"train": (images, labels), "test": ...} -> {file name: gzipped IDX bytes}."""
    return _mnist_files


def _digits(count, seed):
    """28x28 'images' whose bright block's position is the label: easy to learn, not trivial."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 10, count)
    images = rng.integers(0, 60, (count, 28, 28))
    for image, label in zip(images, labels):
        row, column = divmod(int(label), 5)
        image[4 + 10 * row:12 + 10 * row, 2 + 5 * column:6 + 5 * column] += 180
    return images.astype(np.uint8), labels.astype(np.uint8)


@pytest.fixture
def tiny_mnist(tmp_path, monkeypatch):
    """A folder with the four MNIST file names holding small data, registered as 'mnist'.

    400 training and 100 test images of :func:`_digits`; their checksums replace
    the published ones for this test, so that the files verify.
    """
    files = _mnist_files({"train": _digits(400, 0), "test": _digits(100, 1)})
    for name, body in files.items():
        (tmp_path / name).write_bytes(body)
    checksums = {name: hashlib.sha256(body).hexdigest() for name, body in files.items()}
    original = data.DATASETS["mnist"]
    monkeypatch.setitem(data.DATASETS, "mnist", data.Dataset("mnist", original.mirrors, checksums, original.classes))
    return tmp_path
