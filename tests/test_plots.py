"""The figures of ``twinnet train --plot`` for a convolutional network: its first layer's filters and
one image's feature maps (twinnet.plots.cnn_figure, and the row training_figure adds for a CNN)."""

import struct
import types

import numpy as np
import pytest

from twinnet.contract.twins import to_pure
from vectorized import network

pytest.importorskip("matplotlib")

from twinnet import plots  # noqa: E402  (after the skip: plots draws with matplotlib)

TINY_CNN = [{"type": "conv2d", "filters": 4, "kernel": 3, "padding": 1}, {"type": "relu"},
            {"type": "max_pool2d", "size": 2}, {"type": "flatten"}, {"type": "dense", "units": 3}]


def png_size(path):
    """(width, height) of a PNG file, read from its IHDR chunk."""
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def tiny(side=8):
    model = network.create_layers([1, side, side], TINY_CNN, seed=0)
    images = np.random.default_rng(0).random((5, 1, side, side))
    labels = np.array([0, 1, 2, 0, 1])
    return model, images, labels, np.argmax(network.predict(model, images), axis=1)


@pytest.mark.parametrize("side", [8, 28])
def test_cnn_figure_draws_a_png(tmp_path, side):
    model, images, labels, predictions = tiny(side)
    path = tmp_path / "cnn.png"
    plots.cnn_figure(path, model, images, labels, predictions)
    assert png_size(path) == (1500, 450)


def test_a_pure_models_filters_are_drawn_too(tmp_path):
    model, images, labels, predictions = tiny()
    path = tmp_path / "cnn.svg"
    plots.cnn_figure(path, to_pure(model), to_pure(images), labels.tolist(), predictions.tolist(), index=2)
    assert path.read_bytes().lstrip().startswith(b"<?xml")


def test_the_filters_are_the_weights_reshaped_and_the_maps_are_after_the_relu():
    model, images, _, _ = tiny()
    filters, _ = plots._filters(model)
    assert filters.shape == (4, 1, 3, 3)
    assert np.array_equal(filters.reshape(4, 9), model["params"]["weights0"])
    maps, after = plots.feature_maps(model, images[0])
    assert after == "conv2d, relu"
    outputs, cache = network.forward(model, images[:1], [None] * len(TINY_CNN))
    assert np.array_equal(maps, cache[1]["outputs"][0]) and maps.shape == (4, 8, 8) and maps.min() >= 0


def test_the_first_conv2d_is_found_after_other_layers_and_counts_the_weights_before_it():
    layers = [{"type": "max_pool2d", "size": 2}, {"type": "conv2d", "filters": 2, "kernel": [3, 2]},
              {"type": "flatten"}, {"type": "dense", "units": 2}]
    model = network.create_layers([2, 8, 8], layers, seed=0)
    assert plots.first_conv2d(model)[::2] == (1, 0)
    assert plots._filters(model)[0].shape == (2, 2, 3, 2)
    assert plots._side_by_side(plots._filters(model)[0]).shape == (2, 3, 5)  # 2 channels, a blank column between
    maps, after = plots.feature_maps(model, np.ones((2, 8, 8)))
    assert maps.shape == (2, 2, 3) and after == "conv2d"
    assert plots.first_conv2d(network.create([4, 3, 2])) is None


@pytest.mark.parametrize("n, shape", [(1, (1, 1)), (4, (2, 2)), (8, (2, 4)), (16, (4, 4)), (32, (4, 8)),
                                      (7, (2, 4)), (13, (3, 5))])
def test_the_pictures_grid(n, shape):
    assert plots._grid_shape(n) == shape


@pytest.mark.parametrize("twin", ["vectorized", "pure"])
def test_the_training_figure_of_a_cnn_adds_its_first_layer(tmp_path, twin):
    model, images, labels, _ = tiny(28)
    if twin == "pure":
        model, images, labels = to_pure(model), to_pure(images), labels.tolist()
    run = types.SimpleNamespace(name=twin, model=model, epoch_losses=[1.0, 0.5], diverged=None,
                                final={"accuracy": 0.5}, test={"accuracy": 0.4})
    side_by_side = types.SimpleNamespace(twins={twin: run}, data=types.SimpleNamespace(test={twin: (images, labels)}))
    path = tmp_path / "train.png"
    plots.training_figure(path, side_by_side, "mnist")
    assert png_size(path) == (1500, 950)



def test_the_attention_maps_are_causal_rows_of_weights_and_the_sort_figure_draws_them(tmp_path):
    """One held-out sequence's attention, a panel per head and a row per transformer block."""
    from vectorized import data

    layer_list = [{"type": "embedding", "width": 8}, {"type": "positional_encoding"},
                  {"type": "transformer_block", "heads": 2, "hidden": 8},
                  {"type": "transformer_block", "heads": 2, "hidden": 8}, {"type": "layer_norm"},
                  {"type": "dense", "units": 5}]
    model = network.create_layers({"length": 6, "vocabulary": 5}, layer_list, seed=1)
    inputs, targets = data.sort_digits(4, 3, 4, 0)
    maps = plots.attention_maps(model, inputs[0])
    assert [index for index, _ in maps] == [2, 3]
    for _, weights in maps:
        assert weights.shape == (2, 6, 6)
        np.testing.assert_allclose(weights.sum(axis=-1), 1.0, rtol=0, atol=1e-12)
        assert np.all(np.triu(weights, 1) == 0)  # no query sees a later key
    run = types.SimpleNamespace(name="vectorized", model=model, epoch_losses=[1.0, 0.5], diverged=None)
    side_by_side = types.SimpleNamespace(twins={"vectorized": run},
                                         data=types.SimpleNamespace(test={"vectorized": (inputs, targets)}))
    path = tmp_path / "sort.png"
    plots.training_figure(path, side_by_side, "sort", {"length": 3, "symbols": 4})
    assert png_size(path)[0] > png_size(path)[1] > 0


def test_the_spiral_panels_say_what_they_show():
    """Decision regions in a colour-blind-safe palette with a legend: a class per colour, the
    misclassified training points counted and ringed, the held-out points; whole-number epoch ticks."""
    from matplotlib import pyplot

    from vectorized import data

    inputs, labels = data.spiral(20, 3, 0)
    train_inputs, train_labels, test_inputs, test_labels = data.train_test_split(inputs, labels, 0.25, 0)
    model = network.create([2, 8, 3], seed=0)
    predicted = network.predict(model, train_inputs).argmax(axis=1)
    run = types.SimpleNamespace(name="vectorized", model=model, epoch_losses=[1.1, 0.9, 0.8], diverged=None,
                                final={"accuracy": float(np.mean(predicted == train_labels))},
                                test={"accuracy": 0.5})
    figure, (left, right) = pyplot.subplots(1, 2)
    plots._decision_regions(right, run, train_inputs, train_labels, (test_inputs, test_labels))
    texts = [text.get_text() for text in right.get_legend().get_texts()]
    wrong = int(np.sum(predicted != train_labels))
    assert texts == ["class 0", "class 1", "class 2", f"wrong ({wrong} of 45 training points)", "held-out points"]
    assert "test 0.500" in right.get_title()
    assert [colour.lower() for colour in plots.PALETTE[:3]] == ["#0072b2", "#e69f00", "#009e73"]  # Okabe-Ito
    plots._loss_curves(left, [run])
    ticks = [tick for tick in left.get_xticks() if 1 <= tick <= 3]
    assert ticks and all(float(tick).is_integer() for tick in ticks)
    one_epoch = types.SimpleNamespace(name="vectorized", epoch_losses=[0.5], diverged=None)
    figure_of_one, axes_of_one = pyplot.subplots()
    plots._loss_curves(axes_of_one, [one_epoch])
    assert [tick for tick in axes_of_one.get_xticks() if 0.5 <= tick <= 1.5] == [1.0]  # no 0.96, 1.02, ...
    pyplot.close(figure_of_one)
    pyplot.close(figure)
