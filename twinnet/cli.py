"""The ``twinnet`` command.

    twinnet list             every operation that exists in both twins
    twinnet train [flags]    train a network with both twins from one seed, side by side
"""

import argparse
import importlib.util
import json
import sys

from twinnet import __version__, registry
from twinnet.training import DATA_DEFAULTS, SideBySide, as_vectorized_model, load_data
from twinnet.twins import MODULES, TWINS

EXIT_BAD_USAGE = 2
EXIT_INTERRUPTED = 130


class UsageError(Exception):
    """A flag value that cannot work: reported in one line, without a traceback."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, not argparse's usage block: the flag and what was wrong with it.
        self.exit(EXIT_BAD_USAGE, f"{self.prog}: error: {message}\n")


def command_list(args):
    """Print every registered operation, grouped by module."""
    for module_name in MODULES:
        operations = registry.by_module(module_name)
        print(f"{module_name} ({len(operations)})")
        for operation in operations:
            summary = (operation.pure.__doc__ or "").strip().splitlines()[0]
            print(f"  {operation.name:<36} {summary}")
    print(f"{len(registry.OPERATIONS)} operations, each in pure/ and vectorized/")
    return 0


# ---------------------------------------------------------------- train


def _count(text):
    value = _integer(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}")
    return value


def _integer(text):
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None


def _epochs(text):
    value = _integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text!r}")
    return value


def _non_negative(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a finite number >= 0, got {text!r}")
    return value


def _positive(text):
    value = _non_negative(text)
    if value == 0:
        raise argparse.ArgumentTypeError(f"expected a number > 0, got {text!r}")
    return value


def _rate(text):
    value = _non_negative(text)
    if value >= 1:
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 1), got {text!r}")
    return value


def add_train_parser(commands):
    train = commands.add_parser(
        "train", help="train a network with both twins from one seed, side by side",
        description="Train one network with the pure and the vectorized twin from the same seed, and show "
                    "their losses and accuracies side by side, the largest difference between them, and the "
                    "time each takes.")
    train.add_argument("--data", choices=sorted(DATA_DEFAULTS), default="spiral", help="the data set (spiral)")
    train.add_argument("--twin", choices=["both", "pure", "vectorized"], default="both", help="which twins run")
    train.add_argument("--epochs", type=_epochs, help="passes over the data (spiral %(spiral)d, vertical %(vertical)d, sine %(sine)d)"
                       % {name: d["epochs"] for name, d in DATA_DEFAULTS.items()})
    train.add_argument("--hidden", type=_count, nargs="+", metavar="SIZE", help="hidden layer sizes (64; sine 64 64)")
    train.add_argument("--activation", choices=["relu", "leaky_relu", "tanh", "sigmoid", "linear"],
                       default="relu", help="activation of the hidden layers (relu)")
    train.add_argument("--init", choices=["classic", "he", "glorot"], default="he", help="initial weights (he)")
    train.add_argument("--optimizer", choices=["sgd", "adagrad", "rmsprop", "adam"], default="adam",
                       help="optimizer (adam)")
    train.add_argument("--lr", type=_positive, help="learning rate (spiral %(spiral)g, vertical %(vertical)g, sine %(sine)g)"
                       % {name: d["lr"] for name, d in DATA_DEFAULTS.items()})
    train.add_argument("--decay", type=_non_negative, help="learning-rate decay (0)")
    train.add_argument("--batch-size", type=_count, help="samples per step (all of them)")
    train.add_argument("--dropout", type=_rate, default=0.0, help="dropout rate after hidden layers (0)")
    train.add_argument("--l1", type=_non_negative, default=0.0, help="L1 penalty on weights and biases (0)")
    train.add_argument("--l2", type=_non_negative, default=0.0, help="L2 penalty on weights and biases (0)")
    train.add_argument("--samples", type=_count, help="points per class (100), or in all for sine (100)")
    train.add_argument("--classes", type=_count, help="classes for spiral and vertical (3)")
    train.add_argument("--seed", type=_integer, default=0, help="seed for data, weights, batches, dropout (0)")
    train.add_argument("--every", type=_count, help="print a line every N epochs (a tenth of the run)")
    train.add_argument("--save", metavar="FILE", help="save the trained model (JSON)")
    train.add_argument("--load", metavar="FILE", help="start from a saved model instead of new weights")
    train.add_argument("--plot", metavar="FILE.png", help="draw loss curves and predictions (needs matplotlib)")
    train.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")
    train.set_defaults(run=command_train)


def _settings(args):
    """The flags, with each data set's defaults filled in where a flag was not given."""
    defaults = DATA_DEFAULTS[args.data]
    settings = {
        "task": defaults["task"],
        "samples": args.samples or defaults["samples"],
        "classes": args.classes or defaults["classes"],
        "hidden": args.hidden or defaults["hidden"],
        "epochs": defaults["epochs"] if args.epochs is None else args.epochs,
        "hyperparameters": {"lr": args.lr or defaults["lr"]},
    }
    decay = defaults.get("decay", 0.0) if args.decay is None else args.decay
    if decay:
        settings["hyperparameters"]["decay"] = decay
    if args.data == "sine" and args.classes:
        raise UsageError("--classes does not apply to --data sine")
    return settings


def _initial_model(args, settings, n_inputs, n_outputs):
    network = TWINS["vectorized"].network
    if not args.load:
        sizes = [n_inputs, *settings["hidden"], n_outputs]
        return network.create(sizes, args.activation, settings["task"], args.seed, args.init, args.dropout,
                              args.l1, args.l2)
    try:
        model = network.load(args.load)
    except OSError as error:
        raise UsageError(f"--load {args.load}: {error.strerror}") from None
    except ValueError as error:
        raise UsageError(f"--load: {error}") from None
    if model["sizes"][0] != n_inputs or model["sizes"][-1] != n_outputs or model["task"] != settings["task"]:
        raise UsageError(f"--load {args.load}: the saved {_shape(model)} {model['task']} network does not fit "
                         f"--data {args.data} ({n_inputs} inputs, {n_outputs} outputs, {settings['task']})")
    return model


def _shape(model):
    return "-".join(str(size) for size in model["sizes"])


def _check_plot_available(args):
    if args.plot and importlib.util.find_spec("matplotlib") is None:
        raise UsageError('--plot needs matplotlib, which is not installed: pip install "twinnet[plot]"')


class Report:
    """Where the side-by-side table goes: stdout, or stderr when stdout carries JSON."""

    def __init__(self, stream, names):
        self.stream = stream
        self.names = names
        self.live = stream.isatty()
        self.progress_shown = False

    def line(self, text=""):
        self.clear_progress()
        print(text, file=self.stream, flush=True)

    def progress(self, epoch, epochs):
        if self.live:
            self.stream.write(f"\r  epoch {epoch}/{epochs} ...")
            self.stream.flush()
            self.progress_shown = True

    def clear_progress(self):
        if self.progress_shown:
            self.stream.write("\r" + " " * 40 + "\r")
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


def _print_summary(report, side_by_side, epochs_done, interrupted):
    summary = side_by_side.summary()
    report.line()
    report.line(("interrupted: summary after " if interrupted else "summary after ") + f"{epochs_done} epochs "
                "(loss and accuracy of the final model on the training data, without dropout)")
    report.line(f"  {'twin':<12}{'loss':>14}{'accuracy':>10}{'ms per epoch':>14}")
    for name, twin in summary["twins"].items():
        per_epoch = twin["seconds_per_epoch"] * 1000
        report.line(f"  {name:<12}{twin['loss']:>14.10f}{twin['accuracy']:>10.3f}{per_epoch:>14.2f}")
    if "largest_loss_difference" in summary:
        if summary["speedup"]:
            report.line(f"  vectorized is {summary['speedup']:.1f}x faster than pure")
        report.line(f"  largest difference between the twins' step losses: {summary['largest_loss_difference']:.1e} "
                    f"(relative {summary['largest_relative_loss_difference']:.1e})")


def command_train(args):
    settings = _settings(args)
    _check_plot_available(args)
    names = ["pure", "vectorized"] if args.twin == "both" else [args.twin]
    data = load_data(args.data, settings["samples"], settings["classes"], args.seed)
    inputs, targets = data["vectorized"]
    n_outputs = settings["classes"] if settings["task"] == "classification" else targets.shape[1]
    model = _initial_model(args, settings, inputs.shape[1], n_outputs)
    side_by_side = SideBySide.start(model, names, data, args.optimizer, settings["hyperparameters"],
                                    args.batch_size, args.seed)

    report = Report(sys.stderr if args.json else sys.stdout, names)
    epochs = settings["epochs"]
    every = args.every or max(1, epochs // 10)
    hyperparameters = ", ".join(f"{k} {v:g}" for k, v in settings["hyperparameters"].items())
    batches = f"batches of {args.batch_size}" if args.batch_size else "full batches"
    report.line(f"twinnet train: {args.data} data ({len(inputs)} samples), network {_shape(model)} "
                f"{model['activation']} -> {model['task']}, {args.optimizer} ({hyperparameters}), {epochs} epochs, "
                f"{batches}, seed {args.seed}, twins: {' and '.join(names)}")
    if epochs:
        report.header()

    interrupted = False
    try:
        for epoch in range(epochs):
            side_by_side.run_epoch(epoch)
            report.progress(epoch + 1, epochs)
            if (epoch + 1) % every == 0 or epoch == 0 or epoch + 1 == epochs:
                report.row(epoch + 1, side_by_side)
    except KeyboardInterrupt:
        interrupted = True
    report.clear_progress()
    side_by_side.finish()
    epochs_done = min(run.epochs_done for run in side_by_side.twins.values())
    _print_summary(report, side_by_side, epochs_done, interrupted)

    if args.save:
        name = "vectorized" if "vectorized" in side_by_side.twins else "pure"
        TWINS[name].network.save(side_by_side.twins[name].model, args.save)
        report.line(f"saved the {name} twin's model to {args.save}")
    if args.plot:
        from twinnet import plots

        plots.training_figure(args.plot, side_by_side, args.data)
        report.line(f"wrote {args.plot}")
    if args.json:
        summary = side_by_side.summary()
        summary.update({"data": args.data, "samples": len(inputs), "sizes": model["sizes"], "epochs": epochs_done,
                        "interrupted": interrupted})
        print(json.dumps(summary))
    return EXIT_INTERRUPTED if interrupted else 0


def build_parser():
    parser = Parser(
        prog="twinnet",
        description="Neural networks from scratch, written twice: loops (pure) and NumPy (vectorized).",
    )
    parser.add_argument("--version", action="version", version=f"twinnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    listing = commands.add_parser("list", help="list every operation that exists in both twins")
    listing.set_defaults(run=command_list)
    add_train_parser(commands)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except UsageError as error:
        print(f"twinnet {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_USAGE
    except OSError as error:  # a file to save or plot that cannot be written
        print(f"twinnet {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_USAGE


if __name__ == "__main__":
    sys.exit(main())
