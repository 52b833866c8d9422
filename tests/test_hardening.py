"""Hardening: bad input, damaged files and extreme runs get the same clear answer in both twins.

Each section belongs to one part of the hardening (issue 10) and says what it covers.
"""

import hashlib
import importlib
import json
import math
import os
import pathlib
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

import pure.network
import vectorized.network


# ---------------------------------------------------------------- network: model files
# Saving refuses NaN and infinity by name, load refuses what is not a model file with a
# ValueError naming the file (never a UnicodeDecodeError or a RecursionError), and every
# load message says how to make a file edited by hand load again.

NETWORKS = {"pure": pure.network, "vectorized": vectorized.network}


def _model_for(twin, seed=1):
    model = pure.network.create([2, 4, 3], seed=seed)
    if twin == "vectorized":
        model = {**model, "params": {name: np.array(array) for name, array in model["params"].items()}}
    return model


def _load_error(twin, path):
    with pytest.raises(ValueError) as raised:
        NETWORKS[twin].load(path)
    return str(raised.value)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_save_names_the_first_nan_or_infinity_and_the_file(tmp_path, twin, value):
    model = _model_for(twin)
    weights = np.array(model["params"]["weights0"], dtype=float)
    weights[1, 2] = value
    model["params"]["weights0"] = weights if twin == "vectorized" else weights.tolist()
    path = tmp_path / "model.json"
    with pytest.raises(ValueError) as raised:
        NETWORKS[twin].save(model, path)
    assert str(raised.value) == (f"save: model expected finite parameters, got {value!r} in weights0[1][2]: "
                                 f"nothing was written to {path}")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=re.escape(f"predict: model expected finite parameters, got {value!r} "
                                                     "in weights0[1][2]") + "$"):
        NETWORKS[twin].predict(model, [[1.0, 2.0]] if twin == "pure" else np.ones((1, 2)))


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_save_names_the_path_not_a_temporary_file(tmp_path, twin):
    missing = tmp_path / "no such folder" / "model.json"
    with pytest.raises(FileNotFoundError) as raised:
        NETWORKS[twin].save(_model_for(twin), missing)
    assert raised.value.filename == str(missing) and ".tmp" not in str(raised.value)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_save_honours_the_umask(tmp_path, twin):
    for umask, mode in ((0o022, 0o644), (0o077, 0o600), (0o002, 0o664)):
        previous = os.umask(umask)
        try:
            NETWORKS[twin].save(_model_for(twin), tmp_path / "model.json")
        finally:
            os.umask(previous)
        assert (tmp_path / "model.json").stat().st_mode & 0o777 == mode


def _saved_text(tmp_path):
    path = tmp_path / "saved.json"
    pure.network.save(_model_for("pure"), path)
    return path.read_text()


def _unreadable_files(text):
    """{name: (bytes, what the message says)} of files that are not model files a user might meet."""
    document = json.loads(text)
    with_nan = text.replace(repr(document["model"]["params"]["weights0"][0][0]), "NaN", 1)
    return {
        "binary junk": (bytes(range(256)), "got bytes that are not UTF-8 text (at byte 128)"),
        "UTF-16 text": (text.encode("utf-16"), "got bytes that are not UTF-8 text (at byte 0)"),
        "deeply nested JSON": (b"[" * 100000, "got JSON nested too deeply to read"),
        "NaN in the weights": (with_nan.encode(), 'expected finite numbers, got NaN or Infinity in "model"'),
    }


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("kind", ["binary junk", "UTF-16 text", "deeply nested JSON", "NaN in the weights"])
def test_a_file_that_is_no_model_is_a_value_error_naming_it(tmp_path, twin, kind):
    body, expected = _unreadable_files(_saved_text(tmp_path))[kind]
    path = tmp_path / "model.json"
    path.write_bytes(body)
    message = _load_error(twin, path)
    assert message.startswith(f"load: {path} expected ") and expected in message
    assert message == _load_error("pure" if twin == "vectorized" else "vectorized", path)  # the twins say the same


def _edited_files(text):
    """{name: (text, the remedy its message must give)}: the edits a user makes by hand."""
    document = json.loads(text)

    def edited(change):
        copy = json.loads(text)
        change(copy)
        return json.dumps(copy)

    return {
        "a weight changed": (edited(lambda d: d["model"]["params"]["weights0"][0].__setitem__(0, 0.5)),
                             "set it to what this prints: python -c "),
        "truncated": (text[: len(text) // 2], "correct the JSON there, or save the model again with twinnet"),
        "a comma too many": (text[:-1] + ",}", "correct the JSON there, or save the model again with twinnet"),
        "another format": (edited(lambda d: d.update(format="keras")), "a model file is a JSON object with "
                           '"format": "twinnet-model", "version": 1, "sha256" and "model", as save writes it'),
        "a newer version": (edited(lambda d: d.update(version=2)), 'this twinnet reads "version": 1'),
        "no checksum": (edited(lambda d: d.pop("sha256")), "save the model again with twinnet"),
        "NaN": (text.replace(repr(document["model"]["params"]["biases0"][0]), "NaN", 1), "put numbers there"),
    }


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("edit", ["a weight changed", "truncated", "a comma too many", "another format",
                                   "a newer version", "no checksum", "NaN"])
def test_every_load_error_says_how_to_make_the_file_load_again(tmp_path, twin, edit):
    text, remedy = _edited_files(_saved_text(tmp_path))[edit]
    path = tmp_path / "model.json"
    path.write_text(text)
    message = _load_error(twin, path)
    assert message.startswith(f"load: {path} expected ") and remedy in message


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_the_checksum_message_gives_a_command_that_fixes_the_file(tmp_path, twin):
    """Edit a weight by hand, run the command the message prints, put its output in "sha256": it loads."""
    path = tmp_path / "my model.json"  # a space, to be quoted in the command
    NETWORKS[twin].save(_model_for(twin), path)
    document = json.loads(path.read_text())
    document["model"]["params"]["weights0"][0][0] = 0.25
    path.write_text(json.dumps(document, indent=2))
    message = _load_error(twin, path)
    command = message.split("set it to what this prints: ", 1)[1]
    arguments = shlex.split(command)
    assert arguments[:2] == ["python", "-c"] and arguments[-1] == str(path)
    printed = subprocess.run([sys.executable, *arguments[1:]], capture_output=True, text=True, check=True).stdout
    document["sha256"] = printed.strip()
    path.write_text(json.dumps(document, indent=2))
    loaded = NETWORKS[twin].load(path)
    assert np.asarray(loaded["params"]["weights0"])[0, 0] == 0.25


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_model_that_does_not_fit_its_sizes_says_where_to_correct_it(tmp_path, twin):
    """The checksum matches (recomputed after the edit), but a bias is missing: the message names the file."""
    document = json.loads(_saved_text(tmp_path))
    document["model"]["params"]["biases0"] = document["model"]["params"]["biases0"][:-1]
    document["sha256"] = _hashlib_of(document["model"])
    path = tmp_path / "model.json"
    path.write_text(json.dumps(document))
    message = _load_error(twin, path)
    assert message.startswith("load: params of layer 0 expected shapes (2, 4) and (4,), got (2, 4) and (3,)")
    assert message.endswith(f'; correct "model" in {path} (and then its "sha256", as load says), '
                            "or save the model again with twinnet")


def _hashlib_of(model):
    return hashlib.sha256(json.dumps(model, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# ---------------------------------------------------------------- input checks of the operations
# The twins answer bad input alike (issue 10's first four bullets): a batch of
# images not flattened, a ragged batch as a NumPy object array, ints beyond
# int64 and beyond float64, NaN and infinity, logits where probabilities
# belong, targets outside [0, 1], and requests too large to compute. Each test
# gives both twins the same call and wants the same exception and message.




def _twin_module(twin, module):
    return importlib.import_module(f"{twin}.{module}")


def _refusal(function, *args):
    """The (type, message) a call raises, or its result when it raises nothing."""
    try:
        return function(*args)
    except (ValueError, TypeError) as error:
        return type(error), str(error)


def _refused_alike(module, name, args, expected_type, expected_message, vectorized_args=None):
    """Both twins refuse the call with ``expected_type`` and exactly ``expected_message``."""
    pure = _refusal(getattr(_twin_module("pure", module), name), *args)
    vectorized = _refusal(getattr(_twin_module("vectorized", module), name), *(vectorized_args or args))
    assert pure == vectorized == (expected_type, expected_message), (pure, vectorized)


_IMAGES = np.zeros((2, 28, 28))  # two MNIST images, not flattened to rows of 784


@pytest.mark.parametrize("as_array", [False, True], ids=["lists", "a NumPy array to vectorized"])
@pytest.mark.parametrize("module, name, arguments", [
    ("network", "predict", lambda twin, images: (_model_28(twin), images)),
    ("activations", "relu", lambda twin, images: (images,)),
    ("linalg", "matmul", lambda twin, images: (images, [[1.0]] * 28)),
    ("layers", "dense_forward", lambda twin, images: (images, [[0.5]] * 28, [0.0])),
    ("losses", "mean_squared_error", lambda twin, images: (images, images)),
], ids=["predict", "relu", "matmul", "dense_forward", "mean_squared_error"])
def test_a_batch_of_images_not_flattened_is_the_same_value_error(module, name, arguments, as_array):
    lists = _IMAGES.tolist()
    argument = "a" if name == "matmul" else "predictions" if name == "mean_squared_error" else "inputs"
    _refused_alike(module, name, arguments("pure", lists), ValueError,
                   f"{name}: {argument} expected a matrix (a list of rows), got shape (2, 28, 28)",
                   vectorized_args=arguments("vectorized", _IMAGES if as_array else lists))


def _model_28(twin):
    return _twin_module(twin, "network").create([28, 4, 3], seed=0)


def test_a_ragged_batch_as_an_object_array_is_refused_as_ragged_lists_are():
    ragged = [[1.0, 2.0], [3.0]]
    _refused_alike("activations", "relu", (ragged,), ValueError,
                   "relu: inputs expected rows of equal length, got ragged rows of lengths [1, 2]",
                   vectorized_args=(np.array(ragged, dtype=object),))
    # An object array of numbers is taken as the lists it holds.
    numbers = np.array([[1, -2.5], [3.0, 0]], dtype=object)
    assert _twin_module("vectorized", "activations").relu(numbers).tolist() == \
        _twin_module("pure", "activations").relu(numbers.tolist())


def test_an_int_beyond_int64_is_a_float_and_one_beyond_float64_is_refused():
    # 2**64 fits no NumPy int, but a float64 holds it (1.8e19): both twins compute with it.
    assert _twin_module("pure", "activations").softmax([[2**64, 1]]) == [[1.0, 0.0]]
    assert _twin_module("vectorized", "activations").softmax([[2**64, 1]]).tolist() == [[1.0, 0.0]]
    _refused_alike("activations", "softmax", ([[10**400, 1]],), ValueError,
                   "softmax: inputs expected finite numbers, got an int too large for a float64 (1329 bits) at [0][0]")


def test_nan_is_refused_at_its_position():
    _refused_alike("activations", "relu", ([[math.nan, -1.0]],), ValueError,
                   "relu: inputs expected finite numbers, got nan at [0][0]")
    _refused_alike("losses", "accuracy", ([[0.5, math.nan]], [1]), ValueError,
                   "accuracy: predictions expected finite numbers, got nan at [0][1]")


def test_infinity_is_refused_at_its_position():
    # Refused before any arithmetic, so NumPy has nothing to warn about (warnings are errors here).
    _refused_alike("activations", "softmax", ([[math.inf, 1]],), ValueError,
                   "softmax: inputs expected finite numbers, got inf at [0][0]")


def test_logits_given_to_a_loss_are_refused_as_not_probabilities():
    _refused_alike("losses", "categorical_cross_entropy", ([[2.0, 3.0, 0.0]], [1]), ValueError,
                   "categorical_cross_entropy: predictions expected probabilities (rows of a softmax, not logits), "
                   "got a row summing to 5.0 at row 0")
    # A row that sums to 1 is still no softmax's when a value lies outside [0, 1].
    _refused_alike("losses", "accuracy", ([[1.5, -0.5]], [0]), ValueError,
                   "accuracy: predictions expected probabilities in [0, 1] (rows of a softmax, not logits), "
                   "got 1.5 at [0][0]")


def test_a_binary_target_outside_zero_and_one_is_refused():
    _refused_alike("losses", "binary_cross_entropy", ([[0.5]], [[2]]), ValueError,
                   "binary_cross_entropy: targets expected values in [0, 1], got 2.0 at [0][0]")


# Each call in a fresh Python with 2 GB of address space and a time limit: a
# twin that began allocating (the pure twin once took 20 GB for uniform
# ((10**12,), 0)) fails this test with a MemoryError or a timeout, not the machine.
_TOO_LARGE = [
    ("rng.uniform((10**12,), 0)", "uniform: shape expected at most 100000000 values, got 1000000000000"),
    ("rng.normal((10**12,), 0)", "normal: shape expected at most 100000000 values, got 1000000000000"),
    ("layers.dropout_mask((10**6, 10**6), 0.5, 0)",
     "dropout_mask: shape expected at most 100000000 values, got 1000000000000"),
    ("data.spiral(10**9, 3, 0)", "spiral: samples expected at most 100000000, got 1000000000"),
    ("rng.permutation(10**12, 0)", "permutation: n expected at most 100000000, got 1000000000000"),
    ("network.create([10**6, 10**6])",
     "create: sizes expected at most 100000000 weights in a layer, got 1000000 x 1000000 in layer 0"),
    # Two moderate counts whose product is too large: refused under the function's own name.
    ("layers.init_dense(10**6, 10**6, 0)",
     "init_dense: n_neurons expected at most 100000000 weights (n_inputs x n_neurons), got 1000000 x 1000000"),
    ("data.spiral(10**5, 10**5, 0)",
     "spiral: classes expected at most 100000000 coordinates (samples x 2 x classes), got 100000 x 2 x 100000"),
    ("data.vertical(10**5, 10**5, 0)",
     "vertical: classes expected at most 100000000 coordinates (samples x 2 x classes), got 100000 x 2 x 100000"),
    ("data.sort_digits(10**5, 10**5, 10, 0)",
     "sort_digits: length expected at most 100000000 tokens (n_samples x 2 x length), got 100000 x 2 x 100000"),
    ("network.dropout_masks(network.create([2, 1000, 3], dropout=0.5), 10**6, 0)",
     "dropout_masks: n_samples expected at most 100000000 values in a mask (1000 x n_samples), got 1000 x 1000000"),
]

_TOO_LARGE_SCRIPT = """
import json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 * 1024**3, 2 * 1024**3))
answers = []
for twin in ("pure", "vectorized"):
    import importlib
    rng, layers, data, network = (importlib.import_module(f"{twin}.{name}")
                                  for name in ("rng", "layers", "data", "network"))
    try:
        eval(sys.argv[1])
        answers.append(None)
    except Exception as error:
        answers.append([type(error).__name__, str(error)])
print(json.dumps(answers))
"""


@pytest.mark.parametrize("call, message", _TOO_LARGE, ids=[call for call, _ in _TOO_LARGE])
def test_a_request_too_large_to_compute_is_refused_before_allocating(call, message):
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1",
                   "PYTHONPATH": os.pathsep.join([os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                                   os.environ.get("PYTHONPATH", "")])}
    finished = subprocess.run([sys.executable, "-c", _TOO_LARGE_SCRIPT, call], capture_output=True, text=True,
                               timeout=120, env=environment)
    assert finished.returncode == 0, finished.stderr
    assert json.loads(finished.stdout) == [["ValueError", message]] * 2


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_layer_sizes_given_as_a_numpy_array_are_the_list_they_hold(twin):
    model = _twin_module(twin, "network").create(np.array([2, 3]))
    assert model["sizes"] == [2, 3] and all(type(size) is int for size in model["sizes"])


# ---------------------------------------------------------------- command line: no traceback a user can reach
# Every command the README shows, run as a user runs it (a fresh `python -m
# twinnet.cli`), with bad input, a bad path, a damaged file and Ctrl-C: each
# ends in one line that starts with "twinnet", an exit code of 1, 2 or 130,
# and never a Python traceback. Ctrl-C is a real SIGINT, which the process
# sends itself at a point each case names (a function it is about to call),
# so that the signal lands mid-command without a race against the clock.



_CLI_ROOT = pathlib.Path(__file__).resolve().parent.parent

_CLI_WRAPPER = """
import importlib, os, signal, sys, time
if sys.argv[1]:
    path = sys.argv[1].split(".")  # such as twinnet.train.load_data, or twinnet.train.SideBySide.finish
    for end in range(len(path) - 1, 0, -1):
        try:
            target = importlib.import_module(".".join(path[:end]))
            break
        except ImportError:
            continue
    for name in path[end:-1]:
        target = getattr(target, name)
    def interrupted(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends
        time.sleep(30)                        # the signal arrives long before this ends
    setattr(target, path[-1], interrupted)
from twinnet import cli
sys.exit(cli.main(sys.argv[2:]))
"""


def _cli_files(folder):
    """Files the cases name: damaged ones, a folder without data, a user's function."""
    (folder / "junk.json").write_bytes(bytes(range(256)))
    (folder / "junk.py").write_bytes(b"\x00\x01def relu(:\n")
    (folder / "relu.py").write_text("def relu(inputs):\n    return inputs\n")
    damaged = folder / "damaged-mnist"
    damaged.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz",
                 "t10k-labels-idx1-ubyte.gz"):
        (damaged / name).write_bytes(b"\x1f\x8b" + bytes(100))
    (folder / "a file").write_text("not a folder")


# (command, what is wrong, argv, where Ctrl-C lands: "module.function" or "" for none)
_CLI_CASES = [
    ("list", "bad input", ["list", "extra"], ""),
    ("list", "Ctrl-C", ["list"], "twinnet.contract.registry.by_module"),
    ("train", "bad input", ["train", "--lr", "-1"], ""),
    ("train", "bad input", ["train", "--hidden", "0"], ""),
    ("train", "bad path", ["train", "--save", "/nonexistent/dir/m.json"], ""),
    ("train", "bad path", ["train", "--plot", "/nonexistent/x.png"], ""),
    ("train", "bad path", ["train", "--load", "/nonexistent/m.json"], ""),
    ("train", "bad path", ["train", "--data", "mnist", "--data-dir", "/nonexistent"], ""),
    ("train", "damaged file", ["train", "--load", "TMP/junk.json"], ""),
    ("train", "damaged file", ["train", "--data", "mnist", "--data-dir", "TMP/damaged-mnist"], ""),
    ("train", "Ctrl-C", ["train", "--data", "mnist"], "twinnet.train.load_data"),
    ("train", "Ctrl-C", ["train", "--epochs", "1", "--samples", "5", "--json"], "twinnet.train.SideBySide.finish"),
    ("data", "bad input", ["data", "mnist2"], ""),
    ("data", "bad input", ["data", "mnist", "--mirror", "notaurl"], ""),
    ("data", "bad path", ["data", "mnist", "--data-dir", "/nonexistent"], ""),
    ("data", "bad path", ["data", "mnist", "--folder", "TMP/a file/mnist"], ""),
    ("data", "damaged file", ["data", "mnist", "--data-dir", "TMP/damaged-mnist"], ""),
    ("data", "Ctrl-C", ["data", "mnist", "--data-dir", "TMP/damaged-mnist"], "twinnet.data.sha256_of"),
    ("data", "Ctrl-C", ["data", "mnist", "--folder", "TMP/cache"], "twinnet.data._fetch_once"),
    ("show", "bad input", ["show", "softmx"], ""),
    ("show", "bad input", ["show", "softmax", "--width", "0"], ""),
    ("show", "Ctrl-C", ["show", "softmax"], "twinnet.show.side_by_side"),
    ("check", "bad input", ["check", "relu.py", "--as", "relu"], ""),
    ("check", "bad input", ["check", "TMP/relu.py:relu", "--as", "relux"], ""),
    ("check", "bad path", ["check", "/nonexistent.py:relu", "--as", "relu"], ""),
    ("check", "damaged file", ["check", "TMP/junk.py:relu", "--as", "relu"], ""),
    ("check", "Ctrl-C", ["check", "TMP/relu.py:relu", "--as", "relu"], "twinnet.check._attempt"),
    ("check", "bad path", ["check", "TMP/relu.py:relu", "--as", "relu", "--format", "gradescope", "--output",
                           "/nonexistent/results.json"], ""),
    ("check", "damaged file", ["check", "TMP/junk.py:relu", "--as", "relu", "--format", "junit"], ""),
    ("grade", "bad input", ["grade", "TMP", "--examples", "0"], ""),
    ("grade", "bad path", ["grade", "/nonexistent"], ""),
    ("grade", "bad path", ["grade", "TMP", "--output", "TMP/a file"], ""),
    ("grade", "Ctrl-C", ["grade", "TMP", "--output", "TMP"], "twinnet.grade.grade_file"),
    ("exercise", "bad input", ["exercise", "softmx"], ""),
    ("exercise", "bad path", ["exercise", "relu", "--out", "/nonexistent/relu.py"], ""),
    ("exercise", "damaged file", ["exercise", "relu", "--out", "TMP/junk.py"], ""),
    ("exercise", "Ctrl-C", ["exercise", "relu", "--out", "TMP/relu2.py"], "twinnet.exercise.stub"),
    ("docs", "bad path", ["docs"], ""),  # run outside the repository
    ("docs", "bad path", ["docs", "--out", "TMP/a file"], ""),
    ("docs", "Ctrl-C", ["docs", "--out", "TMP/reference"], "twinnet.docs.pages"),
    ("bench", "bad input", ["bench", "--quick", "--fast"], ""),
    ("bench", "bad path", ["bench", "--data-dir", "/nonexistent"], ""),
    ("bench", "damaged file", ["bench", "--data-dir", "TMP/damaged-mnist"], ""),
    ("bench", "Ctrl-C", ["bench", "--quick"], "twinnet.bench.run"),
]


@pytest.mark.parametrize("command, wrong, argv, interrupt", _CLI_CASES,
                          ids=[f"{case[0]}: {case[1]}: {' '.join(case[2][1:])}" for case in _CLI_CASES])
def test_no_command_shows_a_traceback(tmp_path, command, wrong, argv, interrupt):
    _cli_files(tmp_path)
    argv = [argument.replace("TMP", str(tmp_path)) for argument in argv]
    environment = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "TWINNET_DATA": str(tmp_path / "cache"),
                   "PYTHONPATH": os.pathsep.join([str(_CLI_ROOT), os.environ.get("PYTHONPATH", "")])}
    finished = subprocess.run([sys.executable, "-c", _CLI_WRAPPER, interrupt, *argv], cwd=tmp_path,
                               capture_output=True, text=True, timeout=120, env=environment)
    output = finished.stdout + finished.stderr
    assert "Traceback" not in output, output
    if wrong == "Ctrl-C":
        assert finished.returncode == 130, output
        assert finished.stderr.strip().splitlines()[-1] == f"twinnet {command}: interrupted"
    else:
        assert finished.returncode == 2, output
        first = finished.stderr.splitlines()[0]
        assert first.startswith(("twinnet: error: ", f"twinnet {command}: error: ")), output
