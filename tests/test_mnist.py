"""MNIST-style training in both twins, on small IDX files the tests write (never the real ones).

The files come from the ``tiny_mnist`` fixture in tests/conftest.py.
"""

import contextlib
import io
import json

import numpy as np
import pytest

import pure.data
import pure.network
import vectorized.data
import vectorized.network
from twinnet import cli
from twinnet import data as datasets


def test_first_20_minibatches_agree(tiny_mnist):
    """From one seed both twins take the same 20 steps: losses equal to 1e-9 relative."""
    paths = tiny_mnist / datasets.IMAGES["train"], tiny_mnist / datasets.LABELS["train"]
    losses = {}
    for name, data, network in (("pure", pure.data, pure.network), ("vectorized", vectorized.data, vectorized.network)):
        inputs, labels = data.load_idx(*paths, limit=200)
        model = network.create([784, 32, 10], seed=5, dropout=0.1, l2=1e-4)
        _, _, metrics = network.train_epoch(model, inputs, labels, "adam", None, {"lr": 0.002}, 10, 5, 0)
        losses[name] = np.array(metrics["step_losses"])
    assert len(losses["pure"]) == 20
    relative = np.abs(losses["pure"] - losses["vectorized"]) / losses["vectorized"]
    assert relative.max() <= 1e-9
    assert losses["vectorized"][-1] < losses["vectorized"][0]


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_train_on_mnist_with_both_twins(tiny_mnist):
    code, out, err = run("train", "--data", "mnist", "--data-dir", str(tiny_mnist), "--twin", "both", "--epochs", "3",
                         "--train-limit", "200", "--test-limit", "50", "--batch-size", "20", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["dtype"] == "float64" and summary["sizes"] == [784, 32, 10] and summary["samples"] == 200
    pure_run, vectorized_run = summary["twins"]["pure"], summary["twins"]["vectorized"]
    assert pure_run["test_accuracy"] == vectorized_run["test_accuracy"] >= 0.5
    assert summary["largest_relative_loss_difference"] <= 1e-9
    assert "200 training and 50 test images, float64" in err


def test_the_vectorized_twin_alone_trains_in_float32(tiny_mnist):
    code, out, err = run("train", "--data", "mnist", "--data-dir", str(tiny_mnist), "--epochs", "2",
                         "--hidden", "64", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["dtype"] == "float32" and list(summary["twins"]) == ["vectorized"]
    assert summary["samples"] == 400 and summary["twins"]["vectorized"]["test_accuracy"] >= 0.5


def test_pure_on_mnist_takes_a_subset_by_default(tiny_mnist):
    code, out, err = run("train", "--data", "mnist", "--data-dir", str(tiny_mnist), "--twin", "pure", "--epochs", "1")
    assert code == 0, err
    assert "the pure twin's loops train on the first 2000 training images" in out
    assert "(400 training and 100 test images, float64)" in out  # the files hold fewer than the subset


def test_train_without_the_files_says_how_to_get_them(tmp_path):
    code, out, err = run("train", "--data", "fashion-mnist", "--data-dir", str(tmp_path))
    assert code == 2
    assert f"fashion-mnist: 4 of its files are not in {tmp_path} as published" in err
    assert "twinnet data fashion-mnist" in err


@pytest.mark.parametrize("argv, message", [
    (["--data", "mnist", "--twin", "pure", "--dtype", "float32"], "--dtype float32 is for the vectorized twin alone"),
    (["--data", "spiral", "--train-limit", "10"], "--train-limit does not apply to --data spiral"),
    (["--data", "mnist", "--samples", "10"], "--samples does not apply to --data mnist"),
])
def test_flags_that_do_not_fit(argv, message):
    code, out, err = run("train", *argv)
    assert code == 2 and message in err
