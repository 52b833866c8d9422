"""Figures for ``twinnet train --plot`` (needs matplotlib: pip install "twinnet[plot]").

One figure: the twins' loss curves on the left; then, for each twin, its
decision regions over the 2-D data (spiral, vertical), its fitted curve over
the targets (sine), or a grid of test images with predicted and true labels,
mistakes in red (mnist, fashion-mnist). A model whose layers include a conv2d
adds a row below: its first conv2d layer's filters, and one test image's feature
maps after that layer and the activation after it (cnn_panels; cnn_figure draws
them alone). Written to a temporary file and renamed, so an interrupted run
never leaves half a file; the format follows the extension (PNG, JPEG, PDF or
SVG), so the bytes are what the name says. A run that diverged is drawn up to
its last finite epoch.
"""

import pathlib
import warnings

import numpy as np

from twinnet import files
from twinnet.contract.twins import TWINS, to_pure
from twinnet.data import DATASETS
from vectorized import _checks

GRID = 250  # points per side of the decision-region grid: edges smooth at the saved size
# Okabe and Ito's palette, told apart by colour-blind readers too (black last: kept for marks).
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]


def _class_colours(n_classes):
    from matplotlib.colors import ListedColormap

    return ListedColormap([PALETTE[c % len(PALETTE)] for c in range(n_classes)])


def _predicted_classes(run, inputs):
    network = TWINS[run.name].network
    points = to_pure(inputs) if run.name == "pure" else inputs
    return np.argmax(np.asarray(network.predict(run.model, points)), axis=1)


def _decision_regions(axes, run, inputs, labels, test=None):
    """The plane coloured by the class the model predicts, the training points on it (misclassified ones
    ringed in black), and the held-out points as triangles when there are some."""
    every = inputs if test is None else np.vstack([inputs, test[0]])
    low, high = every.min(axis=0) - 0.1, every.max(axis=0) + 0.1
    xs, ys = np.meshgrid(np.linspace(low[0], high[0], GRID), np.linspace(low[1], high[1], GRID))
    n_classes = int(max(labels.max(), 0 if test is None else test[1].max())) + 1
    colours = _class_colours(n_classes)
    regions = _predicted_classes(run, np.column_stack([xs.ravel(), ys.ravel()])).reshape(xs.shape)
    axes.imshow(regions, origin="lower", extent=(low[0], high[0], low[1], high[1]), cmap=colours, vmin=-0.5,
                vmax=n_classes - 0.5, alpha=0.3, interpolation="nearest", aspect="auto")
    wrong = _predicted_classes(run, inputs) != labels
    for c in range(n_classes):
        mine = labels == c
        axes.scatter(inputs[mine, 0], inputs[mine, 1], s=14, color=colours(c), label=f"class {c}")
    axes.scatter(inputs[wrong, 0], inputs[wrong, 1], s=40, facecolors="none", edgecolors="black", linewidths=1,
                 label=f"wrong ({wrong.sum()} of {len(labels)} training points)")
    title = f"{run.name}: training accuracy {run.final['accuracy']:.3f}"
    if test is not None:
        axes.scatter(test[0][:, 0], test[0][:, 1], s=22, marker="^", c=[colours(c) for c in test[1]],
                     edgecolors="black", linewidths=0.5, label="held-out points")
        title += f", test {run.test['accuracy']:.3f}"
    axes.set_title(f"{title}\nregions: the class predicted there", fontsize=10)
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=3, fontsize=8, frameon=False)


def _fitted_curve(axes, run, inputs, targets, test=None):
    """The targets, the model's curve through the whole range, and the held-out points when there are some."""
    network = TWINS[run.name].network
    every = inputs if test is None else np.vstack([inputs, test[0]])
    xs = np.linspace(every[:, 0].min(), every[:, 0].max(), 400)[:, None]
    points = to_pure(xs) if run.name == "pure" else xs
    order = np.argsort(inputs[:, 0])
    axes.plot(inputs[order, 0], targets[order, 0], "o", markersize=3, color=PALETTE[0], label="training points")
    if test is not None:
        axes.plot(test[0][:, 0], test[1][:, 0], "^", markersize=5, color=PALETTE[1], label="held-out points")
    axes.plot(xs[:, 0], np.asarray(network.predict(run.model, points))[:, 0], color="black", linewidth=1.2,
              label="the model's curve")
    title = f"{run.name}: training loss {run.final['loss']:.2e}"
    if test is not None:
        title += f", test {run.test['loss']:.2e}"
    axes.set_title(title, fontsize=10)
    axes.set_xlabel("input")
    axes.set_ylabel("output")
    axes.legend(fontsize=8)


def _test_images(axes_grid, run, inputs, labels, class_names):
    """The first test images, then the first mistakes among the rest: each with its predicted label.
    Returns the predicted class of every test image."""
    predicted = _predicted_classes(run, inputs)
    first = 3 * len(axes_grid) // 4
    mistakes = [i for i in np.flatnonzero(predicted != labels) if i >= first]
    chosen = (list(range(min(first, len(inputs)))) + mistakes)[:len(axes_grid)]  # fewer images: fewer panels
    for axes, i in zip(axes_grid, chosen):
        axes.imshow(_picture(inputs[i]), cmap="gray_r")
        axes.set_xticks([])
        axes.set_yticks([])
        wrong = predicted[i] != labels[i]
        text = class_names[predicted[i]] + (f" (is {class_names[labels[i]]})" if wrong else "")
        axes.set_title(text, fontsize=8, color="#D55E00" if wrong else "black")
        for spine in axes.spines.values():
            spine.set_color("#D55E00" if wrong else "lightgray")
            spine.set_linewidth(2 if wrong else 1)
    return predicted


def _picture(sample):
    """One sample as a 2-D picture: its 784 features, or its image (1, 28, 28), as 28 x 28."""
    sample = np.asarray(sample, dtype=float)
    if sample.ndim == 3:
        return sample[0]
    side = int(round(np.sqrt(sample.size)))
    return sample.reshape(side, side)


# ---------------------------------------------------------------- a CNN's first layer
# What a learner wants to see of a convolutional network: what its first conv2d layer looks for (its
# filters, one small picture each, blue below 0 and red above on one scale for all), and what it
# finds in one image (that image's feature maps after the layer, and the activation after it).
PARAMETER_LAYERS = _checks.PARAMETER_LAYERS  # the layers with parameters: "weights{k}", "table{k}", ... k counts them
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "sigmoid", "linear")


def first_conv2d(model):
    """(index in the model's layers, the layer, k of its "weights{k}"), or None for a model without conv2d."""
    k = 0
    for index, layer in enumerate(model.get("layers", [])):
        if layer["type"] == "conv2d":
            return index, layer, k
        k += layer["type"] in PARAMETER_LAYERS
    return None


def _kernel(layer):
    kernel = layer["kernel"]
    return tuple(kernel) if isinstance(kernel, (list, tuple)) else (kernel, kernel)


def _filters(model):
    """The first conv2d layer's filters, (filters, channels, kernel_height, kernel_width), and its layer."""
    _, layer, k = first_conv2d(model)
    weights = np.asarray(model["params"][f"weights{k}"], dtype=float)  # (filters, channels * kh * kw)
    kernel = _kernel(layer)
    return weights.reshape(len(weights), -1, *kernel), layer


def feature_maps(model, image):
    """One image's feature maps after the first conv2d layer and the activations right after it.

    model: a model with a conv2d layer, of either twin    image: (channels, height, width)
    ->    (maps: (filters, out_height, out_width), the layers they come after: "conv2d, relu")
    """
    from vectorized import network

    index, _, _ = first_conv2d(model)
    model = {**model, "params": {name: np.asarray(value, dtype=float) for name, value in model["params"].items()}}
    layer_list = model["layers"]
    last = index
    while last + 1 < len(layer_list) and layer_list[last + 1]["type"] in ACTIVATIONS:
        last += 1
    inputs = np.asarray(image, dtype=float)[np.newaxis]
    _, cache = network.forward(model, inputs, [None] * len(layer_list))
    return cache[last]["outputs"][0], ", ".join(layer["type"] for layer in layer_list[index:last + 1])


def attention_maps(model, tokens):
    """One sequence's attention weights in each transformer block of a model.

    model: a sequence model, of either twin    tokens: (length,) ints, one sequence
    ->    a list with an entry per transformer block: (its index in the layers, weights
    (n_heads, length, length)), queries down, keys across; each row sums to 1 over the keys
    it may see (the causal mask: itself and those before it)
    """
    from vectorized import attention, network, normalization

    model = {**model, "params": {name: np.asarray(value, dtype=float) for name, value in model["params"].items()}}
    layer_list = model["layers"]
    _, cache = network.forward(model, np.asarray(tokens)[np.newaxis], [None] * len(layer_list))
    maps, k = [], 0
    for index, layer in enumerate(layer_list):
        if layer["type"] == "transformer_block":
            params = model["params"]
            normed = normalization.layer_norm(cache[index]["inputs"], params[f"attention_gamma{k}"],
                                              params[f"attention_beta{k}"])
            weights = attention.multi_head_attention_weights(normed, params[f"query_weights{k}"],
                                                             params[f"key_weights{k}"], layer["heads"],
                                                             attention.causal_mask(len(tokens)))
            maps.append((index, weights[0]))
        k += layer["type"] in PARAMETER_LAYERS
    return maps


def _sort_figure(pyplot, side_by_side, sort):
    """Loss curves, and the attention weights of the first held-out sequence: a panel per head, a row per block."""
    run = list(side_by_side.twins.values())[-1]
    tokens = np.asarray(side_by_side.data.test[run.name][0])[0]
    maps = attention_maps(run.model, tokens)
    n_heads = max((len(weights) for _, weights in maps), default=1)
    figure = pyplot.figure(figsize=(4.5 + 3.6 * n_heads, 0.6 + 3.4 * max(1, len(maps))))
    grid = figure.add_gridspec(max(1, len(maps)), 1 + n_heads, width_ratios=[1.4] + [1] * n_heads)
    _loss_curves(figure.add_subplot(grid[:, 0]), list(side_by_side.twins.values()))
    names = ["|" if token == sort["symbols"] else str(token) for token in tokens]
    for row, (index, weights) in enumerate(maps):
        for head, head_weights in enumerate(weights):
            axes = figure.add_subplot(grid[row, 1 + head])
            axes.imshow(head_weights, cmap="viridis", vmin=0, vmax=1)
            axes.set_xticks(range(len(names)), names, fontsize=7)
            axes.set_yticks(range(len(names)), names, fontsize=7)
            axes.set_title(f"layers[{index}], head {head + 1}", fontsize=9)
            if head == 0:
                axes.set_ylabel("query (predicts the next token)", fontsize=8)
            if row == len(maps) - 1:
                axes.set_xlabel("key", fontsize=8)
    figure.suptitle(f"{run.name} twin: attention of a held-out sequence (digits, | the separator, the sorted "
                    f"digits); each row sums to 1", fontsize=10)
    return figure


def _grid_shape(n):
    """Rows and columns for n small pictures: the most even exact split (16: 4 x 4, 8: 2 x 4), unless it is
    thinner than 1 row to 3 columns, then nearly square."""
    rows = max(r for r in range(1, int(np.sqrt(n)) + 1) if n % r == 0)
    if n // rows > 3 * rows:
        rows = int(np.ceil(np.sqrt(n / 2)))
    return rows, int(np.ceil(n / rows))


def _small_pictures(figure, spec, pictures, cmap, low, high, title):
    """A grid of pictures in the region spec of figure, on one colour scale, with a colour bar at the right."""
    rows, columns = _grid_shape(len(pictures))
    grid = spec.subgridspec(rows, columns + 1, width_ratios=[1] * columns + [0.25], wspace=0.1, hspace=0.3)
    for i in range(rows * columns):
        axes = figure.add_subplot(grid[i // columns, i % columns])
        axes.set_xticks([])
        axes.set_yticks([])
        if i >= len(pictures):
            axes.axis("off")
            continue
        shown = axes.imshow(pictures[i], cmap=cmap, vmin=low, vmax=high, interpolation="nearest")
        axes.set_title(str(i), fontsize=7, pad=2)  # filter i makes feature map i
        for spine in axes.spines.values():
            spine.set_color("lightgray")
    bar = figure.add_subplot(grid[:, columns])
    figure.colorbar(shown, cax=bar)
    bar.tick_params(labelsize=7)
    title_axes = figure.add_subplot(spec)
    title_axes.axis("off")
    title_axes.set_title(title, fontsize=10, pad=14)  # above the pictures' numbers


def _side_by_side(filters):
    """Each filter as one picture: its channels side by side, a blank column between them."""
    filters = np.asarray(filters, dtype=float)
    n, channels, height, width = filters.shape
    gap = np.full((n, height, 1), np.nan)
    pieces = []
    for c in range(channels):
        pieces += [gap] * (c > 0) + [filters[:, c]]
    return np.concatenate(pieces, axis=2)


def cnn_panels(figure, spec, model, images, labels, predictions, class_names=None, index=0):
    """Draw, in the region spec of figure, a CNN's first conv2d layer: the image, its filters, its feature maps.

    figure: a matplotlib figure    spec: a SubplotSpec of it (a gridspec's cell or cells)
    model: a model with a conv2d layer (create_layers), of either twin
    images: test images (n_samples, channels, height, width)    labels, predictions: (n_samples,) class indices
    class_names: a name per class, or None for the digits    index: which test image is shown
    """
    images = np.asarray(images, dtype=float)
    label, predicted = int(labels[index]), int(predictions[index])
    names = class_names or [str(c) for c in range(max(label, predicted) + 1)]
    filters, layer = _filters(model)
    maps, after = feature_maps(model, images[index])
    left, middle, right = spec.subgridspec(1, 3, width_ratios=[1, 3, 3], wspace=0.12)

    image_axes = figure.add_subplot(left)
    image_axes.imshow(_picture(images[index]), cmap="gray_r")
    image_axes.set_xticks([])
    image_axes.set_yticks([])
    wrong = predicted != label
    image_axes.set_title(f"test image {index}\n(mistaken)" if wrong else f"test image {index}", fontsize=10,
                         color="red" if wrong else "black")
    for spine in image_axes.spines.values():
        spine.set_color("red" if wrong else "lightgray")
        spine.set_linewidth(2 if wrong else 1)

    height, width = filters.shape[2:]
    channels = "" if filters.shape[1] == 1 else f", {filters.shape[1]} channels side by side"
    largest = float(np.nanmax(np.abs(filters))) or 1.0  # one scale, centred on 0: white is 0
    _small_pictures(figure, middle, _side_by_side(filters), "RdBu_r", -largest, largest,
                    f"the first layer's {len(filters)} filters ({height}x{width}{channels})\n"
                    "red: weight > 0, blue: < 0")

    if np.all(maps >= 0):
        low, high, cmap = 0.0, float(maps.max()) or 1.0, "gray_r"
    else:
        high = float(np.abs(maps).max()) or 1.0
        low, cmap = -high, "RdBu_r"
    _small_pictures(figure, right, maps, cmap, low, high,
                    f"test image {index}, label {names[label]}, predicted {names[predicted]}:\n"
                    f"its {len(maps)} feature maps after {after} ({maps.shape[1]}x{maps.shape[2]})")


def cnn_figure(path, model, images, labels, predictions, class_names=None, index=0):
    """Draw a CNN's first conv2d layer into ``path`` (format from its extension): one test image, the layer's
    filters, and the image's feature maps after it. Arguments as for cnn_panels."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib import pyplot

        figure = pyplot.figure(figsize=(15, 4.5))
        cnn_panels(figure, figure.add_gridspec(1, 1)[0], model, images, labels, predictions, class_names, index)
        figure.subplots_adjust(left=0.02, right=0.97, top=0.82, bottom=0.04)
        _save_atomically(figure, path)
        pyplot.close(figure)


def training_figure(path, side_by_side, data_name, sort=None):
    """Draw the run's figure into ``path``, in the format its extension names (see PLOT_FORMATS).

    sort: for --data sort, its {"length", "symbols", ...}: the figure shows attention weights."""
    # A model from just before a divergence can predict inf or NaN: its panel shows
    # what it predicts, and NumPy's and matplotlib's warnings about it are not the
    # user's business (the run already said it diverged).
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        _draw(path, side_by_side, data_name, sort)


def _draw(path, side_by_side, data_name, sort=None):
    import matplotlib

    matplotlib.use("Agg")  # files only: no window, no display needed
    from matplotlib import pyplot

    runs = list(side_by_side.twins.values())
    if sort is not None:
        figure = _sort_figure(pyplot, side_by_side, sort)
    elif data_name in DATASETS:  # images
        figure = _image_figure(pyplot, side_by_side, data_name, runs)
    else:
        figure, axes = pyplot.subplots(1, 1 + len(runs), figsize=(5 * (1 + len(runs)), 5.6))
        _loss_curves(axes[0], runs)
        name = "vectorized" if "vectorized" in side_by_side.twins else "pure"
        inputs, targets = (np.asarray(values) for values in side_by_side.data.train[name])
        test = side_by_side.data.test and tuple(np.asarray(values) for values in side_by_side.data.test[name])
        for run, panel in zip(runs, axes[1:]):
            if data_name == "sine":
                _fitted_curve(panel, run, inputs, targets, test or None)
            else:
                _decision_regions(panel, run, inputs, targets, test or None)
    if first_conv2d(runs[-1].model) is None:  # a CNN's figure is laid out by _image_figure
        figure.tight_layout()
    _save_atomically(figure, path)
    pyplot.close(figure)


def _image_figure(pyplot, side_by_side, data_name, runs):
    """Loss curves, then 4 x 8 test images as the last twin predicts them; for a CNN, a row of its
    first layer below (cnn_panels)."""
    run = runs[-1]
    convolutional = first_conv2d(run.model) is not None
    figure = pyplot.figure(figsize=(15, 9.5 if convolutional else 5))
    if convolutional:  # laid out here: tight_layout does not see into the grids within grids of cnn_panels
        rows = figure.add_gridspec(2, 1, height_ratios=[5, 4.5], hspace=0.28, left=0.07, right=0.96, top=0.93,
                                   bottom=0.02)
        grid = rows[0].subgridspec(4, 12, hspace=0.5, wspace=0.4)
    else:
        grid = figure.add_gridspec(4, 12)
    _loss_curves(figure.add_subplot(grid[:, :4]), runs)
    inputs, labels = side_by_side.data.test[run.name]
    inputs, labels = np.asarray(inputs), np.asarray(labels)
    image_axes = [figure.add_subplot(grid[row, 4 + column]) for row in range(4) for column in range(8)]
    predicted = _test_images(image_axes, run, inputs, labels, DATASETS[data_name].classes)
    if convolutional:
        cnn_panels(figure, rows[1], run.model, inputs, labels, predicted, DATASETS[data_name].classes)
    n_first = 3 * len(image_axes) // 4
    figure.suptitle(f"{run.name} twin: test accuracy {run.test['accuracy']:.4f}. The first {n_first} test images, "
                    f"then (last row) {len(image_axes) - n_first} the model got wrong among the rest, chosen on "
                    f"purpose; a mistake is red, with its true class", fontsize=10)
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
    from matplotlib.ticker import LogFormatterSciNotation, LogLocator, MaxNLocator

    axes.set_xlabel("epoch")
    axes.set_ylabel("training loss (log scale)")
    axes.set_yscale("log")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    n_epochs = max((len(run.epoch_losses) for run in runs), default=1)
    if n_epochs < 10:  # a few epochs: a tick at each, not fractions around them
        axes.set_xlim(0.5, n_epochs + 0.5)
        axes.set_xticks(range(1, n_epochs + 1))
    axes.yaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axes.yaxis.set_major_formatter(LogFormatterSciNotation(labelOnlyBase=False))
    axes.set_title("training loss per epoch, each twin", fontsize=10)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend()


def _save_atomically(figure, path):
    from twinnet.train import PLOT_FORMATS

    extension = pathlib.Path(path).suffix.lower()
    with files.replacing(path, suffix=extension) as temporary:
        figure.savefig(temporary, dpi=100, format=PLOT_FORMATS[extension])
