"""twinnet predict: a saved model's answer to a row, a CSV file, a drawn digit or tokens, in both twins.

Each model is trained for a few steps (or made) here and saved in tmp_path; the pictures are drawn
here with Pillow. Every answer must be the same in both twins and equal to network.predict of each
twin on the same inputs.
"""

import ast
import contextlib
import importlib.util
import io
import json
import pathlib
import re
import sys

import numpy as np
import pytest

import pure.network
import vectorized.network
from twinnet import cli, predict

ROOT = pathlib.Path(__file__).resolve().parent.parent
needs_pillow = pytest.mark.skipif(importlib.util.find_spec("PIL") is None,
                                  reason='Pillow is not installed: pip install -e ".[image]" to test reading pictures')
NETWORKS = {"pure": pure.network, "vectorized": vectorized.network}
TINY_CNN = ('[{"type": "conv2d", "filters": 2, "kernel": 3}, {"type": "relu"}, {"type": "max_pool2d", "size": 2}, '
            '{"type": "flatten"}, {"type": "dense", "units": 10}]')


def run(*argv):
    """Run twinnet in this process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def predicted(*argv):
    """twinnet predict ARGV --json, which must succeed: its JSON."""
    code, out, err = run("predict", *map(str, argv), "--json")
    assert code == 0, err
    return json.loads(out)


def assert_each_twin_is_its_network(path, rows, result):
    """Each twin's probabilities are its own network.predict's on the rows, exactly; and the twins agree."""
    for name, network in NETWORKS.items():
        model = network.load(str(path))
        inputs = np.array(rows)
        if isinstance(model.get("inputs"), list):
            inputs = inputs.reshape(len(rows), *model["inputs"])
        expected = np.asarray(network.predict(model, inputs if name == "vectorized" else inputs.tolist()))
        got = np.array([row["probabilities"] for row in result["answers"][name]])
        np.testing.assert_array_equal(got, expected)
        assert [row["class"] for row in result["answers"][name]] == list(expected.argmax(axis=1))
    assert result["agree"] is True
    classes = {name: [row["class"] for row in rows] for name, rows in result["answers"].items()}
    assert classes["pure"] == classes["vectorized"]


@pytest.fixture(scope="module")
def spiral_model(tmp_path_factory):
    """A 2-64-3 classifier of the spiral, trained for 30 epochs by twinnet train and saved."""
    path = tmp_path_factory.mktemp("spiral") / "spiral.json"
    code, _, err = run("train", "--twin", "vectorized", "--epochs", "30", "--samples", "20", "--save", str(path))
    assert code == 0, err
    return path


@pytest.fixture
def mnist_models(tiny_mnist, tmp_path):
    """{"mlp": 784 features, "cnn": [1, 28, 28] images}: each trained for one epoch on tiny MNIST files."""
    paths = {}
    for kind, flags in (("mlp", ["--hidden", "16"]), ("cnn", ["--layers", TINY_CNN])):
        paths[kind] = tmp_path / f"{kind}.json"
        code, _, err = run("train", "--data", "mnist", "--data-dir", str(tiny_mnist), "--epochs", "1",
                           "--train-limit", "100", "--test-limit", "10", *flags, "--save", str(paths[kind]))
        assert code == 0, err
    return paths


# ---------------------------------------------------------------- a row, a CSV file


def test_a_row_in_both_twins(spiral_model):
    result = predicted(spiral_model, "0.3,-0.2")
    assert result["twins"] == ["pure", "vectorized"] and result["network"] == "2-64-3 relu -> classification"
    assert_each_twin_is_its_network(spiral_model, [[0.3, -0.2]], result)
    assert result["largest_difference"] <= 1e-12


def test_the_table_says_the_class_its_probabilities_and_that_the_twins_agree(spiral_model):
    code, out, err = run("predict", str(spiral_model), "0.3,-0.2")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == f"twinnet predict: {spiral_model}, network 2-64-3 relu -> classification, 1 row, twins: " \
                       "pure and vectorized"
    assert lines[1].split() == ["row", "input", "class", "probabilities,", "largest", "first"]
    probabilities = predicted(spiral_model, "0.3,-0.2")["answers"]["vectorized"][0]["probabilities"]
    order = np.argsort(probabilities)[::-1]
    # All three classes, largest first, each with its probability.
    assert lines[2].split() == ["1", "0.3,", "-0.2", str(order[0]),
                                *[part for k in order for part in (f"{k}:", f"{probabilities[k]:.4f}")]]
    assert lines[3].startswith("the twins agree: the same class for every row, and outputs within ")


def test_a_row_that_starts_with_a_minus_sign_is_input_not_a_flag(spiral_model):
    result = predicted(spiral_model, "-0.3,0.2")
    assert_each_twin_is_its_network(spiral_model, [[-0.3, 0.2]], result)
    assert predicted(spiral_model, "-1e-1,2e-1")["answers"] == predicted(spiral_model, "-0.1,0.2")["answers"]


def test_a_csv_file_of_rows_gets_an_answer_per_row(spiral_model, tmp_path):
    rows = [[0.1, 0.2], [-0.5, 0.5], [0.9, 0.0]]
    csv = tmp_path / "points.csv"
    csv.write_text("x, y\n0.1,0.2\n\n-0.5, 0.5\n0.9,0\n")  # a header, a blank line, spaces
    result = predicted(spiral_model, csv)
    assert [row["input"] for row in result["answers"]["pure"]] == ["0.1, 0.2", "-0.5, 0.5", "0.9, 0"]
    assert_each_twin_is_its_network(spiral_model, rows, result)
    code, out, _ = run("predict", str(spiral_model), str(csv))
    assert code == 0 and "3 rows" in out.splitlines()[0]
    assert [line.split()[0] for line in out.splitlines()[2:5]] == ["1", "2", "3"]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_one_twin_answers_alone(spiral_model, twin):
    result = predicted(spiral_model, "0.3,-0.2", "--twin", twin)
    assert list(result["answers"]) == [twin] and result["agree"] is None
    assert result["answers"][twin] == predicted(spiral_model, "0.3,-0.2")["answers"][twin]
    code, out, _ = run("predict", str(spiral_model), "0.3,-0.2", "--twin", twin)
    assert code == 0 and "agree" not in out and out.splitlines()[0].endswith(f"twins: {twin}")


def test_twins_that_disagree_are_a_finding(spiral_model, monkeypatch):
    """Exit 1, and each twin's answer printed, when the twins' outputs differ beyond the tolerance."""
    original = pure.network.predict
    monkeypatch.setattr(pure.network, "predict",
                        lambda model, inputs: [[p + 1e-6 for p in row] for row in original(model, inputs)])
    code, out, _ = run("predict", str(spiral_model), "0.3,-0.2")
    assert code == 1
    assert "pure:" in out.splitlines() and "vectorized:" in out.splitlines()
    assert out.splitlines()[-1].startswith("the twins disagree")
    code, out, _ = run("predict", str(spiral_model), "0.3,-0.2", "--json")
    assert code == 1 and json.loads(out)["agree"] is False


# ---------------------------------------------------------------- other tasks and tokens


def test_binary_and_regression_models(tmp_path):
    binary, regression = tmp_path / "binary.json", tmp_path / "regression.json"
    vectorized.network.save(vectorized.network.create([2, 4, 2], task="binary", seed=2), str(binary))
    vectorized.network.save(vectorized.network.create([1, 8, 1], task="regression", seed=3), str(regression))
    for path, row, key in ((binary, [0.5, 0.1], "probabilities"), (regression, [0.25], "outputs")):
        result = predicted(path, ",".join(map(str, row)))
        assert result["agree"] is True
        for name, network in NETWORKS.items():
            expected = np.asarray(network.predict(network.load(str(path)), [row]))[0]
            np.testing.assert_array_equal(result["answers"][name][0][key], expected)
    answer = predicted(binary, "0.5,0.1")["answers"]["vectorized"][0]
    assert answer["answer"] == [int(p > 0.5) for p in answer["probabilities"]]
    code, out, _ = run("predict", str(regression), "0.25")
    assert code == 0 and out.splitlines()[-1].startswith("the twins agree: outputs within ")


def test_a_sequence_model_continues_the_tokens_greedily(tmp_path):
    path = tmp_path / "tokens.json"
    model = vectorized.network.create_layers(
        {"length": 6, "vocabulary": 4}, [{"type": "embedding", "width": 8}, {"type": "positional_encoding"},
                                         {"type": "transformer_block", "heads": 2, "hidden": 8},
                                         {"type": "layer_norm"}, {"type": "dense", "units": 4}], seed=1)
    vectorized.network.save(model, str(path))
    result = predicted(path, "1,2,3")
    assert result["agree"] is True
    tokens = [1, 2, 3, 0, 0, 0]  # by hand: each next token the arg-max at the last position known
    for position in range(2, 6):
        outputs = vectorized.network.predict(model, np.array([tokens]))[0]
        if position + 1 < 6:
            tokens[position + 1] = int(outputs[position].argmax())
        last = int(outputs[position].argmax())
    for name in NETWORKS:
        assert result["answers"][name][0]["continuation"] == tokens[3:] + [last]
        assert result["answers"][name][0]["input"] == "1 2 3"
    assert len(predicted(path, "1,2,3,0,1,2")["answers"]["pure"][0]["continuation"]) == 1


# ---------------------------------------------------------------- pictures


def draw_one(path, light_on_dark=True, size=(200, 300), mode="L"):
    """A "1" in strokes 18 pixels wide, white on black (or black on a light grey), off centre."""
    from PIL import Image, ImageDraw

    ink, paper = (255, 0) if light_on_dark else (0, 230)
    picture = Image.new(mode, size, paper if mode == "L" else (paper,) * 3)
    ImageDraw.Draw(picture).line([(70, 90), (110, 50), (110, 250)], fill=ink if mode == "L" else (ink,) * 3,
                                 width=18)
    picture.save(path)
    return path


@needs_pillow
def test_a_drawn_digit_is_made_as_mnist_was(tmp_path):
    from PIL import Image

    white_on_black = predict.mnist_image(Image.open(draw_one(tmp_path / "one.png")))
    dark_on_light = predict.mnist_image(Image.open(draw_one(tmp_path / "dark.png", light_on_dark=False)))
    np.testing.assert_allclose(dark_on_light, white_on_black, atol=1e-6)  # inverted: the same digit
    assert white_on_black.shape == (28, 28) and white_on_black.min() >= 0 and white_on_black.max() <= 1
    rows, columns = np.nonzero(white_on_black)
    assert rows.max() - rows.min() + 1 == 20  # the longer side fits the 20x20 box
    assert columns.max() - columns.min() + 1 < 20
    ys, xs = np.indices(white_on_black.shape)
    centre = [(axis * white_on_black).sum() / white_on_black.sum() for axis in (ys, xs)]
    assert np.all(np.abs(np.array(centre) - 14) <= 0.5)  # centred by its centre of mass
    # A transparent background is white; 16-bit grey reads as its 8-bit twin.
    transparent = Image.new("RGBA", (200, 300), (0, 0, 0, 0))
    transparent.paste(Image.open(tmp_path / "dark.png").convert("RGBA"),
                      mask=Image.open(tmp_path / "one.png"))
    np.testing.assert_allclose(predict.mnist_image(transparent), white_on_black, atol=1e-6)
    deep = Image.fromarray(np.asarray(Image.open(tmp_path / "one.png"), dtype=np.uint16) * 257)
    np.testing.assert_allclose(predict.mnist_image(deep), white_on_black, atol=1e-6)


@needs_pillow
@pytest.mark.parametrize("kind", ["mlp", "cnn"])
@pytest.mark.parametrize("drawing", [("one.png", True), ("one.jpg", False)], ids=["white-on-black", "dark-on-light"])
def test_a_drawn_digit_gets_the_same_answer_in_both_twins(mnist_models, tmp_path, kind, drawing):
    from PIL import Image

    name, light_on_dark = drawing
    picture = draw_one(tmp_path / name, light_on_dark, mode="RGB")
    result = predicted(mnist_models[kind], picture)
    pixels = predict.mnist_image(Image.open(picture)).ravel().tolist()
    assert_each_twin_is_its_network(mnist_models[kind], [pixels], result)
    assert result["answers"]["pure"][0]["input"] == name
    code, out, _ = run("predict", str(mnist_models[kind]), str(picture))
    assert code == 0 and len(out.splitlines()[2].split()) == 3 + 2 * 3  # row, input, class, the top 3


# ---------------------------------------------------------------- errors: one line, exit 2


@pytest.mark.parametrize("input_, expected", [
    ("0.3", "INPUT: the model takes 2 numbers, got 1 value"),
    ("0.3,-0.2,1", "INPUT: the model takes 2 numbers, got 3 values"),
    ("0.3,abc", "INPUT: expected finite numbers separated by commas, got 'abc' as value 2"),
    ("0.3,nan", "INPUT: expected finite numbers separated by commas, got 'nan' as value 2"),
    ("points.csv", "points.csv: no such file (INPUT is a row of numbers such as 0.3,-0.2, a CSV file of rows, or a "
                   "PNG or JPEG picture)"),
    ("digit.png", "digit.png: a picture is an input for a model that takes 784 numbers or [1, 28, 28] images"),
])
def test_bad_input_is_one_line(spiral_model, input_, expected):
    code, out, err = run("predict", str(spiral_model), input_)
    assert code == 2 and out == ""
    assert err.startswith(f"twinnet predict: error: {expected}") and err.count("\n") == 1


@pytest.mark.parametrize("text, expected", [
    ("", "expected rows of numbers, one sample per line, got none"),
    ("x,y\n", "expected rows of numbers, one sample per line, got none"),
    ("x,y\n1,2\n3\n", "line 3: the model takes 2 numbers, got 1 value"),
    ("1,2\n3,four\n", "line 2: expected finite numbers separated by commas, got 'four' as value 2"),
])
def test_a_bad_csv_file_is_one_line(spiral_model, tmp_path, text, expected):
    csv = tmp_path / "rows.csv"
    csv.write_text(text)
    code, _, err = run("predict", str(spiral_model), str(csv))
    assert code == 2 and err.startswith(f"twinnet predict: error: {csv}") and expected in err


def test_a_missing_or_broken_model_file_is_one_line(tmp_path):
    code, _, err = run("predict", str(tmp_path / "none.json"), "1,2")
    assert code == 2 and err == f"twinnet predict: error: {tmp_path / 'none.json'}: No such file or directory\n"
    (tmp_path / "broken.json").write_text("{}")
    code, _, err = run("predict", str(tmp_path / "broken.json"), "1,2")
    assert code == 2 and "expected a 'twinnet-model' file" in err and err.count("\n") == 1


def test_tokens_out_of_the_vocabulary_or_too_many(tmp_path):
    path = tmp_path / "tokens.json"
    vectorized.network.save(vectorized.network.create_layers(
        {"length": 3, "vocabulary": 4}, [{"type": "embedding", "width": 4}, {"type": "dense", "units": 4}]), str(path))
    for row, expected in (("1,4", "expected token indices 0 to 3, got '4' as value 2"),
                          ("1,2.5", "expected token indices 0 to 3, got '2.5' as value 2"),
                          ("1,2,3,0", "the model takes up to 3 tokens, got 4")):
        code, _, err = run("predict", str(path), row)
        assert code == 2 and expected in err


@needs_pillow
def test_an_unreadable_picture_is_one_line(mnist_models, tmp_path):
    from PIL import Image

    (tmp_path / "text.png").write_text("not a picture")
    draw_one(tmp_path / "whole.png")
    (tmp_path / "cut.png").write_bytes((tmp_path / "whole.png").read_bytes()[:200])
    Image.new("L", (40, 40), 128).save(tmp_path / "blank.png")
    for name, expected in (("text.png", "cannot read it as a PNG or JPEG picture"),
                           ("cut.png", "cannot read it as a PNG or JPEG picture"),
                           ("blank.png", "the picture is all one shade: there is no digit in it"),
                           ("absent.png", "no such file")):
        code, _, err = run("predict", str(mnist_models["mlp"]), str(tmp_path / name))
        assert code == 2 and err.startswith(f"twinnet predict: error: {tmp_path / name}: {expected}"), err
        assert err.count("\n") == 1


def test_without_pillow_a_picture_names_the_extra(mnist_models, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)  # as if Pillow were not installed
    code, _, err = run("predict", str(mnist_models["mlp"]), str(tmp_path / "one.png"))
    assert code == 2
    assert err == f'twinnet predict: error: reading {tmp_path / "one.png"} needs Pillow, which is not installed: ' \
                  'pip install "twinnet[image]"\n'


def test_pillow_is_the_image_extra_that_ci_installs_as_the_readme_says():
    tomllib = pytest.importorskip("tomllib", reason="tomllib reads pyproject.toml from Python 3.11 on")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert [re.match(r"[\w-]+", spec).group() for spec in project["optional-dependencies"]["image"]] == ["pillow"]
    ci_install = re.findall(r"^pip install .*$", (ROOT / ".ci" / "run").read_text(), flags=re.M)
    assert len(ci_install) == 1 and "image" in re.search(r'"\.\[(.*)\]"', ci_install[0]).group(1).split(",")
    assert ci_install[0] in (ROOT / "README.md").read_text()  # a new user installs what CI installs
    # Pillow is imported where a picture is read, never when twinnet predict starts: rows need none of it.
    tree = ast.parse((ROOT / "twinnet" / "predict.py").read_text())
    top = {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
    top |= {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom)}
    assert "PIL" not in top
