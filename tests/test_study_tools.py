"""The study and oracle tools: show, check (and twinnet.testing), exercise, the generated reference."""

import contextlib
import io
import pathlib
import re
import textwrap

import pytest

from twinnet import check as oracle
from twinnet import cli, docs, exercise, show
from twinnet.contract import registry
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
    assert "def softmax(inputs):   (same in both twins)" in lines  # one line for both twins: they share it
    assert max(len(line) for line in lines) <= 160


def test_show_stacked_and_helpers():
    code, out, _ = run("show", "sigmoid", "--stacked")
    assert code == 0
    pure_part, vectorized_part = out.split("--- pure/activations.py ---")[1].split("--- vectorized/activations.py ---")
    assert "def _logistic(x):" in pure_part  # the private helpers the body calls come along
    assert "np.exp(-np.abs(inputs))" in vectorized_part


def test_show_fits_a_narrow_terminal_by_stacking():
    code, out, _ = run("show", "dot", "--width", "60")
    assert code == 0 and "--- pure/linalg.py ---" in out


def test_show_unknown_name_suggests():
    code, _, err = run("show", "softmx")
    assert code == 2 and "did you mean softmax?" in err


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
def test_every_operation_can_be_shown(operation):
    text = show.side_by_side(operation, width=200)
    assert f"def {operation.name}(" in text


# ---------------------------------------------------------------- show: a teaching diff


def _cells(text):
    """(left, right) cells of every side-by-side row; a row across both columns comes as (row, None)."""
    lines = text.splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("-") and "-+-" in line)
    column = lines[start].index("+") - 1
    cells = []
    for line in lines[start + 1:]:
        if len(line) > column and line[column:column + 3] in (" | ", " |"):
            cells.append((line[:column].rstrip(), line[column + 3:]))
        else:
            cells.append((line, None))
    return cells


@pytest.mark.parametrize("stacked", [False, True], ids=["side-by-side", "stacked"])
@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
def test_show_hides_validation_unless_asked(operation, stacked):
    text = show.side_by_side(operation, width=120, stacked=stacked)
    assert [line for line in text.splitlines() if "_checks" in line] == []
    with_checks = show.side_by_side(operation, width=120, stacked=stacked, checks=True)
    assert f"def {operation.name}(" in with_checks
    assert len(with_checks) >= len(text)


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
def test_show_lines_the_twins_up(operation):
    """Where the twins differ, both columns are filled from the same row; the rest is folded; all fits."""
    for width in (100, 160):
        text = show.side_by_side(operation, width=width)
        assert max(len(line) for line in text.splitlines()) <= width, width
        cells = _cells(text)
        _, _, chunk_lists = show.paired_chunks(operation)
        differ = [chunk for chunk in chunk_lists[0] if isinstance(chunk, show.Differ)]
        if any(chunk.left and chunk.right for chunk in differ):
            assert any(left.strip() and right and right.strip() for left, right in cells)
        # the operation's own def line comes first, folded or side by side
        first_left, first_right = cells[0]
        assert first_left.startswith(f"def {operation.name}(")
        if first_right is None:
            assert first_left.endswith("same in both twins)")
        else:
            assert first_right.startswith(f"def {operation.name}(")


@pytest.mark.parametrize("operation", registry.OPERATIONS, ids=lambda op: op.name)
def test_show_never_splits_a_name_and_keeps_comments_comments(operation):
    """Every line cut to a column keeps its names and numbers whole; a cut comment goes on as a comment."""
    pure, vectorized = show.twin_source(operation, "pure"), show.twin_source(operation, "vectorized")
    for source in (pure, vectorized):
        for column in (30, 48, 58, 78):
            for line in source.code:
                pieces = show._wrap(line, column)
                words = [word for piece in pieces for word in re.findall(r"\w+", piece)]
                assert words == re.findall(r"\w+", line), (column, line, pieces)
                if show._strings_and_comment(line)[1] is not None:
                    # once a piece has reached the comment, every piece after it starts with #
                    first = next(index for index, piece in enumerate(pieces)
                                 if show._strings_and_comment(piece)[1] is not None)
                    assert all(piece.lstrip().startswith("#") for piece in pieces[first + 1:]), (column, pieces)
            poured = show._column(source.code, column)
            words = [word for line in poured for word in re.findall(r"\w+", line)]
            assert words == [word for line in source.code for word in re.findall(r"\w+", line)]


def test_wrap_cuts_between_names_and_continues_comments():
    line = "    return _binary_cross_entropy_backward(predictions, targets) / len(predictions)"
    pieces = show._wrap(line, 48)
    assert all(len(piece) <= 48 for piece in pieces)
    assert "_binary_cross_entropy_backward(" in pieces[0] + pieces[1]
    assert [word for piece in pieces for word in re.findall(r"\w+", piece)] == re.findall(r"\w+", line)
    comment = "    # exp(-|x|) is exp(-x) for positive x and exp(x) for negative x: one exponential per element"
    pieces = show._wrap(comment, 40)
    assert len(pieces) > 2 and all(piece.startswith("    # ") for piece in pieces)
    trailing = "    total = 0.0  # the sum of every sample's loss, divided by n_samples at the very end of it"
    pieces = show._wrap(trailing, 40)
    assert pieces[0].startswith("    total = 0.0")
    assert all(piece.lstrip().startswith("#") for piece in pieces[1:])
    # a token longer than the column overflows it, whole
    long = "    x = a_name_far_longer_than_the_column_it_is_shown_in_by_a_lot + 1"
    assert show._wrap(long, 30)[1].strip().startswith("a_name_far_longer_than_the_column")


TWIN_A = '''
from pure import _checks


@_checks.takes(inputs="matrix", scale="number")
def op(inputs, scale=1.0):
    """A made-up operation: the rows of inputs, clipped, scaled."""
    limit = 10 ** 6
    if len(inputs) > limit:
        _checks.fail(ValueError, "op", "inputs expected a smaller batch, got a huge one")
    rows = [list(row) for row in inputs]
    # The same three lines in both twins, and this comment with them.
    try:
        n_samples = len(rows)
    except TypeError:
        _checks.fail(TypeError, "op", "inputs expected rows")
    n_features = len(rows[0])
    total = n_samples * n_features
    return [[_clip(x) * scale for x in row] for row in rows], total


def _clip(x):
    return min(max(x, 0.0), 1.0)


def _only_here():
    return 0
'''

TWIN_B = '''
import numpy as np

from vectorized import _checks


@_checks.takes(inputs="matrix", scale="number")
def op(inputs, scale=1.0):
    """A made-up operation: the rows of inputs, clipped, scaled."""
    limit = 10 ** 6
    if len(inputs) > limit:
        _checks.fail(ValueError, "op", "inputs expected a smaller batch, got a huge one")
    rows = np.asarray(inputs)
    # The same three lines in both twins, and this comment with them.
    try:
        n_samples = len(rows)
    except TypeError:
        _checks.fail(TypeError, "op", "inputs expected rows")
    n_features = len(rows[0])
    total = n_samples * n_features
    return _clip(rows) * scale + _over_there(), total


def _over_there():
    return 0


def _clip(x):
    return np.clip(x, 0.0, 1.0)
'''


@pytest.fixture
def made_up_operation(tmp_path, monkeypatch):
    import importlib
    import sys
    import types

    (tmp_path / "twin_a.py").write_text(TWIN_A)
    (tmp_path / "twin_b.py").write_text(TWIN_B)
    monkeypatch.syspath_prepend(str(tmp_path))
    modules = {"pure": importlib.import_module("twin_a"), "vectorized": importlib.import_module("twin_b")}
    yield types.SimpleNamespace(name="op", module="made_up", pure=modules["pure"].op,
                                function=lambda twin: modules[twin].op)
    for name in ("twin_a", "twin_b"):
        sys.modules.pop(name, None)


def test_show_pairs_helpers_by_name_and_folds_what_is_equal(made_up_operation):
    text = show.side_by_side(made_up_operation, width=140)
    cells = _cells(text)
    assert cells[0] == ("def op(inputs, scale=1.0):   (same in both twins)", None)
    assert cells[1] == ("    rows = [list(row) for row in inputs]", "    rows = np.asarray(inputs)")
    assert ("    # The same three lines in both twins, and this comment with them.   "
            "(3 lines, same in both twins)", None) in cells
    assert "n_features = len" not in text  # folded into the line above
    # the run's last line stays in sight, for the differing lines that follow it
    assert ("    total = n_samples * n_features   (same in both twins)", None) in cells
    assert "_checks" not in text and "10 ** 6" not in text  # the if that only validates goes with its check,
    assert "limit" not in text  # and so does what only that if reads;
    assert "try:" not in text and "except" not in text  # a try whose except only validates is its body
    # _clip beside _clip although the twins define their helpers in another order
    clip_row = next(index for index, (left, right) in enumerate(cells) if left.startswith("def _clip"))
    assert cells[clip_row] == ("def _clip(x):   (same in both twins)", None)
    assert cells[clip_row + 1] == ("    return min(max(x, 0.0), 1.0)", "    return np.clip(x, 0.0, 1.0)")
    # a helper only one twin has stands alone on its side
    assert ("", "def _over_there():") in cells and ("", "    return 0") in cells
    assert "_only_here" not in text  # not called: not shown
    with_checks = show.side_by_side(made_up_operation, width=140, checks=True)
    assert '@_checks.takes(inputs="matrix", scale="number")   (same in both twins)' in with_checks.splitlines()
    assert "_checks.fail(ValueError" in with_checks
    for line in ("    limit = 10 ** 6", "    try:", "        n_samples = len(rows)"):
        assert line in with_checks


def test_show_train_step_prints_a_few_rows():
    text = show.side_by_side(registry.get("train_step"), width=120)
    rows = _cells(text)
    assert len(rows) <= 40, len(rows)
    assert any("same in both twins" in left for left, right in rows if right is None)


def test_show_checks_flag():
    code, out, _ = run("show", "relu_backward", "--checks", "--width", "120")
    assert code == 0
    assert '@_checks.takes(dvalues="matrix", inputs="matrix like dvalues")' in out
    code, out, _ = run("show", "relu_backward", "--width", "120")
    assert code == 0 and "_checks" not in out


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
    text = exercise.stub(operation.name, style)
    namespace = {}
    exec(compile(text, f"{operation.name}.py", "exec"), namespace)
    stub = namespace[operation.name]
    assert oracle.detect_style(stub) == style
    with pytest.raises(NotImplementedError):
        stub(**to_lists(operation.example)) if operation.example else stub()


# ---------------------------------------------------------------- the generated reference


def test_committed_reference_pages_are_up_to_date():
    folder = ROOT / "docs" / "reference"
    expected = docs.pages()
    committed = {path.name: path.read_text() for path in folder.glob("*.md")}
    assert sorted(committed) == sorted(expected), "run `twinnet docs` and commit docs/reference"
    stale = [name for name, text in expected.items() if committed[name] != text]
    assert not stale, f"docs/reference is out of date ({', '.join(stale)}): run `twinnet docs` and commit it"


def test_reference_pages_cover_every_operation():
    pages = docs.pages()
    for operation in registry.OPERATIONS:
        page = pages[f"{operation.module}.md"]
        assert f"## `{operation.name}`" in page
        assert f"<th>pure/{operation.module}.py</th><th>vectorized/{operation.module}.py</th>" in page


def test_reference_pages_fold_and_leave_out_the_checks():
    pages = docs.pages()
    for name, page in pages.items():
        tables = re.findall(r"<table>.*?</table>", page, flags=re.S)
        assert [table for table in tables if "_checks" in table] == [], name
    assert 'colspan="2"' in pages["network.md"] and "same in both twins" in pages["network.md"]
    # the network code calls the operations, and is mostly the same in both twins: folded, it is short
    assert len(pages["network.md"].splitlines()) <= 1452 // 2


# ---------------------------------------------------------------- issue 10: what the docs promise, the tools do

# A reader of IDX labels written as a learner would, from docs/10-mnist.md's description of the format.
IDX_LABELS_READER = '''
import gzip
import struct


def read_labels(path, limit=None):
    with open(path, "rb") as file:
        raw = file.read()
    if raw[:2] == b"\\x1f\\x8b":
        raw = gzip.decompress(raw)
    magic, count = struct.unpack(">II", raw[:8])
    count = count if limit is None else min(count, limit)
    return list(raw[8:8 + count])
'''


def test_the_check_the_mnist_chapter_suggests_works(tmp_path, monkeypatch):
    """docs/10-mnist.md: `twinnet exercise read_labels`, then the `twinnet check` command it names, in that order."""
    chapter = (ROOT / "docs" / "10-mnist.md").read_text()
    commands = re.findall(r"`(twinnet check [^`]*)`", " ".join(chapter.split()))
    assert commands == ["twinnet check read_labels.py:read_labels --as read_labels"]
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("exercise", "read_labels")
    assert code == 0 and "    twinnet check read_labels.py:read_labels --as read_labels" in out
    assert "twinnet check read_labels.py:read_labels --as read_labels" in (tmp_path / "read_labels.py").read_text()
    arguments = commands[0].split()[1:]
    code, out, err = run(*arguments, "--examples", "10")
    assert code == 1 and "raised NotImplementedError" in out, err  # checked, not refused: the stub is not written yet
    (tmp_path / "read_labels.py").write_text(IDX_LABELS_READER)
    code, out, err = run(*arguments, "--examples", "50")
    assert code == 0, out + err
    assert out.strip() == "read_labels: 50 examples agree with the reference (lists style)"


def test_check_finds_an_idx_reader_that_forgets_gzip(tmp_path):
    path = tmp_path / "my_idx.py"
    gunzip = '    if raw[:2] == b"\\x1f\\x8b":\n        raw = gzip.decompress(raw)\n'
    assert gunzip in IDX_LABELS_READER
    path.write_text(IDX_LABELS_READER.replace(gunzip, ""))
    code, out, _ = run("check", f"{path}:read_labels", "--as", "read_labels", "--examples", "100")
    assert code == 1
    assert "    path = an IDX labels file (gzipped) of the labels [" in out


def test_an_exercise_check_cannot_check_does_not_suggest_it(tmp_path):
    path = tmp_path / "save.py"
    code, out, _ = run("exercise", "save", "--out", str(path))
    assert code == 0 and "twinnet check" not in out.replace("twinnet check cannot check", "")
    text = path.read_text()
    assert "--as save" not in text and "`twinnet check` cannot check save" in text


def test_check_runs_a_file_of_any_name_as_python_and_refuses_junk(tmp_path):
    (tmp_path / "junk.txt").write_bytes(bytes(range(256)))
    code, _, err = run("check", f"{tmp_path / 'junk.txt'}:relu", "--as", "relu")
    assert code == 2 and len(err.splitlines()) == 1 and "could not be imported" in err
    (tmp_path / "exits.py").write_text("import sys\nsys.exit(3)\n")
    code, _, err = run("check", f"{tmp_path / 'exits.py'}:relu", "--as", "relu")
    assert code == 2 and "could not be imported: SystemExit: 3" in err
    code, _, err = run("check", f"{tmp_path}:relu", "--as", "relu")
    assert code == 2 and "not a file" in err


# ---------------------------------------------------------------- check: classic bugs, and exercises solved


def _rejected(tmp_path, name, operation, source):
    """`twinnet check`'s report on a wrong version of ``operation`` (the function ``name`` in ``source``),
    once it is proved rejected with the smallest input found, by the function and by the command."""
    path = tmp_path / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    report = oracle.check(oracle.load_function(f"{path}:{name}"), operation, max_examples=300)
    assert not report.passed, str(report)
    assert report.style == ("numpy" if "numpy" in source else "lists")
    assert "The smallest input Hypothesis found:" in str(report)
    code, out, _ = run("check", f"{path}:{name}", "--as", operation)
    assert code == 1 and "disagrees with the reference" in out
    return report


def _solved_exercise(tmp_path, name, solution):
    """The text of the NumPy exercise stub of ``name``, once `twinnet check` has refused it unsolved and
    passed it with ``solution`` in place of its body."""
    path = tmp_path / f"{name}.py"
    code, out, _ = run("exercise", name, "--style", "numpy", "--out", str(path))
    assert code == 0 and f"twinnet check {path}:{name} --as {name}" in out
    text = path.read_text()
    assert f"def {name}(" in text and "raise NotImplementedError" in text
    code, out, _ = run("check", f"{path}:{name}", "--as", name, "--examples", "5")
    assert code == 1 and "raised NotImplementedError" in out
    stub_line = f'    raise NotImplementedError("write {name}: the docstring gives the shapes and the formula")'
    path.write_text(text.replace(stub_line, textwrap.indent(textwrap.dedent(solution).strip(), "    ")))
    code, out, _ = run("check", f"{path}:{name}", "--as", name, "--examples", "50")
    assert code == 0, out
    # 50 examples agree, or as many as there are to draw (causal_mask has 12 lengths)
    assert re.search(r"\b(50|12) examples agree", out), out
    return text


# ---------------------------------------------------------------- check: the classic convolution bugs

WRONG_CONV = {
    # Passes a 2 x 2, stride-2 test; fails where windows overlap and share their maximum.
    "max_pool2d_backward_assigns": ("max_pool2d_backward", """
        def max_pool2d_backward_assigns(dvalues, inputs, size=2, stride=None):
            size = (size, size) if isinstance(size, int) else tuple(size)
            stride = size if stride is None else (stride, stride) if isinstance(stride, int) else tuple(stride)
            dinputs = [[[[0.0] * len(row) for row in channel] for channel in image] for image in inputs]
            for n, image in enumerate(inputs):
                for c, channel in enumerate(image):
                    for i, row in enumerate(dvalues[n][c]):
                        for j, g in enumerate(row):
                            top, left = i * stride[0], j * stride[1]
                            values = [x for r in channel[top:top + size[0]] for x in r[left:left + size[1]]]
                            first = values.index(max(values))
                            dinputs[n][c][top + first // size[1]][left + first % size[1]] = g  # not +=
            return dinputs
    """),
    # A convolution as the textbooks of signal processing define it: the kernel flipped.
    "conv2d_flips_the_kernel": ("conv2d", """
        import numpy as np

        def conv2d_flips_the_kernel(inputs, weights, biases, stride=1, padding=0):
            (sh, sw), (ph, pw) = [(v, v) if isinstance(v, int) else tuple(v) for v in (stride, padding)]
            x = np.pad(inputs, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
            w = weights[:, :, ::-1, ::-1]
            kh, kw = w.shape[2:]
            oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
            out = np.zeros((x.shape[0], w.shape[0], oh, ow))
            for i in range(oh):
                for j in range(ow):
                    window = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
                    out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + biases
            return out
    """),
}


@pytest.mark.parametrize("name", sorted(WRONG_CONV))
def test_check_rejects_the_classic_conv_bugs_with_a_small_counterexample(tmp_path, name):
    operation, source = WRONG_CONV[name]
    report = _rejected(tmp_path, name, operation, source)
    # Shrunk: a single small image (a handful of numbers in each array).
    images = [value for value in report.inputs.values() if isinstance(value, list)]
    assert sum(_size(value) for value in images) <= 12, report.inputs
    if operation == "max_pool2d_backward":
        # The counterexample has windows that overlap: a stride smaller than the window.
        size, stride = report.inputs["size"], report.inputs["stride"]
        assert stride is not None and min(size if isinstance(size, list) else [size]) > min(
            stride if isinstance(stride, list) else [stride])


@pytest.mark.parametrize("name, solution", [
    ("conv2d", """
    (sh, sw), (ph, pw) = [(v, v) if isinstance(v, int) else tuple(v) for v in (stride, padding)]
    x = np.pad(inputs, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kh, kw = weights.shape[2:]
    oh, ow = (x.shape[2] - kh) // sh + 1, (x.shape[3] - kw) // sw + 1
    out = np.zeros((x.shape[0], weights.shape[0], oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = x[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw]
            out[:, :, i, j] = np.tensordot(window, weights, axes=([1, 2, 3], [1, 2, 3])) + biases
    return out
"""),
    ("max_pool2d_backward", """
    kh, kw = (size, size) if isinstance(size, int) else size
    sh, sw = (kh, kw) if stride is None else (stride, stride) if isinstance(stride, int) else stride
    dinputs = np.zeros_like(inputs)
    for i in range(dvalues.shape[2]):
        for j in range(dvalues.shape[3]):
            window = inputs[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw].reshape(*inputs.shape[:2], -1)
            first = window.argmax(axis=-1)
            for n in range(inputs.shape[0]):
                for c in range(inputs.shape[1]):
                    k = first[n, c]
                    dinputs[n, c, i * sh + k // kw, j * sw + k % kw] += dvalues[n, c, i, j]
    return dinputs
"""),
])
def test_conv_exercises_write_working_stubs(tmp_path, name, solution):
    text = _solved_exercise(tmp_path, name, solution)
    assert {"conv2d": "the kernel\n    is not flipped", "max_pool2d_backward": "the first maximum"}[name] in text


# ---------------------------------------------------------------- check: the classic attention bugs

WRONG_ATTENTION = {
    # Scores divided by d_k instead of sqrt(d_k): the same at d_k = 1, so a test with d_k = 1 passes it.
    "attention_scales_by_d_k": ("scaled_dot_product_attention", """
        import numpy as np

        def attention_scales_by_d_k(query, key, value, mask=None):
            scores = query @ key.transpose(0, 2, 1) / query.shape[-1]  # d_k, where sqrt(d_k) belongs
            if mask is not None:
                scores = np.where(mask, scores, -np.inf)
            weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
            return weights / weights.sum(axis=-1, keepdims=True) @ value
    """),
    # A causal mask one position off, each way: a token that may not see itself, and one that sees the next.
    "causal_mask_without_the_diagonal": ("causal_mask", """
        def causal_mask_without_the_diagonal(n):
            return [[j < i for j in range(n)] for i in range(n)]
    """),
    "causal_mask_sees_the_next_token": ("causal_mask", """
        import numpy as np

        def causal_mask_sees_the_next_token(n):
            return np.tril(np.ones((n, n), dtype=bool), k=1)
    """),
}


@pytest.mark.parametrize("name", sorted(WRONG_ATTENTION))
def test_check_rejects_the_classic_attention_bugs_with_a_small_counterexample(tmp_path, name):
    operation, source = WRONG_ATTENTION[name]
    report = _rejected(tmp_path, name, operation, source)
    if operation == "causal_mask":
        # Shrunk to the first length where the masks differ: 1 (the diagonal) or 2 (the next token).
        assert report.inputs["n"] == (1 if name == "causal_mask_without_the_diagonal" else 2), report.inputs
    else:
        # Shrunk to one sample of two keys (a single key gets all the weight, whatever the scale) and to
        # d_k = 2, the smallest d_k where d_k and sqrt(d_k) differ; one query, or two under a causal mask.
        query, key = report.inputs["query"], report.inputs["key"]
        assert (len(query), len(key[0]), len(query[0][0])) == (1, 2, 2) and len(query[0]) <= 2, report.inputs
        assert sum(_size(value) for value in report.inputs.values() if isinstance(value, list)) <= 14


@pytest.mark.parametrize("name, solution", [
    ("scaled_dot_product_attention", """
    scores = query @ key.transpose(0, 2, 1) / np.sqrt(query.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = np.exp(scores - scores.max(axis=-1, keepdims=True))
    return weights / weights.sum(axis=-1, keepdims=True) @ value
"""),
    ("causal_mask", """
    return np.tril(np.ones((n, n), dtype=bool))
"""),
    ("embedding_backward", """
    dtable = np.zeros((vocabulary, dvalues.shape[-1]))
    np.add.at(dtable, indices, dvalues)
    return dtable
"""),
])
def test_attention_exercises_write_working_stubs(tmp_path, name, solution):
    text = _solved_exercise(tmp_path, name, solution)
    assert {"scaled_dot_product_attention": "sqrt(d_k)", "causal_mask": "j <= i",
            "embedding_backward": "+=, not ="}[name] in text


# ---------------------------------------------------------------- check: the classic normalisation bugs

WRONG_NORMALIZATION = {
    # The batch's mean and variance taken for constants: dinputs = dxhat / sqrt(var + eps), without the two
    # terms for their dependence on every sample. Right where the statistics do not move; wrong elsewhere.
    "batch_norm_backward_forgets_the_mean": ("batch_norm_backward", """
        import math

        def batch_norm_backward_forgets_the_mean(dvalues, inputs, gamma, eps=1e-5):
            n = len(inputs)
            columns = list(zip(*inputs))
            means = [sum(column) / n for column in columns]
            variances = [sum((x - m) ** 2 for x in column) / n for column, m in zip(columns, means)]
            inv_stds = [1.0 / math.sqrt(v + eps) for v in variances]
            normalised = [[(x - m) * s for x, m, s in zip(row, means, inv_stds)] for row in inputs]
            dinputs = [[d * g * s for d, g, s in zip(drow, gamma, inv_stds)] for drow in dvalues]
            dgamma = [sum(d * x for d, x in zip(dcolumn, column))
                      for dcolumn, column in zip(zip(*dvalues), zip(*normalised))]
            dbeta = [sum(dcolumn) for dcolumn in zip(*dvalues)]
            return dinputs, dgamma, dbeta
    """),
    # torch.var divides by n - 1 unless told otherwise; layer norm's variance divides by n.
    "layer_norm_with_unbiased_variance": ("layer_norm", """
        import numpy as np

        def layer_norm_with_unbiased_variance(inputs, gamma, beta, eps=1e-5):
            mean = inputs.mean(axis=-1, keepdims=True)
            variance = inputs.var(axis=-1, ddof=1, keepdims=True)
            return gamma * (inputs - mean) / np.sqrt(variance + eps) + beta
    """),
    # Each sample's statistics (layer norm's axis) where batch norm takes each feature's, over the batch.
    "batch_norm_over_the_features": ("batch_norm", """
        import numpy as np

        def batch_norm_over_the_features(inputs, gamma, beta, eps=1e-5):
            mean = inputs.mean(axis=1, keepdims=True)
            variance = inputs.var(axis=1, keepdims=True)
            return gamma * (inputs - mean) / np.sqrt(variance + eps) + beta
    """),
}


@pytest.mark.parametrize("name", sorted(WRONG_NORMALIZATION))
def test_check_rejects_the_classic_normalisation_bugs_with_a_small_counterexample(tmp_path, name):
    operation, source = WRONG_NORMALIZATION[name]
    report = _rejected(tmp_path, name, operation, source)
    assert sum(_size(value) for value in report.inputs.values() if isinstance(value, list)) <= 8, report.inputs
    if operation == "batch_norm_backward":
        # Shrunk to the smallest batch, 2 samples of 1 feature, where the missing terms are all there is:
        # an upstream gradient the same for both samples moves no output (their mean takes it all), so
        # the right dinputs are 0, while the forgetful version gives 1 / sqrt(eps) and more.
        inputs = report.inputs["inputs"]
        assert (len(inputs), len(inputs[0])) == (2, 1), report.inputs
        # dinputs (result[0]) differs; dgamma and dbeta, which need no statistics' gradient, agree.
        assert "result[0] at" in str(report) and "result[1]" not in str(report) and "result[2]" not in str(report)


@pytest.mark.parametrize("name, solution, words", [
    ("layer_norm", """
    mean = inputs.mean(axis=-1, keepdims=True)
    variance = ((inputs - mean) ** 2).mean(axis=-1, keepdims=True)
    return gamma * (inputs - mean) / np.sqrt(variance + eps) + beta
""", "biased one"),
    ("batch_norm_backward", """
    mean, variance = inputs.mean(axis=0), inputs.var(axis=0)
    inv_std = 1 / np.sqrt(variance + eps)
    normalised = (inputs - mean) * inv_std
    d = dvalues * gamma
    dinputs = inv_std * (d - d.mean(axis=0) - normalised * (d * normalised).mean(axis=0))
    return dinputs, (dvalues * normalised).sum(axis=0), dvalues.sum(axis=0)
""", "The full gradient"),
    ("gelu", """
    return 0.5 * inputs * (1 + np.tanh(np.sqrt(2 / np.pi) * (inputs + 0.044715 * inputs ** 3)))
""", "tanh approximation"),
])
def test_normalisation_exercises_write_working_stubs(tmp_path, name, solution, words):
    assert words in _solved_exercise(tmp_path, name, solution)
