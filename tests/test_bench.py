"""twinnet bench: its ceilings compute what the twins compute, and every part of it runs.

No timing is asserted here (the machines are shared and noisy): the figures are
what `twinnet bench` prints, not what a test checks.
"""

import numpy as np

import pytest

import pure.conv
import pure.data
import pure.network
import vectorized.conv
import vectorized.network
from twinnet import bench
from twinnet.contract.twins import to_pure
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


@pytest.mark.parametrize("padding", [1, 0])
def test_the_flat_im2col_conv_is_the_same_math(padding):
    """The ceiling for the vectorized conv2d must compute the very same forward and backward pass."""
    inputs, weights, biases, dvalues = bench.conv_data("vectorized", seed=4)
    if padding == 0:   # a rectangular kernel, and outputs two smaller than the inputs
        weights, dvalues = weights[:, :, :, :2], dvalues[:, :, 1:-1, :-1]
    outputs = vectorized.conv.conv2d(inputs, weights, biases, padding=padding)
    gradients = vectorized.conv.conv2d_backward(dvalues, inputs, weights, padding=padding)
    flat = bench.flat_numpy_conv(inputs, weights, biases, dvalues, padding)
    for twin, ceiling in zip((outputs, *gradients), flat):
        assert twin.shape == ceiling.shape
        np.testing.assert_allclose(ceiling, twin, rtol=1e-12, atol=1e-15)


def test_the_flat_loop_conv_is_the_same_math():
    """The ceiling for the pure conv2d must compute the very same forward and backward pass."""
    inputs, weights, biases, dvalues = (to_pure(value) for value in bench.conv_data("pure", seed=5))
    outputs = pure.conv.conv2d(inputs, weights, biases, padding=1)
    gradients = pure.conv.conv2d_backward(dvalues, inputs, weights, padding=1)
    flat = bench.flat_loop_conv(inputs, weights, biases, dvalues, 1)
    for twin, ceiling in zip((outputs, *gradients), flat):
        np.testing.assert_allclose(np.array(ceiling), np.array(twin), rtol=1e-12, atol=1e-15)
        assert np.array(ceiling).shape == np.array(twin).shape


def test_every_part_runs():
    rows = bench.bench_operations(quick=True, min_time=1e-4)
    assert {row["operation"] for row in rows} >= {"matmul", "dense_backward", "softmax", "adam"}
    assert all(row["pure_seconds"] > 0 and row["vectorized_seconds"] > 0 for row in rows)
    step = bench.bench_training_step("float32", quick=True)
    assert step["vs_flat"] > 0 and step["inside_fit_vs_flat"] > 0 and step["vs_matmuls"] > 0
    assert (step["vs_torch"] is None) == (step["torch_note"] is not None)
    assert step["spread"]["vs_flat"][0] <= step["spread"]["vs_flat"][1] and len(step["rounds"]["flat"]) == 5
    epoch = bench.bench_pure_epoch(quick=True)
    assert epoch["vs_flat"] > 0
    for twin in ("vectorized", "pure"):
        conv = bench.bench_conv(twin, quick=True)
        assert conv["vs_flat"] > 0 and conv["unchecked_vs_flat"] > 0
        low, high = conv["spread"]["vs_flat"]
        assert low <= high and set(conv["rounds"]) >= {"twinnet", "unchecked", "flat"}
        assert (conv["vs_torch"] is None) == (conv["torch_note"] is not None) or twin == "pure"
    assert "conv" in bench.to_json({"conv": [conv]})


def test_contenders_are_timed_round_by_round_in_worker_processes():
    contender = ("conv_contender", {"name": "flat", "twin": "pure"})
    rounds = bench.in_processes({"a": contender, "b": contender}, 0.001, 2)
    assert set(rounds) == {"a", "b"} and all(len(each) == 2 and min(each) > 0 for each in rounds.values())
    with pytest.raises(RuntimeError, match="the broken worker failed"):
        bench.in_processes({"broken": ("no_such_factory", {})}, 0.001, 1)


def test_a_ratio_comes_with_its_spread():
    rounds = {"twinnet": [2.0, 2.4, 2.2], "flat": [1.0, 2.0, 2.0]}
    best, low, high = bench.ratio(rounds, "twinnet", "flat")
    assert best == 2.0 and low == pytest.approx(1.1) and high == 2.0
    result = {"vs_flat": best, "spread": {"vs_flat": [low, high]}, "rounds": rounds}
    assert bench._ratio(result, "vs_flat") == "2.00x (1.10-2.00 over 3 runs)"


def test_memory_without_mnist_is_skipped_with_a_note(tmp_path):
    assert "skipped" in bench.bench_memory(tmp_path)["note"]


def test_timing_helpers():
    calls = []
    per_call = bench.timed(lambda: calls.append(1), 0.001)
    assert per_call > 0 and len(calls) >= 1
    assert bench._seconds(2.5) == "2.50 s" and bench._seconds(0.0025) == "2.50 ms" and bench._seconds(2.5e-6) == "2.5 us"
