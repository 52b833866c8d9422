"""Figures for ``twinnet train --plot`` (needs matplotlib: pip install "twinnet[plot]").

One figure: the twins' loss curves on the left; then, for each twin, its
decision regions over the 2-D data (spiral, vertical) or its fitted curve over
the targets (sine). Written to a temporary file and renamed, so an interrupted
run never leaves half a PNG.
"""

import os
import tempfile

import numpy as np

from twinnet.twins import TWINS, to_pure

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


def training_figure(path, side_by_side, data_name):
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    from matplotlib import pyplot

    runs = list(side_by_side.twins.values())
    figure, axes = pyplot.subplots(1, 1 + len(runs), figsize=(5 * (1 + len(runs)), 4.5))
    for run, style in zip(runs, ["-", "--"]):
        axes[0].plot(range(1, len(run.epoch_losses) + 1), run.epoch_losses, style, label=run.name)
    axes[0].set_xlabel("epoch")
    axes[0].set_ylabel("training loss")
    axes[0].set_yscale("log")
    axes[0].set_title("loss per epoch")
    axes[0].legend()
    inputs, targets = side_by_side.data["vectorized"]
    for run, panel in zip(runs, axes[1:]):
        if data_name == "sine":
            _fitted_curve(panel, run, inputs, targets)
        else:
            _decision_regions(panel, run, inputs, targets)
    figure.tight_layout()
    folder = os.path.dirname(os.path.abspath(path))
    handle, temporary = tempfile.mkstemp(prefix=".twinnet-", suffix=".png", dir=folder)
    os.close(handle)
    try:
        figure.savefig(temporary, dpi=100)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
    finally:
        pyplot.close(figure)
