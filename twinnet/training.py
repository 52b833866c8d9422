"""Train one network with both twins from one seed, side by side.

This is what ``twinnet train`` runs: the same data and the same initial model
go to ``pure.network`` and ``vectorized.network``; each epoch runs in both, and
the step losses are compared as they come. The result holds, for every twin
that ran, its loss curve, its final loss and accuracy, and its time per epoch.
"""

import time
from dataclasses import dataclass, field

import numpy as np

from twinnet.twins import TWINS, to_pure

# What each data set trains by default. For spiral: >= 0.90 accuracy in both
# twins in well under a minute on 2 cores. Adam at lr 0.05 gets there in fewer
# epochs, but its larger steps make the trajectory chaotic: the twins'
# last-bit differences then grow about tenfold every 50 epochs (to 2e-8 after
# 500), while at lr 0.02 they stay near 1e-11 for all 800 epochs.
DATA_DEFAULTS = {
    "spiral": {"task": "classification", "samples": 100, "classes": 3, "hidden": [64], "lr": 0.02, "epochs": 800},
    "vertical": {"task": "classification", "samples": 100, "classes": 3, "hidden": [64], "lr": 0.05, "epochs": 100},
    # Sine: 100 points keep the pure twin near 2.5 minutes; at lr 0.003 Adam
    # descends without the loss spikes that the book's lr 0.005 shows here.
    "sine": {"task": "regression", "samples": 100, "classes": None, "hidden": [64, 64], "lr": 0.003, "epochs": 1000},
    # The real data sets: the vectorized twin in float32, mini-batches of 128.
    "mnist": {"task": "classification", "samples": None, "classes": 10, "hidden": [512, 256], "lr": 0.001,
              "epochs": 15, "batch_size": 128, "dropout": 0.2},
    "fashion-mnist": {"task": "classification", "samples": None, "classes": 10, "hidden": [512, 256], "lr": 0.001,
                      "epochs": 20, "batch_size": 128, "dropout": 0.2},
}
REAL_DATA = ("mnist", "fashion-mnist")

# When the pure twin trains on real data: a subset and a network its loops can
# train in minutes (784-32-10 on 2,000 images: about 10 s an epoch).
PURE_SUBSET = {"train_limit": 2000, "test_limit": 1000, "hidden": [32], "lr": 0.002, "epochs": 8, "batch_size": 32,
               "dropout": 0.0}


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
              test_limit=None, dtype="float64"):
    """Generate or read a data set for the twins that will run."""
    if name in REAL_DATA:
        from twinnet import datasets

        folder = datasets.locate(name, data_dir)
        splits = {}
        for split, limit in (("train", train_limit), ("test", test_limit)):
            paths = folder / datasets.IMAGES[split], folder / datasets.LABELS[split]
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
    return Data({"vectorized": (inputs, targets), "pure": (to_pure(inputs), to_pure(targets))}, None,
                inputs.shape[1], n_outputs)


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

    @property
    def seconds_per_epoch(self):
        return self.seconds / self.epochs_done if self.epochs_done else float("nan")


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

    @classmethod
    def start(cls, model, twin_names, data, optimizer, hyperparameters, batch_size, seed, dtype="float64"):
        """Every twin starts from the same model (converted to its own representation)."""
        twins = {}
        for name in twin_names:
            twins[name] = TwinRun(name, to_pure(model) if name == "pure" else as_vectorized_model(model, dtype))
        return cls(twins, data, optimizer, hyperparameters, batch_size, seed)

    def run_epoch(self, epoch):
        """One epoch in each twin, then the step losses compared."""
        for run in self.twins.values():
            network = TWINS[run.name].network
            inputs, targets = self.data.train[run.name]
            started = time.perf_counter()
            run.model, run.state, metrics = network.train_epoch(
                run.model, inputs, targets, self.optimizer, run.state, self.hyperparameters, self.batch_size,
                self.seed, epoch)
            run.seconds += time.perf_counter() - started
            run.epochs_done += 1
            run.epoch_losses.append(metrics["loss"])
            run.epoch_accuracies.append(metrics["accuracy"])
            run.step_losses.extend(metrics["step_losses"])
        if len(self.twins) == 2:
            pure, vectorized = (np.array(self.twins[name].step_losses) for name in ("pure", "vectorized"))
            differences = np.abs(pure - vectorized)
            self.largest_difference = float(differences.max())
            self.largest_relative_difference = float((differences / np.maximum(np.abs(vectorized), 1e-300)).max())

    def finish(self):
        """Evaluate every twin's model on the training data (and test data, if any), without dropout."""
        for run in self.twins.values():
            network = TWINS[run.name].network
            # In batches, so that 60,000 images need the activations of 2,000 at a time.
            run.final = network.evaluate(run.model, *self.data.train[run.name], batch_size=2_000)
            if self.data.test:
                run.test = network.evaluate(run.model, *self.data.test[run.name], batch_size=2_000)
        return self

    def summary(self):
        """The run as plain data: what ``twinnet train --json`` prints."""
        twins = {}
        for name, run in self.twins.items():
            twins[name] = {"loss": run.final.get("loss"), "accuracy": run.final.get("accuracy"),
                           "seconds_per_epoch": run.seconds_per_epoch, "epochs": run.epochs_done}
            if run.test:
                twins[name].update({"test_loss": run.test["loss"], "test_accuracy": run.test["accuracy"]})
        result = {"twins": twins}
        if len(self.twins) == 2:
            result["largest_loss_difference"] = self.largest_difference
            result["largest_relative_loss_difference"] = self.largest_relative_difference
            pure, vectorized = self.twins["pure"], self.twins["vectorized"]
            result["speedup"] = pure.seconds_per_epoch / vectorized.seconds_per_epoch if vectorized.seconds else None
        return result
