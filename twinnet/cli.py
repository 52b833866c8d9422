"""The ``twinnet`` command: its arguments, and which module runs each command.

    twinnet list             every operation that exists in both twins
    twinnet train [flags]    train a network with both twins from one seed, side by side
    twinnet data NAME        download MNIST or Fashion-MNIST once, verified
    twinnet predict M INPUT  a saved model's answer to a row, a CSV file or a picture, from both twins
    twinnet show NAME        both twins' code of one operation, side by side
    twinnet check F.py:FN --as NAME     test your implementation against the reference
    twinnet grade DIR        grade a folder of exercise files into a table (CSV, JSON)
    twinnet exercise NAME    an exercise stub to fill in
    twinnet docs             regenerate docs/reference from the registry
    twinnet notebook [CH]    the chapters as Jupyter notebooks
    twinnet site DIR         the chapters and the side-by-side reference as an HTML site
    twinnet bench            time both twins against their ceilings

Each command is the function ``command(args)`` of the module named after it
(``twinnet train`` runs :func:`twinnet.train.command`). This module only parses:
its flag converters turn a bad value into one line that names the flag.

Exit codes: 0 done; 1 a finding (``check``: your function disagrees; ``train``:
training diverged; ``predict``: the twins disagree); 2 bad usage (a flag, a path, a file that cannot be read),
in one line on stderr; 130 interrupted by Ctrl-C, in one line, anywhere.
"""

import argparse
import importlib
import math
import re
import sys
import urllib.parse

from twinnet import UsageError, __version__
from twinnet.data import DataError

EXIT_BAD_USAGE = 2
EXIT_INTERRUPTED = 130  # what a shell reports for Ctrl-C: 128 + SIGINT


class Parser(argparse.ArgumentParser):
    def error(self, message):
        # One line, not argparse's usage block: the flag and what was wrong with it.
        self.exit(EXIT_BAD_USAGE, f"{self.prog}: error: {message}\n")


# ---------------------------------------------------------------- flag values


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
_two_or_more = _flag_value("an integer", int, lambda value: value >= 2, "an integer >= 2")
_epochs = _flag_value("an integer", int, lambda value: value >= 0, "an integer >= 0")
_non_negative = _flag_value("a number", float, lambda value: 0 <= value < math.inf, "a finite number >= 0")
_positive = _flag_value("a number", float, lambda value: 0 < value < math.inf, "a finite number > 0")
_rate = _flag_value("a number", float, lambda value: 0 <= value < 1, "a fraction in [0, 1)")


def _url(text):
    """A mirror's base URL: http(s) with a host, or file: (what urllib can fetch)."""
    parts = urllib.parse.urlsplit(text)
    if not ((parts.scheme in ("http", "https") and parts.netloc) or (parts.scheme == "file" and parts.path)):
        raise argparse.ArgumentTypeError(f"expected a URL such as https://example.org/mnist/, got {text!r}")
    return text


# ---------------------------------------------------------------- the commands' flags


def add_list_parser(commands):
    commands.add_parser("list", help="list every operation that exists in both twins")


def add_train_parser(commands):
    from twinnet.train import DATA_DEFAULTS

    train = commands.add_parser(
        "train", help="train a network with both twins from one seed, side by side",
        description="Train one network with the pure and the vectorized twin from the same seed, and show "
                    "their losses and accuracies side by side, the largest difference between them, and the "
                    "time each takes.")
    train.add_argument("--data", choices=list(DATA_DEFAULTS), default="spiral", help="the data set (spiral)")
    train.add_argument("--twin", choices=["both", "pure", "vectorized"],
                       help="which twins run (both; vectorized for mnist, fashion-mnist and sort)")
    train.add_argument("--epochs", type=_epochs,
                       help="passes over the data (spiral %(spiral)d, vertical %(vertical)d, sine %(sine)d)"
                       % {name: d["epochs"] for name, d in DATA_DEFAULTS.items()})
    train.add_argument("--model", choices=["mlp", "cnn"],
                       help="mlp: a multilayer perceptron (--hidden, --activation); cnn, for mnist and fashion-mnist: "
                            "a small convolutional network, conv2d 16 3x3 pad 1, relu, max_pool2d 2, conv2d 32 3x3 "
                            "pad 1, relu, max_pool2d 2, flatten, dense 128, relu, dropout 0.25, dense 10, trained with "
                            "adam (lr 0.001, decay 2e-4) in batches of 64 for 7 epochs, float32; when the pure twin "
                            "runs, the tiny conv2d 4 3x3, relu, max_pool2d 2, flatten, dense 10 on the first 300 "
                            "training and 150 test images, 5 epochs in batches of 20 (mlp)")
    train.add_argument("--layers", metavar="FILE_OR_JSON",
                       help="the network as a list of layers, in JSON or a .json file holding it, such as "
                            "'[{\"type\": \"dense\", \"units\": 16}, {\"type\": \"relu\"}, {\"type\": "
                            "\"dense\", \"units\": 3}]' (conv2d, max_pool2d, avg_pool2d, flatten, dense, dropout "
                            "and the activations); it ends in a dense layer with an output per class. mnist and "
                            "fashion-mnist give a list that starts with conv2d, a pool or flatten images of "
                            "[1, 28, 28], other lists 784 features. Not with --hidden, --activation, --dropout, "
                            "--model or --load")
    train.add_argument("--hidden", type=_count, nargs="+", metavar="SIZE", help="hidden layer sizes (64; sine 64 64)")
    # The architecture flags default to None, so that with --load a flag given can be told from one not given.
    train.add_argument("--activation", choices=["relu", "leaky_relu", "tanh", "sigmoid", "linear"],
                       help="activation of the hidden layers (relu)")
    train.add_argument("--init", choices=["classic", "he", "glorot"], help="initial weights (he)")
    train.add_argument("--optimizer", choices=["sgd", "adagrad", "rmsprop", "adam"], default="adam",
                       help="optimizer (adam)")
    train.add_argument("--lr", type=_positive,
                       help="learning rate (spiral %(spiral)g, vertical %(vertical)g, sine %(sine)g)"
                       % {name: d["lr"] for name, d in DATA_DEFAULTS.items()})
    train.add_argument("--decay", type=_non_negative, help="learning-rate decay (0)")
    train.add_argument("--batch-size", type=_count, help="samples per step (all of them)")
    train.add_argument("--dropout", type=_rate, help="dropout rate after hidden layers (0; mnist 0.2)")
    train.add_argument("--l1", type=_non_negative, help="L1 penalty on weights and biases (0)")
    train.add_argument("--l2", type=_non_negative, help="L2 penalty on weights and biases (0)")
    train.add_argument("--samples", type=_count, help="points per class (100), or in all for sine (100); training "
                       "sequences for sort (20000; 960 when the pure twin runs)")
    train.add_argument("--classes", type=_count, help="classes for spiral and vertical (3)")
    train.add_argument("--test-fraction", type=_rate, help="the part of spiral, vertical or sine held out for "
                       "testing, drawn from the seed (0.2; 0 holds out nothing)")
    train.add_argument("--length", type=_count, help="digits to sort, for sort (8; 4 when the pure twin runs)")
    train.add_argument("--symbols", type=_two_or_more, help="how many digits there are (0 .. N-1), for sort (10; 5 "
                       "when the pure twin runs)")
    train.add_argument("--seed", type=_integer, default=0, help="seed for data, weights, batches, dropout (0)")
    train.add_argument("--data-dir", metavar="DIR", help="mnist/fashion-mnist files from DIR instead of the cache")
    train.add_argument("--train-limit", type=_count, metavar="N",
                       help="train on the first N images (all; 2000 when the pure twin runs)")
    train.add_argument("--test-limit", type=_count, metavar="N",
                       help="test on the first N test images (all; 1000 when the pure twin runs)")
    train.add_argument("--dtype", choices=["float64", "float32"],
                       help="the vectorized twin's precision (float32 on real data alone, else float64)")
    train.add_argument("--every", type=_count, help="print a line every N epochs (a tenth of the run)")
    train.add_argument("--save", metavar="FILE", help="save the trained model (JSON); not when training diverges")
    train.add_argument("--load", metavar="FILE", help="start from a saved model instead of new weights; the file "
                       "gives the network, so --hidden, --activation, --dropout, --l1 and --l2 may only repeat it, "
                       "and --init does not apply")
    train.add_argument("--plot", metavar="FILE.png", help="draw loss curves and predictions (needs matplotlib); "
                       ".png, .jpg, .pdf or .svg")
    train.add_argument("--json", action="store_true", help="print the summary as one JSON object on stdout")


def add_data_parser(commands):
    from twinnet.data import DATASETS

    data = commands.add_parser(
        "data", help="download MNIST or Fashion-MNIST once, verified, into a cache",
        description="Download the four published files of a data set into the cache folder ($TWINNET_DATA, or "
                    "the platform's user cache), checking each file's SHA-256. With --data-dir, check files "
                    "already on disk instead, and download nothing.")
    data.add_argument("name", choices=sorted(DATASETS))
    data.add_argument("--data-dir", metavar="DIR", help="use (and verify) the files in DIR, gzipped or not; "
                      "download nothing")
    data.add_argument("--folder", metavar="DIR", help="download into DIR instead of the cache")
    data.add_argument("--mirror", metavar="URL", type=_url,
                      help="download from this base URL instead of the published ones")
    data.add_argument("--retries", type=_count, default=3, help="tries per file and mirror (3)")
    data.add_argument("--retry-wait", type=_non_negative, default=1.0,
                      help="seconds before the first retry, doubling after (1)")


def add_predict_parser(commands):
    predict = commands.add_parser(
        "predict", help="a saved model's answer to your own input, from both twins",
        description="Load a model that twinnet train --save wrote and answer INPUT with it, in both twins (or "
                    "the one --twin names), saying whether they agree: a classification's class and its "
                    "probabilities, a binary model's probability, a regression's outputs, a sequence model's "
                    "continuation of the tokens given.",
        epilog="INPUT: a row of numbers separated by commas (0.3,-0.2); a CSV file of such rows, one answer per "
               "row (a header line of words is skipped); for a model that takes 784 numbers or [1, 28, 28] images "
               "(MNIST, Fashion-MNIST), a PNG or JPEG picture, converted as MNIST's digits were made: grey scale, "
               "inverted if its background is light, the digit fitted in 20x20 and centred by its centre of mass in "
               "28x28, values in [0, 1] (needs pip install \"twinnet[image]\"); for a sequence model, token "
               "indices (3,1,4,10). Exit codes: 0 answered; 1 the twins disagree; 2 bad usage.")
    predict.add_argument("model", metavar="MODEL.json", help="a model file that twinnet train --save wrote")
    predict.add_argument("input", metavar="INPUT", help="a row such as 0.3,-0.2, a CSV file, or a PNG or JPEG picture")
    predict.add_argument("--twin", choices=["both", "pure", "vectorized"], default="both",
                         help="which twins answer (both)")
    predict.add_argument("--json", action="store_true", help="the answers as one JSON object on stdout")
    # A row that starts with a minus sign (-0.3,0.2 or -1e-3) is INPUT, not a flag: argparse takes
    # only plain negative numbers (-0.3) for values unless told what else one looks like.
    predict._negative_number_matcher = re.compile(r"^-\.?\d")


def add_show_parser(commands):
    show = commands.add_parser("show", help="print both twins' code of one operation side by side")
    show.add_argument("name", help="an operation, as twinnet list shows them")
    show.add_argument("--stacked", action="store_true", help="one after the other instead of side by side")
    show.add_argument("--width", type=_count, help="columns to fit (the terminal's width)")
    show.add_argument("--checks", action="store_true", help="show the input checks too (hidden by default)")


def add_check_parser(commands):
    check = commands.add_parser(
        "check", help="test your own implementation against the reference",
        description="Test FILE.py:FUNCTION against twinnet's reference for NAME on inputs Hypothesis draws. The "
                    "function runs in a worker process, each call with a time limit; it must not change its "
                    "arguments.",
        epilog="exit codes:\n"
               "  0    it agrees with the reference on every input tried\n"
               "  1    it does not: the smallest input, what the reference gives and what it gave (a wrong value,\n"
               "       an exception, sys.exit, a crash, a hang, a flood of output, a changed argument)\n"
               "  2    the check cannot run: unknown operation, no such file, a file that cannot be imported,\n"
               "       no such function, a library that is not installed (with --format json, gradescope or\n"
               "       junit, the result of a file that gives no function is written all the same)\n"
               "  130  interrupted by Ctrl-C",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    check.add_argument("target", metavar="FILE.py:FUNCTION")
    check.add_argument("--as", dest="name", required=True, metavar="NAME", help="the operation it implements")
    check.add_argument("--style", choices=["lists", "numpy", "torch", "jax", "cupy", "array-api"],
                       help="what the function takes: lists, NumPy arrays, or the arrays of PyTorch, JAX, CuPy or "
                            "any array-API library (array-api, given array-api-strict arrays); detected from what "
                            "its module imports")
    check.add_argument("--examples", type=_count, default=200, help="inputs to try (200)")
    check.add_argument("--timeout", type=_positive, default=10.0, help="seconds one call may take (10)")
    check.add_argument("--dtype", choices=["float64", "float32"], default="float64",
                       help="the precision of the arrays it is given, and the rounding allowed (float64)")
    check.add_argument("--rtol", type=_non_negative,
                       help="allowed difference per unit of each element's scale (1e-12; float32: 5.4e-4)")
    check.add_argument("--atol", type=_non_negative, help="allowed difference added to that (0; float32: 1.3e-41)")
    check.add_argument("--format", choices=["text", "json", "gradescope", "junit"], default="text",
                       help="text (the report); json (one object on stdout); gradescope (Gradescope's results.json, "
                            "to --output); junit (JUnit XML on stdout, or to --output)")
    check.add_argument("--output", metavar="PATH", help="where json or junit go instead of stdout (the report is "
                       "printed then), and where gradescope goes (results.json)")


def add_grade_parser(commands):
    grade = commands.add_parser(
        "grade", help="grade a folder of exercise files, one per operation, into a table",
        description="Check every NAME.py of EXERCISES_DIR against the operation NAME (its function NAME), one "
                    "file after the other, each as twinnet check does (in a worker process, each call with a time "
                    "limit), and write grades.csv and grades.json: a row per file, passed or not, the reason, and "
                    "the shrunk counterexample or the error. A file that hangs, exits, crashes, floods its output "
                    "or does not parse fails with its reason; a file not named after an operation is reported, not "
                    "graded.",
        epilog="exit codes: 0 every file passed; 1 some did not (or were not graded); 2 bad usage; 130 Ctrl-C")
    grade.add_argument("folder", metavar="EXERCISES_DIR")
    grade.add_argument("--output", metavar="DIR", default=".", help="where grades.csv and grades.json go (.)")
    grade.add_argument("--examples", type=_count, default=200, help="inputs to try per file (200)")
    grade.add_argument("--timeout", type=_positive, default=10.0, help="seconds one call may take (10)")


def add_exercise_parser(commands):
    exercise = commands.add_parser("exercise", help="write an exercise stub for one operation")
    exercise.add_argument("name", help="an operation, as twinnet list shows them")
    exercise.add_argument("--out", metavar="FILE", help="where to write it (NAME.py)")
    exercise.add_argument("--style", choices=["lists", "numpy"], default="lists",
                          help="loops over lists, or NumPy (lists)")
    exercise.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    exercise.add_argument("--notebook", action="store_true", help="write a Jupyter notebook NAME.ipynb instead: the "
                          "explanation, the stub and a grading cell (needs [notebook])")
    exercise.add_argument("--dir", metavar="DIR", help="with --notebook, the folder it goes into (.)")


def add_docs_parser(commands):
    docs = commands.add_parser("docs", help="regenerate the side-by-side reference pages from the registry")
    docs.add_argument("--out", metavar="DIR", help="where (docs/reference, when run in the repository's folder)")


def add_notebook_parser(commands):
    notebook = commands.add_parser(
        "notebook", help="write the chapters as Jupyter notebooks (needs [notebook])",
        description="Write docs/NN-name.md as NN-name.ipynb with jupytext, the chapter's doctests as code cells "
                    "to run (their expected output is what running them prints). Needs pip install -e "
                    "\".[notebook]\" in a source checkout.")
    notebook.add_argument("chapters", nargs="*", metavar="CHAPTER",
                          help="a chapter by number (5), name (softmax) or both (05-softmax); all of them by default")
    notebook.add_argument("--dir", metavar="DIR", help="the folder they go into, made if missing (notebooks)")
    notebook.add_argument("--force", action="store_true", help="overwrite notebooks that differ (your outputs)")


def add_site_parser(commands):
    site = commands.add_parser(
        "site", help="build the chapters and the side-by-side reference as a static HTML site (needs [site])",
        description="Build a static HTML site with MkDocs and the Material theme: the chapters, and for every "
                    "operation its docstring and both twins' code side by side. It works offline; serve it "
                    "(python -m http.server -d DIR) for the search. Needs pip install -e \".[site]\".")
    site.add_argument("dir", metavar="DIR", help="where to write the site: a new or empty folder, or a site built "
                      "before, which it replaces")


def add_bench_parser(commands):
    bench = commands.add_parser(
        "bench", help="time both twins against their ceilings (flat scripts, matrix products, PyTorch)",
        description="Per operation, both twins and the speed-up; the vectorized training step against a flat "
                    "NumPy script, its matrix products and PyTorch; the pure epoch against a flat loop script "
                    "and micrograd; peak memory of MNIST training. Ratios are timed side by side in one run.")
    bench.add_argument("--quick", action="store_true", help="fewer sizes, shorter timings (under a minute)")
    bench.add_argument("--json", action="store_true", help="the results as one JSON object on stdout")
    bench.add_argument("--data-dir", metavar="DIR", help="MNIST files for the memory measurement (the cache)")


def build_parser():
    parser = Parser(
        prog="twinnet",
        description="Neural networks from scratch, written twice: loops (pure) and NumPy (vectorized).",
    )
    parser.add_argument("--version", action="version", version=f"twinnet {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    for add_parser in (add_list_parser, add_train_parser, add_data_parser, add_predict_parser, add_show_parser,
                       add_check_parser,
                       add_grade_parser,
                       add_exercise_parser, add_docs_parser, add_notebook_parser, add_site_parser, add_bench_parser):
        add_parser(commands)
    return parser


# ---------------------------------------------------------------- dispatch


def _one_line(error):
    """An error as the one line after "error: ". An OSError names its file, never a temporary one."""
    if isinstance(error, OSError) and error.strerror:
        where = f"{error.filename}: " if error.filename is not None else ""
        return f"{where}{error.strerror}"
    return " ".join(str(error).split("\n")) if isinstance(error, OSError) else str(error)


def main(argv=None):
    """Parse, run the command, and turn what a user can cause into one line and an exit code."""
    name = "twinnet"
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return 0
        name = f"twinnet {args.command}"
        # Imported only now, so that `twinnet list` does not wait for what `twinnet bench` needs.
        command = importlib.import_module(f"twinnet.{args.command}").command
        return command(args)
    except KeyboardInterrupt:
        print(f"{name}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except (UsageError, DataError, OSError) as error:  # OSError: a file to read or write that cannot be
        print(f"{name}: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_BAD_USAGE


if __name__ == "__main__":
    sys.exit(main())
