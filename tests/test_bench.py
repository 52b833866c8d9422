"""twinnet bench: its ceilings compute what the twins compute, and every part of it runs.

No timing is asserted here (the machines are shared and noisy): the figures are
what `twinnet bench` prints, not what a test checks.
"""

import numpy as np

import pure.data
import pure.network
import vectorized.network
from twinnet import bench
from twinnet.train import as_vectorized_model


def test_the_flat_numpy_step_is_the_same_math():
    """The ceiling for the vectorized step must compute the very same step."""
    rng = np.random.default_rng(3)
    inputs, labels = rng.random((32, 784)), rng.integers(0, 10, 32)
    model = as_vectorized_model(vectorized.network.create([784, 128, 10], seed=3))
    new, _, metrics = vectorized.network.train_step(model, inputs, labels, "sgd", None, {"lr": 0.1}, 0)
    params = [model["params"][name] for name in ("weights0", "biases0", "weights1", "biases1")]
    *flat_params, loss, accuracy = bench.flat_numpy_step(inputs, labels, *params, 0.1)
    for name, flat in zip(("weights0", "biases0", "weights1", "biases1"), flat_params):
        np.testing.assert_allclose(flat, new["params"][name], rtol=1e-12, atol=1e-15)
    assert loss == metrics["loss"] and accuracy == metrics["accuracy"]


def test_the_flat_loop_epoch_is_the_same_math():
    """The ceiling for the pure epoch must compute the very same epoch."""
    inputs, labels = pure.data.spiral(20, 3, 1)
    model = pure.network.create([2, 64, 3], seed=1)
    new, _, metrics = pure.network.train_epoch(model, inputs, labels, "sgd", None, {"lr": 0.1}, None, 0, 0)
    params = [model["params"][name] for name in ("weights0", "biases0", "weights1", "biases1")]
    *flat_params, loss, accuracy = bench.flat_loop_epoch(inputs, labels, *params, 0.1)
    for name, flat in zip(("weights0", "biases0", "weights1", "biases1"), flat_params):
        np.testing.assert_allclose(flat, new["params"][name], rtol=1e-12, atol=1e-15)
    assert abs(loss - metrics["loss"]) <= 1e-12 and accuracy == metrics["accuracy"]


def test_every_part_runs():
    rows = bench.bench_operations(quick=True, min_time=1e-4)
    assert {row["operation"] for row in rows} >= {"matmul", "dense_backward", "softmax", "adam"}
    assert all(row["pure_seconds"] > 0 and row["vectorized_seconds"] > 0 for row in rows)
    step = bench.bench_training_step("float32", quick=True)
    assert step["vs_flat"] > 0 and step["inside_fit_vs_flat"] > 0 and step["vs_matmuls"] > 0
    assert (step["vs_torch"] is None) == (step["torch_note"] is not None)
    epoch = bench.bench_pure_epoch(quick=True)
    assert epoch["vs_flat"] > 0


def test_memory_without_mnist_is_skipped_with_a_note(tmp_path):
    assert "skipped" in bench.bench_memory(tmp_path)["note"]


def test_timing_helpers():
    calls = []
    per_call = bench.timed(lambda: calls.append(1), 0.001)
    assert per_call > 0 and len(calls) >= 1
    assert bench._seconds(2.5) == "2.50 s" and bench._seconds(0.0025) == "2.50 ms" and bench._seconds(2.5e-6) == "2.5 us"
