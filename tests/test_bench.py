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


def _attention_arguments(twin, seed, mask=None):
    """(inputs, four weights, n_heads, mask, dvalues) of section 6; a causal mask unless one is given."""
    inputs, *weights, dvalues = bench.attention_data(twin, seed=seed)
    length = inputs.shape[1]
    mask = np.tril(np.ones((length, length), dtype=bool)) if mask is None else mask
    return inputs, weights, bench.ATTENTION_SIZES[twin][3], mask, dvalues


def _assert_same(twin_results, ceiling_results):
    """Each array of the ceiling equals the twin's to rounding: 1e-12 of the largest value of that array (sums
    of products taken in another order, and softmax's exp and division, round differently, not more)."""
    for twin, ceiling in zip(twin_results, ceiling_results):
        twin, ceiling = np.asarray(twin), np.asarray(ceiling)
        assert twin.shape == ceiling.shape
        np.testing.assert_allclose(ceiling, twin, rtol=1e-12, atol=1e-12 * np.abs(twin).max())


def _random_mask(length, seed):
    """Booleans with at least one True per row (every query attends to something)."""
    rng = np.random.default_rng(seed)
    mask = rng.random((length, length)) < 0.5
    mask[np.arange(length), rng.integers(0, length, length)] = True
    return mask


@pytest.mark.parametrize("masking", ["causal", "random"])
def test_the_flat_numpy_attention_is_the_same_math(masking):
    """The ceiling for the vectorized multi-head attention computes the very same forward and backward pass."""
    attention = pytest.importorskip("vectorized.attention")
    inputs, weights, n_heads, mask, dvalues = _attention_arguments("vectorized", 6)
    inputs, dvalues = inputs[:4], dvalues[:4]   # 4 of the 32 sequences: the same sizes otherwise
    if masking == "random":
        mask = _random_mask(inputs.shape[1], 7)
    outputs = attention.multi_head_attention(inputs, *weights, n_heads, mask=mask)
    gradients = attention.multi_head_attention_backward(dvalues, inputs, *weights, n_heads, mask=mask)
    _assert_same((outputs, *gradients), bench.flat_numpy_attention(inputs, *weights, n_heads, mask, dvalues))


@pytest.mark.parametrize("masking", ["causal", "random"])
def test_the_flat_loop_attention_is_the_same_math(masking):
    """The ceiling for the pure multi-head attention computes the very same forward and backward pass."""
    attention = pytest.importorskip("pure.attention")
    inputs, weights, n_heads, mask, dvalues = _attention_arguments("pure", 8)
    if masking == "random":
        mask = _random_mask(inputs.shape[1], 9)
    inputs, weights, mask, dvalues = to_pure(inputs), to_pure(weights), to_pure(mask), to_pure(dvalues)
    outputs = attention.multi_head_attention(inputs, *weights, n_heads, mask=mask)
    gradients = attention.multi_head_attention_backward(dvalues, inputs, *weights, n_heads, mask=mask)
    _assert_same((outputs, *gradients), bench.flat_loop_attention(inputs, *weights, n_heads, mask, dvalues))


def test_the_flat_attention_scripts_agree_with_each_other():
    """The two ceilings, on the pure size: the same numbers from loops and from NumPy (no twin needed)."""
    inputs, weights, n_heads, _, dvalues = _attention_arguments("pure", 10)
    mask = _random_mask(inputs.shape[1], 11)
    loops = bench.flat_loop_attention(to_pure(inputs), *to_pure(weights), n_heads, to_pure(mask), to_pure(dvalues))
    _assert_same(bench.flat_numpy_attention(inputs, *weights, n_heads, mask, dvalues), loops)


def test_pytorch_attention_computes_what_the_flat_script_computes():
    """Section 6's PyTorch contender: the same projections, causal attention and gradients (when installed)."""
    torch = pytest.importorskip("torch")
    inputs, weights, n_heads, mask, dvalues = _attention_arguments("vectorized", 12)
    results = bench._torch_attention(inputs, weights, n_heads, dvalues)()
    assert all(torch.is_tensor(result) for result in results)
    _assert_same([result.detach().numpy() for result in results],
                 bench.flat_numpy_attention(inputs, *weights, n_heads, mask, dvalues))


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


def test_the_attention_section_runs_and_reports_as_the_convolution_section_does():
    pytest.importorskip("vectorized.attention")
    lines = []
    for twin in ("vectorized", "pure"):
        attention = bench.bench_attention(twin, quick=True)
        assert attention["vs_flat"] > 0 and attention["unchecked_vs_flat"] > 0
        low, high = attention["spread"]["vs_flat"]
        assert low <= high and set(attention["rounds"]) >= {"twinnet", "unchecked", "flat"}
        assert attention["size"] == bench.ATTENTION_SIZES[twin]
        assert (attention["vs_torch"] is None) == (attention["torch_note"] is not None) or twin == "pure"
        bench._report_ceilings(lines.append, attention, "SIZE", "flat NumPy", "multi_head_attention")
    assert lines[0].startswith("  vectorized, float64, SIZE: twinnet ") and ", flat NumPy " in lines[0]
    assert lines[1].startswith("    unchecked (multi_head_attention.unchecked, multi_head_attention_backward"
                               ".unchecked, as a network calls them): ")
    assert lines[2].startswith("  pure, SIZE: twinnet ") and ", flat loops " in lines[2]
    assert "attention" in bench.to_json({"attention": [attention]})


def test_the_convolution_lines_read_as_before_sections_5_and_6_shared_them():
    """The lines of the first recorded convolution run (before im2col took columns), from its figures."""
    conv = {"twin": "vectorized", "dtype": "float32", "vs_flat": 1.25, "unchecked_vs_flat": 1.20, "vs_torch": None,
            "torch_note": "PyTorch is not installed: skipped", "rounds": {"flat": [1.0] * 7},
            "seconds": {"twinnet": 21.88e-3, "unchecked": 21.09e-3, "flat": 17.57e-3},
            "spread": {"vs_flat": [1.07, 1.49], "unchecked_vs_flat": [1.11, 1.39]}}
    lines = []
    bench._report_ceilings(lines.append, conv, "batch 64, 16 -> 32 channels, 14x14, 3x3", "flat im2col NumPy", "conv2d")
    assert lines == [
        "  vectorized, float32, batch 64, 16 -> 32 channels, 14x14, 3x3: twinnet 21.88 ms, flat im2col NumPy "
        "17.57 ms (1.25x (1.07-1.49 over 7 runs)); PyTorch is not installed: skipped",
        "    unchecked (conv2d.unchecked, conv2d_backward.unchecked, as a network calls them): 21.09 ms "
        "(1.20x (1.11-1.39 over 7 runs) flat im2col NumPy)"]


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
