"""``twinnet train``: one network trained with both twins from one seed, side by side.

The same data and the same initial model go to ``pure.network`` and
``vectorized.network``; each epoch runs in both, and the step losses are
compared as they come. :class:`SideBySide` holds, for every twin that ran, its
loss curve, its final loss and accuracy, and its time per epoch; :func:`command`
prints them as a table (or JSON), and saves and plots what the flags ask for.

Every path the flags name is checked before any data is read or any epoch
runs. A run ends in one of three ways, each with its exit code: it finishes
(0); it diverges, when a step's loss or a parameter stops being finite: both
twins stop at that step, the table says so, and nothing is saved (1); or it
is interrupted with Ctrl-C, and the summary so far is printed (130).
"""

import importlib.util
import json
import math
import pathlib
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from twinnet import UsageError, files
from twinnet.contract.twins import TWINS, to_pure
from twinnet.data import locate_files

EXIT_DIVERGED = 1
EXIT_INTERRUPTED = 130  # what a shell reports for Ctrl-C: 128 + SIGINT

# What --plot writes: the formats every matplotlib from 3.5 on writes, chosen by the extension.
PLOT_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".pdf": "pdf", ".svg": "svg"}

# What each data set trains by default. For spiral: >= 0.90 training accuracy in
# both twins in well under a minute on 2 cores, a fifth of the points held out.
# Larger steps make the full-batch trajectory chaotic: the twins' last-bit
# differences then grow tenfold every few dozen epochs. On the 240 training
# points: lr 0.02 for 800 epochs ends 2.9e-9 apart, lr 0.015 1.5e-8, lr 0.01
# for 900 epochs 5.2e-10 (on all 300 points, lr 0.02 stayed near 1e-11).
# The held-out accuracy, near 0.63, shows what 240 noisy points teach a
# network of 64: it fits the training points, not the arms.
DATA_DEFAULTS = {
    "spiral": {"task": "classification", "samples": 100, "classes": 3, "hidden": [64], "lr": 0.01, "epochs": 900,
               "test_fraction": 0.2},
    "vertical": {"task": "classification", "samples": 100, "classes": 3, "hidden": [64], "lr": 0.05, "epochs": 100,
                 "test_fraction": 0.2},
    # Sine: 100 points keep the pure twin near 2.5 minutes; at lr 0.003 Adam
    # descends without the loss spikes that the book's lr 0.005 shows here.
    "sine": {"task": "regression", "samples": 100, "classes": None, "hidden": [64, 64], "lr": 0.003, "epochs": 1000,
             "test_fraction": 0.2},
    # The real data sets: the vectorized twin in float32, mini-batches of 128.
    "mnist": {"task": "classification", "samples": None, "classes": 10, "hidden": [512, 256], "lr": 0.001,
              "epochs": 15, "batch_size": 128, "dropout": 0.2},
    "fashion-mnist": {"task": "classification", "samples": None, "classes": 10, "hidden": [512, 256], "lr": 0.001,
                      "epochs": 20, "batch_size": 128, "dropout": 0.2},
}
REAL_DATA = ("mnist", "fashion-mnist")

# --data sort: sort 8 digits of 10 symbols (0-9) with a small decoder-only transformer that reads the
# digits, a separator, and writes the sorted digits one at a time (data.sort_digits). 10**8 inputs:
# too many to learn by heart. The vectorized twin trains it in float32 (Adam, lr 0.001 with decay
# 1e-3, batches of 64, 10 epochs of 20,000 sequences: about 15 s an epoch on 2 cores); held-out
# sequences are answered by greedy decoding and scored whole: 0.999 of them exactly right (seed 0).
# With decay 1e-4 the loss spiked late (6 epochs: 0.767), hence the stronger decay.
DEFAULT_TRANSFORMER = [
    {"type": "embedding", "width": 64}, {"type": "positional_encoding"},
    {"type": "transformer_block", "heads": 4, "hidden": 128}, {"type": "transformer_block", "heads": 4, "hidden": 128},
    {"type": "layer_norm"}, {"type": "dense", "units": 11},
]
SORT = {"length": 8, "symbols": 10, "test_samples": 1000}
DATA_DEFAULTS["sort"] = {"task": "classification", "samples": 20000, "classes": None, "hidden": None,
                         "layers": DEFAULT_TRANSFORMER, "lr": 0.001, "decay": 0.001, "epochs": 10, "batch_size": 64}
# When the pure twin trains the transformer (--twin pure or both): 4 digits of 5 symbols, one block
# of width 16 with 2 heads, on 960 sequences for 12 epochs; its loops take about 5 s an epoch on 2
# cores, and the model sorts about 98% of held-out sequences exactly.
PURE_TRANSFORMER = [
    {"type": "embedding", "width": 16}, {"type": "positional_encoding"},
    {"type": "transformer_block", "heads": 2, "hidden": 32}, {"type": "layer_norm"}, {"type": "dense", "units": 6},
]
PURE_SORT = {"length": 4, "symbols": 5, "test_samples": 200}
PURE_SORT_SUBSET = {"samples": 960, "layers": PURE_TRANSFORMER, "lr": 0.003, "decay": 0.0, "epochs": 12,
                    "batch_size": 16}
SEQUENCE_DATA = ("sort",)

# When the pure twin trains on real data: a subset and a network its loops can
# train in minutes (784-32-10 on 2,000 images: about 10 s an epoch).
PURE_SUBSET = {"train_limit": 2000, "test_limit": 1000, "hidden": [32], "lr": 0.002, "epochs": 8, "batch_size": 32,
               "dropout": 0.0}

# --model cnn: a small convolutional network for the images, trained in the vectorized twin
# (float32, Adam at lr 0.001 with decay 2e-4, mini-batches of 64). One epoch of 60,000 images takes
# about 70 s on 2 cores, so 7 epochs of MNIST fit in 10 minutes: measured 0.9906 test accuracy in
# 8 min 49 s (dense 64 without dropout or decay, 6 epochs: 0.9881).
DEFAULT_CNN = [
    {"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "max_pool2d", "size": 2},
    {"type": "conv2d", "filters": 32, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "max_pool2d", "size": 2},
    {"type": "flatten"}, {"type": "dense", "units": 128}, {"type": "relu"}, {"type": "dropout", "rate": 0.25},
    {"type": "dense", "units": 10},
]
CNN_DEFAULTS = {
    "mnist": {"layers": DEFAULT_CNN, "lr": 0.001, "decay": 0.0002, "epochs": 7, "batch_size": 64, "dropout": 0.0},
    "fashion-mnist": {"layers": DEFAULT_CNN, "lr": 0.001, "decay": 0.0002, "epochs": 7, "batch_size": 64,
                      "dropout": 0.0},
}
# When the pure twin trains a CNN (--model cnn, or --layers that take images): a subset and a tiny
# CNN its loops train in under a minute (conv2d 4 3x3, relu, max_pool2d 2, flatten, dense 10 on
# 300 images: about 6 s an epoch on 2 cores).
PURE_CNN = [{"type": "conv2d", "filters": 4, "kernel": 3}, {"type": "relu"}, {"type": "max_pool2d", "size": 2},
            {"type": "flatten"}, {"type": "dense", "units": 10}]
PURE_CNN_SUBSET = {"train_limit": 300, "test_limit": 150, "layers": PURE_CNN, "lr": 0.002, "epochs": 5,
                   "batch_size": 20, "dropout": 0.0}
IMAGE_SIDES = [1, 28, 28]  # one MNIST or Fashion-MNIST image, as a convolutional network takes it
# The layer types that take images: a --layers list that starts with one of them gets images on real data.
IMAGE_LAYER_TYPES = ("conv2d", "max_pool2d", "avg_pool2d", "flatten")


def as_vectorized_model(model, dtype="float64"):
    """A model (from either twin) with its parameters as arrays of ``dtype``."""
    return {**model, "params": {name: np.array(array, dtype=dtype) for name, array in model["params"].items()}}


@dataclass
class Data:
    """A data set in each twin's representation: train[twin] = (inputs, targets), test likewise or None."""

    train: dict
    test: dict = None
    n_inputs: int = 0
    n_outputs: int = 0


def load_data(name, twin_names, samples=None, classes=None, seed=0, data_dir=None, train_limit=None,
              test_limit=None, dtype="float64", sort=None, test_fraction=0.0):
    """Generate or read a data set for the twins that will run.

    test_fraction: of a generated set (spiral, vertical, sine), the part held out for testing, drawn
    from the seed by data.train_test_split in each twin (the same samples); 0 holds out nothing.

    sort: for --data sort, {"length", "symbols", "test_samples"}; the held-out sequences are drawn
    with the seed seed + 1, the training sequences with seed.
    """
    if name in SEQUENCE_DATA:
        def split(n_samples, split_seed):
            return {twin: TWINS[twin].data.sort_digits(n_samples, sort["length"], sort["symbols"], split_seed)
                    for twin in twin_names}
        return Data(split(samples, seed), split(sort["test_samples"], seed + 1),
                    {"length": 2 * sort["length"], "vocabulary": sort["symbols"] + 1}, sort["symbols"] + 1)
    if name in REAL_DATA:
        found = locate_files(name, data_dir)
        splits = {}
        for split, limit in (("train", train_limit), ("test", test_limit)):
            paths = found[split]
            splits[split] = {}
            if "vectorized" in twin_names:
                splits[split]["vectorized"] = TWINS["vectorized"].data.load_idx(*paths, limit, dtype)
            if "pure" in twin_names:
                splits[split]["pure"] = TWINS["pure"].data.load_idx(*paths, limit)
        any_twin = twin_names[0]
        n_inputs = len(splits["train"][any_twin][0][0])
        return Data(splits["train"], splits["test"], n_inputs, 10)
    make = getattr(TWINS["vectorized"].data, name)
    inputs, targets = make(samples) if name == "sine" else make(samples, classes, seed)
    inputs = inputs.astype(dtype)
    targets = targets.astype(dtype) if name == "sine" else targets
    n_outputs = targets.shape[1] if name == "sine" else classes
    twins = {"vectorized": (inputs, targets), "pure": (to_pure(inputs), to_pure(targets))}
    if not test_fraction:
        return Data(twins, None, inputs.shape[1], n_outputs)
    splits = {twin: TWINS[twin].data.train_test_split(*data, test_fraction, seed) for twin, data in twins.items()}
    return Data({twin: split[:2] for twin, split in splits.items()}, {twin: split[2:] for twin, split in splits.items()},
                inputs.shape[1], n_outputs)


def as_images(data, sides):
    """The data with each sample's features as an image [channels, height, width] (what a CNN takes)."""
    channels, height, width = sides

    def reshaped(name, inputs):
        if name == "vectorized":
            return inputs.reshape(len(inputs), channels, height, width)
        return [[[row[(c * height + r) * width:(c * height + r + 1) * width] for r in range(height)]
                 for c in range(channels)] for row in inputs]

    def split(twins):
        return {name: (reshaped(name, inputs), targets) for name, (inputs, targets) in twins.items()}

    return Data(split(data.train), split(data.test) if data.test else None, data.n_inputs, data.n_outputs)


@dataclass
class TwinRun:
    """One twin's progress: its model, optimizer state, losses and time."""

    name: str
    model: object
    state: object = None
    epoch_losses: list = field(default_factory=list)
    epoch_accuracies: list = field(default_factory=list)
    step_losses: list = field(default_factory=list)
    seconds: float = 0.0
    epochs_done: int = 0
    final: dict = field(default_factory=dict)
    test: dict = None
    diverged: "Divergence" = None

    @property
    def seconds_per_epoch(self):
        return self.seconds / self.epochs_done if self.epochs_done else float("nan")


@dataclass(frozen=True)
class Divergence:
    """Where a twin's training stopped being finite: epoch and step counted from 1, as the table counts."""

    epoch: int
    step: int
    loss: float
    reason: str  # the network's words: "the loss was nan", "the update made weights1[0][2] inf (...)"
    parameter: str = None
    value: float = None

    @classmethod
    def of(cls, error):
        """From a network's Diverged (either twin's), whose epoch and step count from 0."""
        return cls(error.epoch + 1, error.step + 1, float(error.loss), error.reason, error.parameter,
                   None if error.value is None else float(error.value))

    def where(self):
        """ "at epoch 2 (loss was nan)", or "at epoch 2 (the update made weights0[1][0] inf)". """
        if self.parameter is None:
            return f"at epoch {self.epoch} (loss was {self.loss!r})"
        return f"at epoch {self.epoch} (the update made {self.parameter} {self.value!r})"

    def as_json(self):
        return {"epoch": self.epoch, "step": self.step, "loss": self.loss, "reason": self.reason}

    def same_as(self, other):
        """The same place and the same reason (NaN is not equal to itself, so the loss is compared as words)."""
        return (self.epoch, self.step, self.reason, self.parameter) == \
            (other.epoch, other.step, other.reason, other.parameter)


@dataclass
class SideBySide:
    """Both twins (or one) training the same model on the same data."""

    twins: dict
    data: dict
    optimizer: str
    hyperparameters: dict
    batch_size: object
    seed: int
    largest_difference: float = 0.0
    largest_relative_difference: float = 0.0
    evaluation_batch: int = 2_000
    on_step: object = None  # None, or called after each step: (twin, epoch, steps done, steps, seconds so far)

    @classmethod
    def start(cls, model, twin_names, data, optimizer, hyperparameters, batch_size, seed, dtype="float64"):
        """Every twin starts from the same model (converted to its own representation)."""
        twins = {}
        for name in twin_names:
            twins[name] = TwinRun(name, to_pure(model) if name == "pure" else as_vectorized_model(model, dtype))
        return cls(twins, data, optimizer, hyperparameters, batch_size, seed)

    def run_epoch(self, epoch):
        """One epoch in each twin, then the step losses compared.

        A twin whose training diverges keeps the model and state from before the
        step that diverged (finite), and its ``diverged`` says where; its other
        twin still runs this epoch, so that both are seen to stop at the same step.
        """
        for run in self.twins.values():
            network = TWINS[run.name].network
            inputs, targets = self.data.train[run.name]
            started = time.perf_counter()
            on_step = None
            if self.on_step is not None:
                def on_step(done, steps, name=run.name):
                    self.on_step(name, epoch, done, steps, time.perf_counter() - started)
            try:
                run.model, run.state, metrics = network.train_epoch(
                    run.model, inputs, targets, self.optimizer, run.state, self.hyperparameters, self.batch_size,
                    self.seed, epoch, on_step)
            except network.Diverged as error:
                run.model, run.state, run.diverged = error.model, error.state, Divergence.of(error)
                run.step_losses.extend(error.step_losses[:-1])  # the finite ones; the last is not
                continue
            run.seconds += time.perf_counter() - started
            run.epochs_done += 1
            run.epoch_losses.append(metrics["loss"])
            run.epoch_accuracies.append(metrics["accuracy"])
            run.step_losses.extend(metrics["step_losses"])
        if len(self.twins) == 2:
            pure, vectorized = (self.twins[name].step_losses for name in ("pure", "vectorized"))
            common = min(len(pure), len(vectorized))
            if common:
                pure, vectorized = np.array(pure[:common]), np.array(vectorized[:common])
                differences = np.abs(pure - vectorized)
                self.largest_difference = float(differences.max())
                self.largest_relative_difference = float(
                    (differences / np.maximum(np.abs(vectorized), 1e-300)).max())

    @property
    def diverged(self):
        """{twin name: Divergence} of the twins whose training diverged."""
        return {name: run.diverged for name, run in self.twins.items() if run.diverged}

    def finish(self):
        """Evaluate every twin's model on the training data (and test data, if any), without dropout."""
        for run in self.twins.values():
            network = TWINS[run.name].network
            # In batches, so that 60,000 images need the activations of 2,000 (a CNN's: 500) at a time.
            run.final = network.evaluate(run.model, *self.data.train[run.name], batch_size=self.evaluation_batch)
            if self.data.test:
                run.test = network.evaluate(run.model, *self.data.test[run.name], batch_size=self.evaluation_batch)
        return self

    def summary(self):
        """The run as plain data: what ``twinnet train --json`` prints."""
        twins = {}
        for name, run in self.twins.items():
            twins[name] = {"loss": run.final.get("loss"), "accuracy": run.final.get("accuracy"),
                           "seconds_per_epoch": run.seconds_per_epoch, "epochs": run.epochs_done,
                           "diverged": run.diverged.as_json() if run.diverged else None}
            if run.test:
                twins[name].update({"test_loss": run.test["loss"], "test_accuracy": run.test["accuracy"]})
        result = {"twins": twins}
        if len(self.twins) == 2:
            result["largest_loss_difference"] = self.largest_difference
            result["largest_relative_loss_difference"] = self.largest_relative_difference
            pure, vectorized = self.twins["pure"], self.twins["vectorized"]
            timed = pure.epochs_done and vectorized.epochs_done and vectorized.seconds
            result["speedup"] = pure.seconds_per_epoch / vectorized.seconds_per_epoch if timed else None
        return result


# ---------------------------------------------------------------- the command

# The flags that describe the network; with --load, the file does. Their values when not given.
ARCHITECTURE_DEFAULTS = {"activation": "relu", "init": "he", "l1": 0.0, "l2": 0.0}


def _settings(args):
    """The flags, with each data set's defaults filled in where a flag was not given."""
    real, sequences = args.data in REAL_DATA, args.data in SEQUENCE_DATA
    twin = args.twin or ("vectorized" if real or sequences else "both")
    names = ["pure", "vectorized"] if twin == "both" else [twin]
    layer_list = _layer_flags(args)
    images = args.model == "cnn" or bool(layer_list and isinstance(layer_list[0], dict)
                                          and layer_list[0].get("type") in IMAGE_LAYER_TYPES)
    defaults = dict(DATA_DEFAULTS[args.data])
    if args.model == "cnn":
        defaults.update(CNN_DEFAULTS[args.data])
    if real and "pure" in names:
        defaults.update(PURE_CNN_SUBSET if images else PURE_SUBSET)
    if sequences and "pure" in names:
        defaults.update(PURE_SORT_SUBSET)
    sort = dict(PURE_SORT if sequences and "pure" in names else SORT)
    sort.update({flag: getattr(args, flag) for flag in ("length", "symbols") if getattr(args, flag) is not None})
    if sequences:  # the default transformer's last layer: a logit per token of the vocabulary
        defaults["layers"] = [*defaults["layers"][:-1], {"type": "dense", "units": sort["symbols"] + 1}]
    if layer_list is not None:
        defaults["layers"] = layer_list
    for flag, applies in (("samples", not real), ("classes", args.data in ("spiral", "vertical")),
                          ("train_limit", real), ("test_limit", real), ("data_dir", real),
                          ("length", sequences), ("symbols", sequences),
                          ("test_fraction", not real and not sequences)):
        if getattr(args, flag) is not None and not applies:
            raise UsageError(f"--{flag.replace('_', '-')} does not apply to --data {args.data}")
    dtype = args.dtype or ("float32" if (real or sequences) and names == ["vectorized"] else "float64")
    if dtype == "float32" and "pure" in names:
        raise UsageError("--dtype float32 is for the vectorized twin alone: the pure twin computes in Python "
                         "floats (doubles), and the twins are compared in float64")
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    hyperparameters = {"lr": args.lr or defaults["lr"]}
    decay = defaults.get("decay", 0.0) if args.decay is None else args.decay
    if decay:
        hyperparameters["decay"] = decay
    architecture = {flag: default if getattr(args, flag, None) is None else getattr(args, flag)
                    for flag, default in ARCHITECTURE_DEFAULTS.items()}
    return {
        "real": real, "names": names, "task": defaults["task"], "dtype": dtype, "epochs": epochs,
        "samples": args.samples or defaults["samples"], "classes": args.classes or defaults["classes"],
        "hidden": args.hidden or defaults["hidden"], "hyperparameters": hyperparameters,
        "batch_size": args.batch_size or defaults.get("batch_size"),
        "dropout": defaults.get("dropout", 0.0) if args.dropout is None else args.dropout,
        "train_limit": args.train_limit or defaults.get("train_limit"),
        "test_limit": args.test_limit or defaults.get("test_limit"),
        "every": args.every or (1 if real or sequences else max(1, epochs // 10)),
        "layers": defaults.get("layers"), "images": images and real, "sequences": sequences, "sort": sort,
        "test_fraction": defaults.get("test_fraction", 0.0) if args.test_fraction is None else args.test_fraction,
        **architecture,
    }


def _layer_flags(args):
    """The layer list of --layers (None without it), refused in one line if it cannot be read or
    another flag describes the network too. Checked against the data only when the model is made."""
    if args.model == "cnn" and args.data not in REAL_DATA:
        raise UsageError(f"--model cnn is for images (--data mnist or fashion-mnist), not --data {args.data}: "
                         "give --layers to train a list of layers on it")
    given = [flag for flag in ("hidden", "activation", "dropout") if getattr(args, flag) is not None]
    if args.layers is None:
        if args.model == "cnn" and given:
            raise UsageError(f"--model cnn and --{given[0]} cannot be given together: the CNN is a list of layers "
                             "(--layers describes another one)")
        return None
    if given:
        raise UsageError(f"--layers and --{given[0]} cannot be given together: the layer list gives the whole "
                         "network (put its activations and dropout layers in the list)")
    if args.model is not None:
        raise UsageError(f"--layers and --model {args.model} cannot be given together: the layer list is the model")
    if args.load:
        raise UsageError("--layers and --load cannot be given together: the file gives the network")
    text = args.layers
    if not text.lstrip().startswith(("[", "{")):
        try:
            text = pathlib.Path(args.layers).read_text()
        except OSError as error:
            raise UsageError(f"--layers {args.layers}: expected a JSON list of layers or a .json file holding "
                             f"one, but cannot read that file: {error.strerror or error}") from None
    try:
        value = json.loads(text)
    except ValueError as error:
        raise UsageError(f"--layers: expected a JSON list of layers such as "
                         f"'[{{\"type\": \"dense\", \"units\": 3}}]', got text that is not JSON ({error})") from None
    return value


def check_outputs(args):
    """Refuse, before any work, a --save or --plot that could not be written (UsageError naming flag and path)."""
    for flag, path in (("--save", args.save), ("--plot", args.plot)):
        if path is None:
            continue
        problem = files.unwritable(path)
        if problem:
            raise UsageError(f"{flag} {path}: cannot write there: {problem}")
    if args.plot:
        extension = pathlib.Path(args.plot).suffix.lower()
        if extension not in PLOT_FORMATS:
            raise UsageError(f"--plot {args.plot}: expected a file name ending in "
                             f"{', '.join(list(PLOT_FORMATS)[:-1])} or {list(PLOT_FORMATS)[-1]} (the format "
                             f"follows the extension), got {extension or 'no extension'}")
        if importlib.util.find_spec("matplotlib") is None:
            raise UsageError('--plot needs matplotlib, which is not installed: pip install "twinnet[plot]"')


def read_model(args, settings):
    """The model of --load (or None), refused at once if it cannot be read or the flags ask for another."""
    if not args.load:
        return None
    try:
        model = TWINS["vectorized"].network.load(args.load)
    except OSError as error:
        raise UsageError(f"--load {args.load}: {error.strerror or error}") from None
    except ValueError as error:
        raise UsageError(f"--load: {error}") from None
    conflicts = _conflicts(args, model)
    if conflicts:
        raise UsageError(f"--load {args.load}: the file's network is {_architecture(model)}, but "
                         f"{'; '.join(conflicts)}: leave these flags out to train the saved network, or leave "
                         "out --load to train a new one")
    if model["task"] != settings["task"]:
        raise UsageError(f"--load {args.load}: the saved {_shape(model)} {model['task']} network does not fit "
                         f"--data {args.data} ({settings['task']})")
    return model


def _conflicts(args, model):
    """What the architecture flags given ask for that differs from the loaded model, in words."""
    conflicts = []
    if "layers" in model:  # a list of layers: no flag but --model cnn describes one
        for flag in ("hidden", "activation", "dropout"):
            if getattr(args, flag) is not None:
                conflicts.append(f"--{flag} (the file has a list of layers)")
        if args.model == "mlp":
            conflicts.append("--model mlp (the file has a list of layers)")
    else:
        if args.hidden is not None and list(args.hidden) != list(model["sizes"][1:-1]):
            conflicts.append(f"--hidden {' '.join(map(str, args.hidden))} (the file has "
                             f"{' '.join(map(str, model['sizes'][1:-1])) or 'none'})")
        for flag in ("activation", "dropout"):
            given = getattr(args, flag)
            if given is not None and given != model[flag]:
                conflicts.append(f"--{flag} {given:g} (the file has {model[flag]:g})" if flag != "activation"
                                 else f"--activation {given} (the file has {model['activation']})")
        if args.model == "cnn":
            conflicts.append(f"--model cnn (the file has the multilayer perceptron {_shape(model)})")
    for flag in ("l1", "l2"):
        given = getattr(args, flag)
        if given is not None and given != model[flag]:
            conflicts.append(f"--{flag} {given:g} (the file has {model[flag]:g})")
    if args.init is not None:
        conflicts.append(f"--init {args.init} draws new weights (the file's weights are loaded)")
    return conflicts


def _architecture(model):
    if "layers" in model:
        return f"{_shape(model)}, l1 {model['l1']:g}, l2 {model['l2']:g}"
    return (f"{_shape(model)} {model['activation']}, dropout {model['dropout']:g}, l1 {model['l1']:g}, "
            f"l2 {model['l2']:g}")


def _input_shape(settings, data):
    """One sample as the model takes it: [1, 28, 28] images for a CNN on real data, token indices
    {"length", "vocabulary"} for a sequence task, else the features."""
    return list(IMAGE_SIDES) if settings["images"] else data.n_inputs


def _initial_model(args, settings, n_inputs, n_outputs, loaded=None, input_shape=None):
    network = TWINS["vectorized"].network
    if loaded is None and settings["layers"] is not None:
        try:
            model = network.create_layers(n_inputs if input_shape is None else input_shape, settings["layers"],
                                          settings["task"], args.seed, settings["init"], settings["l1"],
                                          settings["l2"])
        except (ValueError, TypeError) as error:
            raise UsageError(f"--layers: {' '.join(str(error).split())}") from None
        if _outputs(model) != n_outputs:
            raise UsageError(f"--layers: the last layer gives {_outputs(model)} outputs, but --data {args.data} "
                             f"needs {n_outputs} (end the list with {{\"type\": \"dense\", \"units\": {n_outputs}}})")
        return model
    if loaded is None:
        sizes = [n_inputs, *settings["hidden"], n_outputs]
        return network.create(sizes, settings["activation"], settings["task"], args.seed, settings["init"],
                              settings["dropout"], settings["l1"], settings["l2"])
    if _n_inputs(loaded) != n_inputs or _outputs(loaded) != n_outputs:
        raise UsageError(f"--load {args.load}: the saved {_shape(loaded)} {loaded['task']} network does not fit "
                         f"--data {args.data} ({n_inputs} inputs, {n_outputs} outputs, {settings['task']})")
    return loaded


def _n_inputs(model):
    """The features of one sample (a channels x height x width image counts its values)."""
    inputs = model["inputs"] if "layers" in model else model["sizes"][0]
    return math.prod(inputs) if isinstance(inputs, list) else inputs


def _outputs(model):
    """The outputs of the model's last layer."""
    if "layers" not in model:
        return model["sizes"][-1]
    return next(layer["units"] for layer in reversed(model["layers"]) if layer["type"] == "dense")


def _takes_images(model):
    return "layers" in model and isinstance(model["inputs"], list)


def _side(value, joiner="x"):
    if isinstance(value, dict):  # token indices
        return f"{value['length']} tokens of {value['vocabulary']}"
    return joiner.join(map(str, value)) if isinstance(value, list) else f"{value}"


def _layer_words(layer):
    """One layer in a few words: "conv2d 16 3x3 pad 1", "max_pool2d 2", "dense 64", "relu"."""
    kind = layer["type"]
    if kind == "dense":
        return f"dense {layer['units']}"
    if kind == "dropout":
        return f"dropout {layer['rate']:g}"
    if kind == "conv2d":
        kernel = layer["kernel"] if isinstance(layer["kernel"], list) else [layer["kernel"]] * 2
        stride = "" if layer["stride"] in (1, [1, 1]) else f" stride {_side(layer['stride'])}"
        padding = "" if layer["padding"] in (0, [0, 0]) else f" pad {_side(layer['padding'])}"
        return f"conv2d {layer['filters']} {_side(kernel)}{stride}{padding}"
    if kind in ("max_pool2d", "avg_pool2d"):
        stride = "" if layer["stride"] == layer["size"] else f" stride {_side(layer['stride'])}"
        return f"{kind} {_side(layer['size'])}{stride}"
    if kind == "embedding":
        return f"embedding {layer['width']}"
    if kind == "transformer_block":
        return f"transformer_block {layer['heads']} heads, hidden {layer['hidden']}"
    return kind


def _shape(model):
    """A multilayer perceptron's sizes, 784-512-256-10; or a list of layers, after its input shape."""
    if "layers" not in model:
        return "-".join(str(size) for size in model["sizes"])
    return f"{_side(model['inputs'])} -> " + ", ".join(_layer_words(layer) for layer in model["layers"])


class Report:
    """Where the side-by-side table goes: stdout, or stderr when stdout carries JSON."""

    def __init__(self, stream, names, live=None):
        self.stream = stream
        self.names = names
        self.live = stream.isatty() if live is None else live  # progress lines: on a terminal only
        self.progress_shown = False
        self.shown_at = 0.0

    def line(self, text=""):
        self.clear_progress()
        print(text, file=self.stream, flush=True)

    def progress(self, epoch, epochs):
        if self.live:
            self.stream.write(f"\r  epoch {epoch}/{epochs} ...")
            self.stream.flush()
            self.progress_shown = True

    def note(self, text):
        """A passing word on a terminal (such as "loading mnist ..."), gone with the next line."""
        if self.live:
            self.stream.write(f"\r{text:<78}"[:79])
            self.stream.flush()
            self.progress_shown = True

    def step(self, twin, epoch, epochs, done, steps, seconds, batch_size):
        """Progress inside an epoch of several steps: batches done, examples a second, time left in the
        epoch. At the first step and then a few times a second at most, on a terminal only."""
        now = time.perf_counter()
        if not self.live or steps == 1 or (done > 1 and now - self.shown_at < 0.25):
            return
        self.shown_at = now
        rate = done * batch_size / seconds if seconds > 0 else float("inf")
        left = seconds / done * (steps - done)
        self.note(f"  epoch {epoch + 1}/{epochs}, {twin}: batch {done}/{steps}, {rate:,.0f} examples/s, "
                  f"{left:.0f} s left in the epoch")

    def clear_progress(self):
        if self.progress_shown:
            self.stream.write("\r" + " " * 79 + "\r")
            self.progress_shown = False

    def header(self):
        columns = "".join(f"{name + ' loss':>18}{'accuracy':>10}" for name in self.names)
        compare = f"{'largest |Δloss|':>18}" if len(self.names) == 2 else ""
        self.line(f"{'epoch':>7}{columns}{compare}")

    def row(self, epoch, side_by_side):
        cells = "".join(f"{run.epoch_losses[-1]:>18.10f}{run.epoch_accuracies[-1]:>10.3f}"
                        for run in side_by_side.twins.values())
        compare = f"{side_by_side.largest_difference:>18.1e}" if len(self.names) == 2 else ""
        self.line(f"{epoch:>7}{cells}{compare}")

    def diverged(self, side_by_side, one_step_per_epoch):
        """The line (or lines, if the twins disagree) that says where training diverged."""
        diverged = side_by_side.diverged
        first = next(iter(diverged.values()))
        step = "" if one_step_per_epoch else f", at its step {first.step}"
        if len(diverged) == len(self.names) and all(first.same_as(other) for other in diverged.values()):
            alike = ", in both twins alike" if len(self.names) == 2 else ""
            self.line(f"  diverged {first.where()}{step}{alike}: training stopped; a smaller --lr usually helps")
            return
        for name in self.names:  # the twins disagree: each says where it stood
            if name in diverged:
                self.line(f"  {name} diverged {diverged[name].where()}, at its step {diverged[name].step}")
            else:
                self.line(f"  {name} did not diverge there: the twins disagree")


def _print_summary(report, side_by_side, epochs_done, interrupted):
    summary = side_by_side.summary()
    tested = any(run.test for run in side_by_side.twins.values())
    diverged = bool(side_by_side.diverged)
    report.line()
    stopped = "interrupted: " if interrupted else "diverged: " if diverged else ""
    model = "the last finite model" if diverged else "the final model"
    report.line(f"{stopped}summary after {epochs_done} epochs ({model}, without dropout)")
    test_columns = f"{'test loss':>14}{'test acc.':>10}" if tested else ""
    report.line(f"  {'twin':<12}{'train loss':>14}{'accuracy':>10}{test_columns}{'ms per epoch':>14}")
    for name, twin in summary["twins"].items():
        per_epoch = f"{twin['seconds_per_epoch'] * 1000:>14.2f}" if twin["epochs"] else f"{'-':>14}"
        test_cells = f"{twin['test_loss']:>14.10f}{twin['test_accuracy']:>10.4f}" if tested else ""
        report.line(f"  {name:<12}{twin['loss']:>14.10f}{twin['accuracy']:>10.4f}{test_cells}{per_epoch}")
    if "largest_loss_difference" in summary:
        if summary["speedup"]:
            report.line(f"  vectorized is {summary['speedup']:.1f}x faster than pure")
        report.line(f"  largest difference between the twins' step losses: {summary['largest_loss_difference']:.1e} "
                    f"(relative {summary['largest_relative_loss_difference']:.1e})")


def _describe_run(args, settings, data, model):
    hyperparameters = ", ".join(f"{k} {v:g}" for k, v in settings["hyperparameters"].items())
    batches = f"batches of {settings['batch_size']}" if settings["batch_size"] else "full batches"
    any_twin = settings["names"][0]
    n_train = len(data.train[any_twin][0])
    if data.test:
        kind = "sequences" if settings["sequences"] else "images" if settings["real"] else "samples"
        samples = f"{n_train} training and {len(data.test[any_twin][0])} test {kind}"
        samples += f", {settings['dtype']}" if settings["real"] or settings["sequences"] else ""
    else:
        samples = f"{n_train} samples"
    # The model's own values, not the flags': with --load they are the file's.
    dropout = f", dropout {model['dropout']:g}" if model.get("dropout") else ""
    penalties = "".join(f", {name} {model[name]:g}" for name in ("l1", "l2") if model[name])
    loaded = f", loaded from {args.load}" if args.load else ""
    network = _shape(model) if "layers" in model else f"{_shape(model)} {model['activation']}"
    return (f"twinnet train: {args.data} data ({samples}), network {network} -> "
            f"{model['task']}{loaded}, {args.optimizer} ({hyperparameters}), {settings['epochs']} epochs, {batches}"
            f"{dropout}{penalties}, seed {args.seed}, twins: {' and '.join(settings['names'])}")


def continue_tokens(twin, model, rows, known):
    """Greedy decoding: each row's first ``known`` tokens continued one token at a time, each the most
    likely after those before it, fed back in, to one past the model's length.

    rows: (n_samples, >= known) ints    ->    (tokens: (n_samples, length - known + 1) ints,
    probabilities: (n_samples, length - known + 1, vocabulary), what each token was chosen from)

    The output at position p is the next token's probabilities after tokens 0 .. p. The positions
    after those known hold placeholder zeros: the causal mask keeps them from changing anything
    before them.
    """
    length = model["inputs"]["length"]
    tokens = np.zeros((len(rows), length), dtype=np.int64)
    tokens[:, :known] = np.asarray(rows)[:, :known]
    chosen, distributions = [], []
    for position in range(known - 1, length):
        given = tokens if twin == "vectorized" else tokens.tolist()
        probabilities = np.asarray(TWINS[twin].network.predict(model, given, batch_size=500),
                                   dtype=np.float64)[:, position]
        chosen.append(probabilities.argmax(axis=1))
        distributions.append(probabilities)
        if position + 1 < length:
            tokens[:, position + 1] = chosen[-1]
    return np.stack(chosen, axis=1), np.stack(distributions, axis=1)


def sort_results(side_by_side, length, n_examples=3):
    """Each twin's exact-sequence accuracy on the held-out tasks (every digit of the answer right),
    and a few examples: {twin: {"exact": fraction, "examples": [(digits, right answer, model's)]}}."""
    results = {}
    for name, run in side_by_side.twins.items():
        inputs, targets = (np.array(values) for values in side_by_side.data.test[name])
        answers, _ = continue_tokens(name, run.model, inputs, length + 1)  # the digits and the separator known
        right = targets[:, length:]
        examples = [(inputs[i, :length].tolist(), right[i].tolist(), answers[i].tolist()) for i in range(n_examples)]
        results[name] = {"exact": float(np.mean(np.all(answers == right, axis=1))), "examples": examples}
    return results


def _print_sort_results(report, results):
    for name, result in results.items():
        report.line(f"  {name}: {result['exact']:.4f} of the held-out sequences sorted exactly right "
                    f"(greedy decoding, every digit)")
    name, result = next(iter(results.items()))
    report.line(f"  held-out examples ({name}):")
    for digits, right, answer in result["examples"]:
        mark = "right" if answer == right else "WRONG"
        report.line(f"    {' '.join(map(str, digits))} -> {' '.join(map(str, answer))}  ({mark}; sorted: "
                    f"{' '.join(map(str, right))})")


def strict_json(value):
    """``value`` as JSON text that any strict parser reads: NaN and infinities become null."""
    def finite(item):
        if isinstance(item, float) and not math.isfinite(item):
            return None
        if isinstance(item, dict):
            return {key: finite(entry) for key, entry in item.items()}
        if isinstance(item, (list, tuple)):
            return [finite(entry) for entry in item]
        if isinstance(item, np.generic):
            return finite(item.item())
        return item

    return json.dumps(finite(value), allow_nan=False)


def command(args):
    """Train with the twins the flags choose, print the table and the summary; save, plot, JSON."""
    settings = _settings(args)
    check_outputs(args)  # before any data is read: a path that cannot be written is refused at once
    loaded = read_model(args, settings)
    names = settings["names"]
    report = Report(sys.stderr if args.json else sys.stdout, names,
                    live=not args.json and sys.stdout.isatty())  # progress: on a terminal, never with --json
    if settings["real"]:
        report.note(f"  loading {args.data} ...")
    data = load_data(args.data, names, settings["samples"], settings["classes"], args.seed, args.data_dir,
                     settings["train_limit"], settings["test_limit"], settings["dtype"], settings["sort"],
                     settings["test_fraction"])
    model = _initial_model(args, settings, data.n_inputs, data.n_outputs, loaded, _input_shape(settings, data))
    if _takes_images(model):
        data = as_images(data, model["inputs"])
    side_by_side = SideBySide.start(model, names, data, args.optimizer, settings["hyperparameters"],
                                    settings["batch_size"], args.seed, settings["dtype"])
    if _takes_images(model):
        side_by_side.evaluation_batch = 500  # a CNN's activations of 2,000 images at once take a gigabyte

    epochs, every = settings["epochs"], settings["every"]
    n_samples = len(data.train[names[0]][0])
    side_by_side.on_step = lambda twin, epoch, done, steps, seconds: report.step(
        twin, epoch, epochs, done, steps, seconds, min(settings["batch_size"] or n_samples, n_samples))
    report.line(_describe_run(args, settings, data, model))
    if settings["real"] and "pure" in names and not (args.train_limit and args.test_limit):
        report.line(f"  the pure twin's loops train on the first {settings['train_limit']} training images and are "
                    f"tested on the first {settings['test_limit']} test images (--train-limit, --test-limit)")
    if epochs:
        report.header()

    interrupted = False
    n_train = len(data.train[names[0]][0])
    try:
        for epoch in range(epochs):
            side_by_side.run_epoch(epoch)
            report.progress(epoch + 1, epochs)
            if side_by_side.diverged:
                report.diverged(side_by_side, one_step_per_epoch=(settings["batch_size"] or n_train) >= n_train)
                break
            if (epoch + 1) % every == 0 or epoch == 0 or epoch + 1 == epochs:
                report.row(epoch + 1, side_by_side)
    except KeyboardInterrupt:
        interrupted = True
    report.clear_progress()
    side_by_side.finish()
    epochs_done = min(run.epochs_done for run in side_by_side.twins.values())
    _print_summary(report, side_by_side, epochs_done, interrupted)
    diverged = side_by_side.diverged
    sort_summary = None
    if settings["sequences"]:
        sort_summary = sort_results(side_by_side, settings["sort"]["length"])
        _print_sort_results(report, sort_summary)

    if args.save:
        name = "vectorized" if "vectorized" in side_by_side.twins else "pure"
        if diverged:
            report.line(f"nothing saved to {args.save}: training diverged")
        else:
            TWINS[name].network.save(side_by_side.twins[name].model, args.save)
            report.line(f"saved the {name} twin's model to {args.save}")
    if args.plot:
        from twinnet import plots

        plots.training_figure(args.plot, side_by_side, args.data, settings["sort"] if settings["sequences"] else None)
        report.line(f"wrote {args.plot}")
    if args.json:
        summary = side_by_side.summary()
        first = next(iter(diverged.values()), None)
        network = {"inputs": model["inputs"], "layers": model["layers"]} if "layers" in model else \
            {"sizes": model["sizes"]}
        summary.update({"data": args.data, "samples": len(data.train[names[0]][0]), **network,
                        "epochs": epochs_done, "dtype": settings["dtype"], "interrupted": interrupted,
                        "diverged": None if first is None else {**first.as_json(), "twins": list(diverged)}})
        if sort_summary:
            for name, result in sort_summary.items():
                summary["twins"][name]["exact_sequence_accuracy"] = result["exact"]
        print(strict_json(summary))
    if interrupted:
        return EXIT_INTERRUPTED
    return EXIT_DIVERGED if diverged else 0
