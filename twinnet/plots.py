"""Figures for ``twinnet train --plot`` (needs matplotlib: pip install "twinnet[plot]").

One figure: the twins' loss curves on the left; then, for each twin, its
decision regions over the 2-D data (spiral, vertical), its fitted curve over
the targets (sine), or a grid of test images with predicted and true labels,
mistakes in red (mnist, fashion-mnist). Written to a temporary file and renamed, so an interrupted
run never leaves half a file; the format follows the extension (PNG, JPEG, PDF or SVG), so the
bytes are what the name says. A run that diverged is drawn up to its last finite epoch.
"""

import pathlib
import warnings

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
    """Draw the run's figure into ``path``, in the format its extension names (see PLOT_FORMATS)."""
    # A model from just before a divergence can predict inf or NaN: its panel shows
    # what it predicts, and NumPy's and matplotlib's warnings about it are not the
    # user's business (the run already said it diverged).
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        _draw(path, side_by_side, data_name)


def _draw(path, side_by_side, data_name):
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
        losses = np.array(run.epoch_losses, dtype=float)
        losses[~np.isfinite(losses) | (losses <= 0)] = np.nan  # a log scale shows no gaps as zeros
        axes.plot(range(1, len(losses) + 1), losses, style, label=run.name, marker="o" if len(losses) < 30 else None,
                  markersize=3)
    where = {}  # epoch -> the twins that diverged there
    for run in runs:
        if run.diverged:
            where.setdefault(run.diverged.epoch, []).append(run.name)
    for epoch, names in where.items():
        who = "" if len(names) == len(runs) else f" ({', '.join(names)})"
        axes.axvline(epoch, color="red", linestyle=":", linewidth=1)
        axes.annotate(f"diverged at epoch {epoch}{who}", (epoch, 0.5), xycoords=("data", "axes fraction"),
                      rotation=90, color="red", fontsize=8, ha="right", va="center")
    axes.set_xlabel("epoch")
    axes.set_ylabel("training loss")
    axes.set_yscale("log")
    axes.set_title("loss per epoch")
    axes.legend()


def _save_atomically(figure, path):
    from twinnet.train import PLOT_FORMATS

    extension = pathlib.Path(path).suffix.lower()
    with files.replacing(path, suffix=extension) as temporary:
        figure.savefig(temporary, dpi=100, format=PLOT_FORMATS[extension])
