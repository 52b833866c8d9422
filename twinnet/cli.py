"""The ``twinnet`` command.

    twinnet list             every operation that exists in both twins
    twinnet train [flags]    train a network with both twins from one seed, side by side
    twinnet data NAME        download MNIST or Fashion-MNIST once, verified
    twinnet show NAME        both twins' code of one operation, side by side
    twinnet check F.py:FN --as NAME     test your implementation against the reference
    twinnet exercise NAME    an exercise stub to fill in
    twinnet docs             regenerate docs/reference from the registry
    twinnet bench            time both twins against their ceilings
"""

import argparse
import importlib.util
import json
import math
import sys

from twinnet import __version__, datasets, registry
from twinnet.training import DATA_DEFAULTS, PURE_SUBSET, REAL_DATA, SideBySide, load_data
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


def _flag_value(kind, parse, accept, expected):
    """A converter for argparse: parse the text, then check the value, each failure in one line."""

    def convert(text):
        try:
            value = parse(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {kind}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    return convert


_integer = _flag_value("an integer", int, lambda value: True, "an integer")
_count = _flag_value("an integer", int, lambda value: value >= 1, "an integer >= 1")
_epochs = _flag_value("an integer", int, lambda value: value >= 0, "an integer >= 0")
_non_negative = _flag_value("a number", float, lambda value: 0 <= value < math.inf, "a finite number >= 0")
_positive = _flag_value("a number", float, lambda value: 0 < value < math.inf, "a finite number > 0")
_rate = _flag_value("a number", float, lambda value: 0 <= value < 1, "a fraction in [0, 1)")


def add_train_parser(commands):
    train = commands.add_parser(
        "train", help="train a network with both twins from one seed, side by side",
        description="Train one network with the pure and the vectorized twin from the same seed, and show "
                    "their losses and accuracies side by side, the largest difference between them, and the "
                    "time each takes.")
    train.add_argument("--data", choices=list(DATA_DEFAULTS), default="spiral", help="the data set (spiral)")
    train.add_argument("--twin", choices=["both", "pure", "vectorized"],
                       help="which twins run (both; vectorized for mnist and fashion-mnist)")
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
    train.add_argument("--dropout", type=_rate, help="dropout rate after hidden layers (0; mnist 0.2)")
    train.add_argument("--l1", type=_non_negative, default=0.0, help="L1 penalty on weights and biases (0)")
    train.add_argument("--l2", type=_non_negative, default=0.0, help="L2 penalty on weights and biases (0)")
    train.add_argument("--samples", type=_count, help="points per class (100), or in all for sine (100)")
    train.add_argument("--classes", type=_count, help="classes for spiral and vertical (3)")
    train.add_argument("--seed", type=_integer, default=0, help="seed for data, weights, batches, dropout (0)")
    train.add_argument("--data-dir", metavar="DIR", help="mnist/fashion-mnist files from DIR instead of the cache")
    train.add_argument("--train-limit", type=_count, metavar="N",
                       help="train on the first N images (all; 2000 when the pure twin runs)")
    train.add_argument("--test-limit", type=_count, metavar="N",
                       help="test on the first N test images (all; 1000 when the pure twin runs)")
    train.add_argument("--dtype", choices=["float64", "float32"],
                       help="the vectorized twin's precision (float32 on real data alone, else float64)")
    train.add_argument("--every", type=_count, help="print a line every N epochs (a tenth of the run)")
    train.add_argument("--save", metavar="FILE", help="save the trained model (JSON)")
    train.add_argument("--load", metavar="FILE", help="start from a saved model instead of new weights")
    train.add_argument("--plot", metavar="FILE.png", help="draw loss curves and predictions (needs matplotlib)")
    train.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")
    train.set_defaults(run=command_train)


def _settings(args):
    """The flags, with each data set's defaults filled in where a flag was not given."""
    real = args.data in REAL_DATA
    twin = args.twin or ("vectorized" if real else "both")
    names = ["pure", "vectorized"] if twin == "both" else [twin]
    defaults = dict(DATA_DEFAULTS[args.data])
    if real and "pure" in names:
        defaults.update(PURE_SUBSET)
    for flag, applies in (("samples", not real), ("classes", args.data in ("spiral", "vertical")),
                          ("train_limit", real), ("test_limit", real), ("data_dir", real)):
        if getattr(args, flag) is not None and not applies:
            raise UsageError(f"--{flag.replace('_', '-')} does not apply to --data {args.data}")
    dtype = args.dtype or ("float32" if real and names == ["vectorized"] else "float64")
    if dtype == "float32" and "pure" in names:
        raise UsageError("--dtype float32 is for the vectorized twin alone: the pure twin computes in Python "
                         "floats (doubles), and the twins are compared in float64")
    epochs = defaults["epochs"] if args.epochs is None else args.epochs
    hyperparameters = {"lr": args.lr or defaults["lr"]}
    decay = defaults.get("decay", 0.0) if args.decay is None else args.decay
    if decay:
        hyperparameters["decay"] = decay
    return {
        "real": real, "names": names, "task": defaults["task"], "dtype": dtype, "epochs": epochs,
        "samples": args.samples or defaults["samples"], "classes": args.classes or defaults["classes"],
        "hidden": args.hidden or defaults["hidden"], "hyperparameters": hyperparameters,
        "batch_size": args.batch_size or defaults.get("batch_size"),
        "dropout": defaults.get("dropout", 0.0) if args.dropout is None else args.dropout,
        "train_limit": args.train_limit or defaults.get("train_limit"),
        "test_limit": args.test_limit or defaults.get("test_limit"),
        "every": args.every or (1 if real else max(1, epochs // 10)),
    }


def _initial_model(args, settings, n_inputs, n_outputs):
    network = TWINS["vectorized"].network
    if not args.load:
        sizes = [n_inputs, *settings["hidden"], n_outputs]
        return network.create(sizes, args.activation, settings["task"], args.seed, args.init, settings["dropout"],
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
    tested = any(run.test for run in side_by_side.twins.values())
    report.line()
    report.line(("interrupted: summary after " if interrupted else "summary after ") + f"{epochs_done} epochs "
                "(the final model, without dropout)")
    test_columns = f"{'test loss':>14}{'test acc.':>10}" if tested else ""
    report.line(f"  {'twin':<12}{'train loss':>14}{'accuracy':>10}{test_columns}{'ms per epoch':>14}")
    for name, twin in summary["twins"].items():
        per_epoch = twin["seconds_per_epoch"] * 1000
        test_cells = f"{twin['test_loss']:>14.10f}{twin['test_accuracy']:>10.4f}" if tested else ""
        report.line(f"  {name:<12}{twin['loss']:>14.10f}{twin['accuracy']:>10.4f}{test_cells}{per_epoch:>14.2f}")
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
        samples = f"{n_train} training and {len(data.test[any_twin][0])} test images, {settings['dtype']}"
    else:
        samples = f"{n_train} samples"
    dropout = f", dropout {settings['dropout']:g}" if settings["dropout"] else ""
    return (f"twinnet train: {args.data} data ({samples}), network {_shape(model)} {model['activation']} -> "
            f"{model['task']}, {args.optimizer} ({hyperparameters}), {settings['epochs']} epochs, {batches}"
            f"{dropout}, seed {args.seed}, twins: {' and '.join(settings['names'])}")


def command_train(args):
    settings = _settings(args)
    _check_plot_available(args)
    names = settings["names"]
    data = load_data(args.data, names, settings["samples"], settings["classes"], args.seed, args.data_dir,
                     settings["train_limit"], settings["test_limit"], settings["dtype"])
    model = _initial_model(args, settings, data.n_inputs, data.n_outputs)
    side_by_side = SideBySide.start(model, names, data, args.optimizer, settings["hyperparameters"],
                                    settings["batch_size"], args.seed, settings["dtype"])

    report = Report(sys.stderr if args.json else sys.stdout, names)
    epochs, every = settings["epochs"], settings["every"]
    report.line(_describe_run(args, settings, data, model))
    if settings["real"] and "pure" in names and not (args.train_limit and args.test_limit):
        report.line(f"  the pure twin's loops train on the first {settings['train_limit']} training images and are "
                    f"tested on the first {settings['test_limit']} test images (--train-limit, --test-limit)")
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
        summary.update({"data": args.data, "samples": len(data.train[names[0]][0]), "sizes": model["sizes"],
                        "epochs": epochs_done, "dtype": settings["dtype"], "interrupted": interrupted})
        print(json.dumps(summary))
    return EXIT_INTERRUPTED if interrupted else 0


# ---------------------------------------------------------------- data


class DownloadProgress:
    """A progress bar on a terminal; on anything else, nothing until each file is done."""

    def __init__(self, stream):
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, file_name, done, total):
        if self.live:
            share = f"{100 * done / total:5.1f}%" if total else ""
            self.stream.write(f"\r  {file_name:<28} {done / 1e6:7.1f} MB {share}")
            self.stream.flush()

    def done(self, file_name, what):
        if self.live:
            self.stream.write("\r" + " " * 60 + "\r")
        print(f"  {file_name:<28} {what}", flush=True)


def command_data(args):
    """Download (or, with --data-dir, check) the four files of MNIST or Fashion-MNIST."""
    dataset = datasets.DATASETS[args.name]
    if args.data_dir:
        folder = datasets.locate(args.name, args.data_dir)
    else:
        progress = DownloadProgress(sys.stderr)
        folder = datasets.download(args.name, args.folder, args.mirror and [args.mirror], retries=args.retries,
                                   backoff=args.retry_wait, progress=progress, log=progress.done)
    print(f"{args.name}: {len(dataset.sha256)} files verified in {folder}")
    return 0


def add_data_parser(commands):
    data = commands.add_parser(
        "data", help="download MNIST or Fashion-MNIST once, verified, into a cache",
        description="Download the four published files of a data set into the cache folder ($TWINNET_DATA, or "
                    "the platform's user cache), checking each file's SHA-256. With --data-dir, check files "
                    "already on disk instead, and download nothing.")
    data.add_argument("name", choices=sorted(datasets.DATASETS))
    data.add_argument("--data-dir", metavar="DIR", help="use (and verify) the files in DIR; download nothing")
    data.add_argument("--folder", metavar="DIR", help="download into DIR instead of the cache")
    data.add_argument("--mirror", metavar="URL", help="download from this base URL instead of the published ones")
    data.add_argument("--retries", type=_count, default=3, help="tries per file and mirror (3)")
    data.add_argument("--retry-wait", type=_non_negative, default=1.0,
                      help="seconds before the first retry, doubling after (1)")
    data.set_defaults(run=command_data)


# ---------------------------------------------------------------- show, check, exercise, docs


def _operation(name):
    from twinnet.source import find

    try:
        return find(name)
    except KeyError as error:
        raise UsageError(error.args[0]) from None


def command_show(args):
    """Print both twins' source of one operation, side by side."""
    from twinnet import source

    operation = _operation(args.name)
    print(source.side_by_side(operation, width=args.width, stacked=args.stacked), end="")
    return 0


def command_check(args):
    """Test someone's function against the reference; exit 0 when it agrees, 1 when it does not."""
    from twinnet import oracle

    _operation(args.name)
    try:
        function = oracle.load_function(args.target)
        report = oracle.check(function, args.name, args.style, args.examples, args.timeout)
    except oracle.UserCodeError as error:
        raise UsageError(str(error)) from None
    print(report)
    return 0 if report.passed else 1


def command_exercise(args):
    """Write an exercise stub for one operation."""
    from twinnet import exercises

    _operation(args.name)
    try:
        path = exercises.write(args.name, args.style, args.out, args.force)
    except FileExistsError as error:
        raise UsageError(str(error)) from None
    print(f"wrote {path}: fill in {args.name}, then run")
    print(f"    twinnet check {path}:{args.name} --as {args.name}")
    return 0


def command_docs(args):
    """Regenerate the reference pages from the registry."""
    from twinnet import reference

    changed = reference.write(args.out)
    print(f"{len(reference.pages())} reference pages in {args.out}: "
          + (f"updated {', '.join(changed)}" if changed else "all up to date"))
    return 0


def add_study_parsers(commands):
    show = commands.add_parser("show", help="print both twins' code of one operation side by side")
    show.add_argument("name", help="an operation, as twinnet list shows them")
    show.add_argument("--stacked", action="store_true", help="one after the other instead of side by side")
    show.add_argument("--width", type=_count, help="columns to fit (the terminal's width)")
    show.set_defaults(run=command_show)

    check = commands.add_parser(
        "check", help="test your own implementation against the reference",
        description="Test FILE.py:FUNCTION against twinnet's reference for NAME on inputs Hypothesis draws. "
                    "Exit 0 when they agree; 1 with the smallest disagreeing input when they do not.")
    check.add_argument("target", metavar="FILE.py:FUNCTION")
    check.add_argument("--as", dest="name", required=True, metavar="NAME", help="the operation it implements")
    check.add_argument("--style", choices=["lists", "numpy"],
                       help="what the function takes (detected: numpy if its module imports NumPy)")
    check.add_argument("--examples", type=_count, default=200, help="inputs to try (200)")
    check.add_argument("--timeout", type=_positive, default=5.0, help="seconds one call may take (5)")
    check.set_defaults(run=command_check)

    exercise = commands.add_parser("exercise", help="write an exercise stub for one operation")
    exercise.add_argument("name", help="an operation, as twinnet list shows them")
    exercise.add_argument("--out", metavar="FILE", help="where to write it (NAME.py)")
    exercise.add_argument("--style", choices=["lists", "numpy"], default="lists",
                          help="loops over lists, or NumPy (lists)")
    exercise.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    exercise.set_defaults(run=command_exercise)

    docs = commands.add_parser("docs", help="regenerate the side-by-side reference pages from the registry")
    docs.add_argument("--out", default="docs/reference", metavar="DIR", help="where (docs/reference)")
    docs.set_defaults(run=command_docs)


# ---------------------------------------------------------------- bench


def command_bench(args):
    """Time both twins against their ceilings, side by side in one run."""
    from twinnet import bench

    report = (lambda text: print(text, file=sys.stderr)) if args.json else print
    results = bench.run(args.quick, args.data_dir, report)
    if args.json:
        print(bench.to_json(results))
    return 0


def add_bench_parser(commands):
    bench = commands.add_parser(
        "bench", help="time both twins against their ceilings (flat scripts, matrix products, PyTorch)",
        description="Per operation, both twins and the speed-up; the vectorized training step against a flat "
                    "NumPy script, its matrix products and PyTorch; the pure epoch against a flat loop script "
                    "and micrograd; peak memory of MNIST training. Ratios are timed side by side in one run.")
    bench.add_argument("--quick", action="store_true", help="fewer sizes, shorter timings (under a minute)")
    bench.add_argument("--json", action="store_true", help="the results as one JSON object on stdout")
    bench.add_argument("--data-dir", metavar="DIR", help="MNIST files for the memory measurement (the cache)")
    bench.set_defaults(run=command_bench)


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
    add_data_parser(commands)
    add_study_parsers(commands)
    add_bench_parser(commands)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 0
    try:
        return args.run(args)
    except (UsageError, datasets.DataError) as error:
        print(f"twinnet {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_USAGE
    except OSError as error:  # a file to save or plot that cannot be written
        print(f"twinnet {args.command}: error: {error}", file=sys.stderr)
        return EXIT_BAD_USAGE


if __name__ == "__main__":
    sys.exit(main())
