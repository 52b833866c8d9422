"""Figures for ``twinnet train --plot`` (needs matplotlib: pip install "twinnet[plot]").

One figure: the twins' loss curves on the left; then, for each twin, its
decision regions over the 2-D data (spiral, vertical), its fitted curve over
the targets (sine), or a grid of test images with predicted and true labels,
mistakes in red (mnist, fashion-mnist). Written to a temporary file and renamed, so an interrupted
run never leaves half a PNG.
"""

import numpy as np

from twinnet import files
from twinnet.contract.twins import TWINS, to_pure
from twinnet.data import DATASETS

GRID = 120  # points per side of the decision-region grid


def _decision_regions(axes, run, inputs, labels):
    low, high = inputs.min(axis=0) - 0.1, inputs.max(axis=0) + 0.1
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID))
    grid = np.column_stack([xs.ravel(), ys.ravel()])
    network = TWINS[run.name].network
    points = to_pure(grid) if run.name == "pure" else grid
    predictions = np.argmax(np.asarray(network.predict(run.model, points)), axis=1).reshape(xs.shape)
    axes.contourf(xs, ys, predictions, alpha=0.3, cmap="brg")
    axes.scatter(inputs[:, 0], inputs[:, 1], c=labels, s=8, cmap="brg")
    axes.set_title(f"{run.name}: accuracy {run.final['accuracy']:.3f}")


def _fitted_curve(axes, run, inputs, targets):
    network = TWINS[run.name].network
    points = to_pure(inputs) if run.name == "pure" else inputs
    axes.plot(inputs[:, 0], targets[:, 0], label="targets", linewidth=3, alpha=0.4)
    axes.plot(inputs[:, 0], np.asarray(network.predict(run.model, points))[:, 0], label="predictions")
    axes.set_title(f"{run.name}: loss {run.final['loss']:.2e}")
    axes.legend()


def _test_images(axes_grid, run, inputs, labels, class_names):
    """The first test images, then the first mistakes among the rest: each with its predicted label."""
    network = TWINS[run.name].network
    points = to_pure(inputs) if run.name == "pure" else inputs
    predicted = np.argmax(np.asarray(network.predict(run.model, points)), axis=1)
    first = 3 * len(axes_grid) // 4
    mistakes = [i for i in np.flatnonzero(predicted != labels) if i >= first]
    chosen = (list(range(first)) + mistakes)[:len(axes_grid)]
    side = int(round(np.sqrt(inputs.shape[1])))
    for axes, i in zip(axes_grid, chosen):
        axes.imshow(np.asarray(inputs[i]).reshape(side, side), cmap="gray_r")
        axes.set_xticks([])
        axes.set_yticks([])
        wrong = predicted[i] != labels[i]
        text = class_names[predicted[i]] + (f" (is {class_names[labels[i]]})" if wrong else "")
        axes.set_title(text, fontsize=7, color="red" if wrong else "black")
        for spine in axes.spines.values():
            spine.set_color("red" if wrong else "lightgray")
            spine.set_linewidth(2 if wrong else 1)


def training_figure(path, side_by_side, data_name):
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    from matplotlib import pyplot

    runs = list(side_by_side.twins.values())
    if side_by_side.data.test:
        figure = _image_figure(pyplot, side_by_side, data_name, runs)
    else:
        figure, axes = pyplot.subplots(1, 1 + len(runs), figsize=(5 * (1 + len(runs)), 4.5))
        _loss_curves(axes[0], runs)
        inputs, targets = side_by_side.data.train["vectorized" if "vectorized" in side_by_side.twins else "pure"]
        inputs, targets = np.asarray(inputs), np.asarray(targets)
        for run, panel in zip(runs, axes[1:]):
            if data_name == "sine":
                _fitted_curve(panel, run, inputs, targets)
            else:
                _decision_regions(panel, run, inputs, targets)
    figure.tight_layout()
    _save_atomically(figure, path)
    pyplot.close(figure)


def _image_figure(pyplot, side_by_side, data_name, runs):
    """Loss curves, then 4 x 8 test images as the last twin predicts them."""
    figure = pyplot.figure(figsize=(15, 5))
    grid = figure.add_gridspec(4, 12)
    _loss_curves(figure.add_subplot(grid[:, :4]), runs)
    run = runs[-1]
    inputs, labels = side_by_side.data.test[run.name]
    image_axes = [figure.add_subplot(grid[row, 4 + column]) for row in range(4) for column in range(8)]
    _test_images(image_axes, run, np.asarray(inputs), np.asarray(labels), DATASETS[data_name].classes)
    figure.suptitle(f"{run.name} twin: test accuracy {run.test['accuracy']:.4f}; mistakes in red", fontsize=10)
    return figure


def _loss_curves(axes, runs):
    for run, style in zip(runs, ["-", "--"]):
        axes.plot(range(1, len(run.epoch_losses) + 1), run.epoch_losses, style, label=run.name)
    axes.set_xlabel("epoch")
    axes.set_ylabel("training loss")
    axes.set_yscale("log")
    axes.set_title("loss per epoch")
    axes.legend()


def _save_atomically(figure, path):
    with files.replacing(path, suffix=".png") as temporary:
        figure.savefig(temporary, dpi=100, format="png")
