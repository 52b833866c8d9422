"""The study and oracle tools: show, check (and twinnet.testing), exercise, the generated reference."""

import contextlib
import io
import pathlib
import textwrap

import pytest

from twinnet import cli, exercises, oracle, reference, registry, source
from twinnet.testing import assert_matches_reference, strategy, to_lists

ROOT = pathlib.Path(__file__).resolve().parent.parent
VALUE_OPERATIONS = [op for op in registry.OPERATIONS if op.run is None]


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


# ---------------------------------------------------------------- show


def test_show_puts_the_twins_side_by_side():
    code, out, _ = run("show", "softmax", "--width", "160")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "softmax  (activations; in pure/ and vectorized/)"
    assert out.count("Softmax of each row") == 1  # the shared docstring, once
    header = next(line for line in lines if line.startswith("pure/activations.py"))
    assert header.split("|")[1].strip() == "vectorized/activations.py"
    assert any(line.startswith("def softmax(inputs):") and line.endswith("| def softmax(inputs):") for line in lines)
    assert max(len(line) for line in lines) <= 160


def test_show_stacked_and_helpers():
    code, out, _ = run("show", "sigmoid", "--stacked")
    assert code == 0
    pure_part, vectorized_part = out.split("--- pure/activations.py ---")[1].split("--- vectorized/activations.py ---")
    assert "def _sigmoid(inputs):" in pure_part  # the private helpers the body calls come along,
    assert "def _logistic(x):" in pure_part  # and the ones they call
    assert "np.exp(-np.abs(inputs))" in vectorized_part


def test_show_fits_a_narrow_terminal_by_stacking():
    code, out, _ = run("show", "dot", "--width", "60")
    assert code == 0 and "--- pure/linalg.py ---" in out


def test_show_unknown_name_suggests():
    code, _, err = run("show", "softmx")
    assert code == 2 and "did you mean softmax?" in err


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
def test_every_operation_can_be_shown(operation):
    text = source.side_by_side(operation, width=200)
    assert f"def {operation.name}(" in text


# ---------------------------------------------------------------- check: the library's own functions pass


@pytest.mark.parametrize("twin, style", [("pure", "lists"), ("vectorized", "numpy")])
@pytest.mark.parametrize("operation", VALUE_OPERATIONS, ids=lambda op: op.name)
def test_check_accepts_the_library_in_both_forms(operation, twin, style):
    function = operation.function(twin)
    assert oracle.detect_style(function) == style
    report = oracle.check(function, operation.name, max_examples=10)
    assert report.passed, str(report)
    assert report.examples == 10


# ---------------------------------------------------------------- check: wrong versions fail, shrunk

WRONG = {
    "softmax_without_max_lists": ("softmax", """
        import math

        def softmax_without_max_lists(inputs):
            rows = []
            for row in inputs:
                exps = [math.exp(x) for x in row]
                rows.append([e / sum(exps) for e in exps])
            return rows
    """),
    "softmax_without_max_numpy": ("softmax", """
        import numpy as np

        def softmax_without_max_numpy(inputs):
            exps = np.exp(inputs)
            return exps / exps.sum(axis=1, keepdims=True)
    """),
    "cross_entropy_without_clip_lists": ("categorical_cross_entropy", """
        import math

        def cross_entropy_without_clip_lists(predictions, targets):
            total = 0.0
            for row, target in zip(predictions, targets):
                if isinstance(target, list):
                    total -= sum(t * math.log(p) for p, t in zip(row, target) if t)
                else:
                    total -= math.log(row[target])
            return total / len(predictions)
    """),
    "cross_entropy_without_clip_numpy": ("categorical_cross_entropy", """
        import numpy as np

        def cross_entropy_without_clip_numpy(predictions, targets):
            if targets.ndim == 1:
                targets = np.eye(predictions.shape[1])[targets]
            return float(-np.sum(targets * np.log(predictions)) / len(predictions))
    """),
    "dense_backward_forgets_transpose": ("dense_backward", """
        import numpy as np

        def dense_backward_forgets_transpose(dvalues, inputs, weights):
            return dvalues @ weights, inputs.T @ dvalues, dvalues.sum(axis=0)
    """),
    "sigmoid_backward_from_inputs": ("sigmoid_backward", """
        import numpy as np

        def sigmoid_backward_from_inputs(dvalues, outputs):
            # Treats what it was given as the sigmoid's inputs, and recomputes the sigmoid.
            s = 1 / (1 + np.exp(-outputs))
            return dvalues * s * (1 - s)
    """),
}


def _write(tmp_path, name):
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(WRONG[name][1]))
    return path


def _size(value):
    return sum(_size(v) for v in value) if isinstance(value, list) else 1


@pytest.mark.parametrize("name", sorted(WRONG))
def test_check_rejects_a_wrong_version_with_a_small_counterexample(tmp_path, name):
    operation = WRONG[name][0]
    path = _write(tmp_path, name)
    report = oracle.check(oracle.load_function(f"{path}:{name}"), operation, max_examples=200)
    assert not report.passed
    assert report.style == ("numpy" if "numpy" in WRONG[name][1] else "lists")
    # Shrunk: the counterexample is tiny, a handful of numbers at most.
    assert sum(_size(value) for value in report.inputs.values() if isinstance(value, list)) <= 8, report.inputs
    text = str(report)
    assert "The smallest input Hypothesis found:" in text and "expected:" in text and "got:" in text

    code, out, err = run("check", f"{path}:{name}", "--as", operation)
    assert code == 1 and "disagrees with the reference" in out


def test_check_reports_a_function_that_hangs(tmp_path):
    path = tmp_path / "slow.py"
    path.write_text("def relu(inputs):\n    while True:\n        pass\n")
    report = oracle.check(oracle.load_function(f"{path}:relu"), "relu", max_examples=3, timeout=0.2)
    assert not report.passed
    assert report.got == "no answer after 0.2 seconds" and "hung" in report.problem


def test_check_usage_errors(tmp_path):
    code, _, err = run("check", "nowhere.py:relu", "--as", "relu")
    assert code == 2 and "nowhere.py: no such file" in err
    (tmp_path / "broken.py").write_text("def relu(:\n")
    code, _, err = run("check", f"{tmp_path / 'broken.py'}:relu", "--as", "relu")
    assert code == 2 and "could not be imported: SyntaxError" in err
    (tmp_path / "empty.py").write_text("x = 1\n")
    code, _, err = run("check", f"{tmp_path / 'empty.py'}:relu", "--as", "relu")
    assert code == 2 and "has no function named 'relu'" in err
    (tmp_path / "saver.py").write_text("def save(model, path):\n    pass\n")
    code, _, err = run("check", f"{tmp_path / 'saver.py'}:save", "--as", "save")
    assert code == 2 and "reads or writes files" in err


# ---------------------------------------------------------------- twinnet.testing, in a user's own tests


def test_assert_matches_reference_in_a_users_test():
    import numpy as np

    def my_relu(inputs):
        return np.maximum(inputs, 0.0)

    def my_leaky_relu(inputs, slope=0.01):
        return np.where(inputs > 0, inputs, slope * inputs)

    assert assert_matches_reference(my_relu, "relu", max_examples=50).passed
    assert_matches_reference(my_leaky_relu, "leaky_relu", max_examples=50)

    def wrong_relu(inputs):
        return np.maximum(inputs, 0.0) + 1e-3

    with pytest.raises(AssertionError, match="disagrees with the reference"):
        assert_matches_reference(wrong_relu, "relu", max_examples=50)


def test_the_strategies_are_offered_too():
    from hypothesis import given, settings

    import pure.linalg

    @settings(max_examples=20, deadline=None)
    @given(strategy("matmul"))
    def users_own_property(kwargs):
        a, b = to_lists(kwargs)["a"], to_lists(kwargs)["b"]
        product = pure.linalg.matmul(a, b)
        assert len(product) == len(a) and len(product[0]) == len(b[0])

    users_own_property()


# ---------------------------------------------------------------- exercises


def test_exercise_stub_then_check(tmp_path):
    path = tmp_path / "softmax.py"
    code, out, _ = run("exercise", "softmax", "--out", str(path))
    assert code == 0 and f"twinnet check {path}:softmax --as softmax" in out
    text = path.read_text()
    assert "def softmax(inputs):" in text and "raise NotImplementedError" in text
    assert "Subtracting the row's maximum changes nothing mathematically" in text  # the docstring, whole

    code, out, _ = run("check", f"{path}:softmax", "--as", "softmax", "--examples", "5")
    assert code == 1 and "raised NotImplementedError" in out

    solved = text.replace('    raise NotImplementedError("write softmax: the docstring gives the shapes and the formula")',
                          textwrap.indent(textwrap.dedent("""
                              outputs = []
                              for row in inputs:
                                  exps = [math.exp(x - max(row)) for x in row]
                                  outputs.append([e / sum(exps) for e in exps])
                              return outputs
                          """).strip(), "    "))
    path.write_text(solved)
    code, out, _ = run("check", f"{path}:softmax", "--as", "softmax", "--examples", "50")
    assert code == 0, out
    assert "50 examples agree" in out

    code, _, err = run("exercise", "softmax", "--out", str(path))
    assert code == 2 and "--force" in err


@pytest.mark.parametrize("style", ["lists", "numpy"])
@pytest.mark.parametrize("operation", VALUE_OPERATIONS, ids=lambda op: op.name)
def test_every_exercise_stub_is_valid_python_of_its_style(operation, style):
    text = exercises.stub(operation.name, style)
    namespace = {}
    exec(compile(text, f"{operation.name}.py", "exec"), namespace)
    stub = namespace[operation.name]
    assert oracle.detect_style(stub) == style
    with pytest.raises(NotImplementedError):
        stub(**to_lists(operation.example)) if operation.example else stub()


# ---------------------------------------------------------------- the generated reference


def test_committed_reference_pages_are_up_to_date():
    folder = ROOT / "docs" / "reference"
    expected = reference.pages()
    committed = {path.name: path.read_text() for path in folder.glob("*.md")}
    assert sorted(committed) == sorted(expected), "run `twinnet docs` and commit docs/reference"
    stale = [name for name, text in expected.items() if committed[name] != text]
    assert not stale, f"docs/reference is out of date ({', '.join(stale)}): run `twinnet docs` and commit it"


def test_reference_pages_cover_every_operation():
    pages = reference.pages()
    for operation in registry.OPERATIONS:
        page = pages[f"{operation.module}.md"]
        assert f"## `{operation.name}`" in page
        assert f"<th>pure/{operation.module}.py</th><th>vectorized/{operation.module}.py</th>" in page
