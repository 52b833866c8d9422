"""The chapters as notebooks, twinnet.show in a notebook, and exercises as notebooks (issue 14, item 1).

Every chapter's notebook is written by `twinnet notebook` and run in a real
Jupyter kernel (nbclient, ipykernel): no cell may fail but those the chapter
shows raising, and each cell prints what the chapter's doctest says it prints.
The tests that need a kernel or jupytext are skipped, saying so, where the
[notebook] extra is not installed; CI installs it.
"""

import ast
import contextlib
import doctest
import html
import importlib.util
import io
import pathlib
import re
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from twinnet import cli, exercise, notebook, show
from twinnet.contract import registry

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHAPTERS = sorted((ROOT / "docs").glob("[0-9][0-9]-*.md"))
EXTRA = ["jupytext", "nbformat", "nbclient", "ipykernel"]
MISSING = [name for name in EXTRA if importlib.util.find_spec(name) is None]
needs_extra = pytest.mark.skipif(bool(MISSING), reason=f"the [notebook] extra is not installed ({', '.join(MISSING)} "
                                 "missing): pip install -e \".[notebook]\"")
CELL_TIMEOUT = 120  # seconds one cell may take; the slowest chapter runs in a few seconds
FLAGS = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS  # as tests/test_docs.py runs the chapters


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def execute(notebook_node, folder):
    """Run every cell in a fresh python3 kernel, in ``folder``; nbclient raises on a cell that fails untagged."""
    import nbclient

    nbclient.NotebookClient(notebook_node, timeout=CELL_TIMEOUT, kernel_name="python3",
                            resources={"metadata": {"path": str(folder)}}).execute()
    return notebook_node


def printed(cell):
    """What a cell printed, as doctest would see it: stdout, the value shown, and an exception's last line."""
    text = ""
    for output in cell.outputs:
        if output.output_type == "stream" and output.name == "stdout":
            text += output.text
        elif output.output_type == "execute_result":
            text += output.data.get("text/plain", "") + "\n"
        elif output.output_type == "error":
            text += f"Traceback (most recent call last):\n    ...\n{output.ename}: {output.evalue}\n"
    return text


def expected_outputs(chapter):
    """For each code cell the chapter becomes: what its doctest says the cell's last example prints."""
    wanted = []
    for block in notebook.DOCTEST.findall(chapter.read_text()):
        examples = doctest.DocTestParser().get_examples(block)
        wanted += [example.want for example in examples if example.want]
        if examples and not examples[-1].want:
            wanted.append("")
    return wanted


# ---------------------------------------------------------------- the chapters


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """`twinnet notebook --dir DIR`: every chapter's notebook, written once for the tests below."""
    folder = tmp_path_factory.mktemp("notebooks")
    code, out, err = run("notebook", "--dir", str(folder))
    assert code == 0, err
    return folder, out


@needs_extra
def test_twinnet_notebook_writes_one_notebook_per_chapter(written):
    folder, out = written
    assert sorted(path.name for path in folder.iterdir()) == [f"{chapter.stem}.ipynb" for chapter in CHAPTERS]
    lines = out.splitlines()
    assert lines[0].startswith(f"wrote {folder / '01-neuron.ipynb'}: ") and lines[0].endswith(" code cells")
    assert lines[-1].startswith(f"{len(CHAPTERS)} notebooks in {folder}: ")



@needs_extra
def test_the_readme_shows_what_twinnet_notebook_prints(written):
    folder, out = written
    block = (ROOT / "README.md").read_text().split("$ twinnet notebook --dir notebooks\n", 1)[1].split("```", 1)[0]
    real = out.replace(str(folder), "notebooks").splitlines()
    shown = block.splitlines()
    assert shown[-1] == real[-1] and all(line in real for line in shown if line != "...")


@needs_extra
@pytest.mark.parametrize("chapter", CHAPTERS, ids=lambda path: path.stem)
def test_every_chapter_notebook_runs_in_a_kernel_and_prints_what_the_chapter_says(written, chapter, tmp_path):
    import nbformat

    folder, _ = written
    node = nbformat.read(folder / f"{chapter.stem}.ipynb", as_version=4)
    nbformat.validate(node)
    code_cells = [cell for cell in node.cells if cell.cell_type == "code"]
    assert code_cells and not any(re.search(r"^(>>>|\.\.\.) ", cell.source, flags=re.M) for cell in code_cells)
    execute(node, tmp_path)  # raises CellExecutionError on the first cell that fails and is not tagged

    checker = doctest.OutputChecker()
    wanted = expected_outputs(chapter)
    assert len(code_cells) == len(wanted)
    for cell, want in zip(code_cells, wanted):
        got = printed(cell)
        assert checker.check_output(want, got, FLAGS), f"{chapter.name}: the cell\n{cell.source}\nprinted\n{got}"
        errors = [output for output in cell.outputs if output.output_type == "error"]
        # the tag lets exactly the cells the chapter shows raising raise, and each of them does
        assert bool(errors) == ("raises-exception" in cell.metadata.get("tags", [])) == want.startswith("Traceback")


def test_a_doctest_block_becomes_cells_that_end_where_output_is_printed():
    block = (">>> import math\n>>> x = [1.0,\n...      2.0]\n>>> sum(x)\n3.0\n>>> math.exp(1e4)\n"
             "Traceback (most recent call last):\n    ...\nOverflowError: math range error\n>>> y = 2\n\n")
    assert notebook.code_cells(block) == [("import math\nx = [1.0,\n     2.0]\nsum(x)", False),
                                          ("math.exp(1e4)", True), ("y = 2", False)]


@needs_extra
def test_a_chapter_notebook_keeps_the_prose_and_points_to_the_other_notebooks():
    node = notebook.chapter_notebook(ROOT / "docs" / "05-softmax.md")
    markdown = "\n".join(cell.source for cell in node.cells if cell.cell_type == "markdown")
    assert markdown.startswith("# 5. Softmax: from scores to probabilities\n\n*A notebook made from "
                               "`docs/05-softmax.md` by `twinnet notebook`")
    assert "Subtracting the row's maximum" in markdown
    assert "(06-loss.ipynb)" in markdown and "06-loss.md" not in markdown
    assert "```python" not in markdown and ">>>" not in markdown
    assert node.metadata["kernelspec"]["name"] == "python3"
    # the same chapter gives the same file, byte for byte: cell ids do not change from one run to the next
    assert notebook.text_of(node) == notebook.text_of(notebook.chapter_notebook(ROOT / "docs" / "05-softmax.md"))


@needs_extra
def test_twinnet_notebook_names_chapters_and_keeps_what_it_would_overwrite(tmp_path):
    code, out, _ = run("notebook", "5", "attention", "--dir", str(tmp_path / "new"))
    assert code == 0
    written = tmp_path / "new" / "05-softmax.ipynb"
    assert sorted(path.name for path in (tmp_path / "new").iterdir()) == ["05-softmax.ipynb", "13-attention.ipynb"]
    code, out, _ = run("notebook", "05-softmax", "--dir", str(tmp_path / "new"))
    assert code == 0 and out.startswith(f"up to date {written}: ")

    written.write_text(written.read_text().replace('"outputs": []', '"outputs": [ ]', 1))  # as if run and saved
    edited = written.read_text()
    code, _, err = run("notebook", "softmax", "--dir", str(tmp_path / "new"))
    assert code == 2 and len(err.splitlines()) == 1 and "--force" in err and written.read_text() == edited
    code, out, _ = run("notebook", "softmax", "--dir", str(tmp_path / "new"), "--force")
    assert code == 0 and out.startswith(f"wrote {written}") and written.read_text() != edited


@pytest.mark.parametrize("argv, message", [
    (["notebook", "14"], "no chapter '14': name one by its number (5), its name (softmax) or both (05-softmax); "
                         "the chapters are 01-neuron, "),
    (["notebook", "--dir", "FILE"], "--dir FILE: that is a file, not a folder"),
    (["notebook", "--dir", "MISSING/deeper"], "--dir MISSING/deeper: there is no folder MISSING"),
])
def test_twinnet_notebook_bad_usage_is_one_line(tmp_path, monkeypatch, argv, message):
    monkeypatch.setattr(notebook, "require_extra", lambda what: None)  # the same error with or without the extra
    (tmp_path / "FILE").write_text("")
    argv = [arg.replace("FILE", str(tmp_path / "FILE")).replace("MISSING", str(tmp_path / "missing")) for arg in argv]
    message = message.replace("FILE", str(tmp_path / "FILE")).replace("MISSING", str(tmp_path / "missing"))
    code, out, err = run(*argv)
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"twinnet notebook: error: {message}")


def test_twinnet_notebook_without_docs_or_without_the_extra_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setattr(notebook, "DOCS", tmp_path / "docs")
    code, _, err = run("notebook", "--dir", str(tmp_path))
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"twinnet notebook: error: no chapters in {tmp_path / 'docs'}: ")
    assert 'pip install -e ".[notebook]"' in err

    monkeypatch.undo()
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *rest: None if name == "jupytext"
                        else real_find_spec(name, *rest))
    code, _, err = run("notebook", "--dir", str(tmp_path))
    assert code == 2 and err == ('twinnet notebook: error: twinnet notebook needs jupytext, which is not installed: '
                                 'pip install -e ".[notebook]"\n')
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- twinnet.show, in a notebook and out of one


class _Tags(HTMLParser):
    """Whether every tag opened is closed, in order."""

    def __init__(self):
        super().__init__()
        self.open, self.balanced = [], True

    def handle_starttag(self, tag, attrs):
        self.open.append(tag)

    def handle_endtag(self, tag):
        self.balanced = self.balanced and bool(self.open) and self.open.pop() == tag


def _text(markup):
    """What a reader of the HTML sees: the tags gone, the entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", markup))


@pytest.mark.parametrize("pygments", [True, False], ids=["pygments", "plain"])
def test_show_in_a_notebook_is_an_html_table_of_both_twins_and_the_docstring(monkeypatch, pygments):
    import twinnet

    if not pygments:
        monkeypatch.setitem(sys.modules, "pygments", None)  # as if it were not installed
    elif importlib.util.find_spec("pygments") is None:
        pytest.skip("Pygments is not installed (the [notebook] extra brings it, through IPython)")
    operation = registry.get("softmax")
    shown = twinnet.show("softmax")
    markup = shown._repr_html_()
    tags = _Tags()
    tags.feed(markup)
    assert tags.balanced and tags.open == []
    assert markup.count("<table") == 1 and "<th " in markup and 'colspan="2"' in markup
    assert "font-family: monospace" in markup
    assert (">return</span>" in markup) == pygments  # a keyword coloured, or the code only escaped
    seen = _text(markup)
    assert show.docstring(operation) in seen  # the docstring, once
    assert seen.count("Softmax of each row") == 1
    assert "exponent &lt;= 0" in markup and "exponent <= 0" not in markup  # escaped
    for twin in ("pure", "vectorized"):
        assert f"{twin}/activations.py" in seen
        for line in show.twin_source(operation, twin).code[1:]:  # the def line is shared: folded into one row
            assert line in seen, line
    assert "def softmax(inputs):   (same in both twins)" in seen


def test_show_out_of_a_notebook_is_the_text_of_twinnet_show(capsys):
    import twinnet

    shown = twinnet.show("relu_backward", width=100, checks=True)
    text = show.side_by_side(registry.get("relu_backward"), width=100, checks=True)
    assert str(shown) == repr(shown) == text
    assert run("show", "relu_backward", "--width", "100", "--checks")[1] == text
    assert "@_checks.takes(" in _text(shown._repr_html_())  # checks=True shows the validation in the table too
    with pytest.raises(registry.UnknownOperation, match="did you mean softmax"):
        twinnet.show("softmx")


def test_twinnet_show_is_there_after_import_twinnet_alone():
    script = "import twinnet, sys; print('twinnet.show' in sys.modules); print(twinnet.show('relu'), end='')"
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                            env={"COLUMNS": "100", "PATH": ""})
    assert result.returncode == 0, result.stderr
    assert result.stdout == "False\n" + show.side_by_side(registry.get("relu"), width=100)


@needs_extra
def test_show_in_a_real_kernel_gives_html_and_text(tmp_path):
    from nbformat import v4

    node = execute(v4.new_notebook(cells=[v4.new_code_cell('import twinnet\ntwinnet.show("softmax")')]), tmp_path)
    data = node.cells[0].outputs[0].data
    assert data["text/html"] == show.side_by_side_html(registry.get("softmax"))
    assert data["text/plain"].startswith("softmax  (activations; in pure/ and vectorized/)")


# ---------------------------------------------------------------- exercises as notebooks


def _reference(name, style):
    """The reference implementation of ``name``, as code a cell can define: the twin of the style's code."""
    twin = exercise.TWIN_OF_STYLE[style]
    return exercise.IMPORTS[style] + "\n\n" + "\n".join(show.twin_source(registry.get(name), twin).code)


@needs_extra
@pytest.mark.parametrize("name, style", [("softmax", "lists"), ("relu_backward", "numpy")])
def test_an_exercise_notebook_grades_the_stub_as_a_failure_and_the_reference_as_agreeing(tmp_path, name, style):
    import nbformat

    code, out, _ = run("exercise", name, "--notebook", "--style", style, "--dir", str(tmp_path))
    path = tmp_path / f"{name}.ipynb"
    assert code == 0 and out == f"wrote {path}: open it in Jupyter, fill in {name}, then run the grading cell\n"
    node = nbformat.read(path, as_version=4)
    nbformat.validate(node)
    explanation, stub, _, grading = node.cells
    assert show.docstring(registry.get(name)) in explanation.source
    assert stub.source == exercise.definition(name, style).rstrip("\n")
    assert f'check({name}, "{name}", style="{style}")' in grading.source

    execute(node, tmp_path)  # the stub's NotImplementedError is a failure the grading cell reports, not an error
    verdict = printed(grading)
    assert verdict.startswith(f"{name}: your function disagrees with the reference ({style} style)"), verdict
    assert "The smallest input Hypothesis found:" in verdict and "raised NotImplementedError" in verdict

    stub.source = _reference(name, style)
    execute(node, tmp_path)
    assert printed(grading) == f"{name}: 200 examples agree with the reference ({style} style)\n"


def test_an_exercise_notebook_for_what_check_cannot_check_has_no_grading_cell():
    pytest.importorskip("nbformat", reason="the [notebook] extra is not installed: pip install -e \".[notebook]\"")
    node = exercise.notebook("save")
    assert [cell.cell_type for cell in node.cells] == ["markdown", "code"]
    assert "twinnet's oracle cannot check save" in node.cells[0].source
    assert 'twinnet.show("save")' in node.cells[0].source


@pytest.mark.parametrize("argv, message", [
    (["exercise", "softmax", "--notebook", "--out", "x.py"], "--out names the .py file; a notebook goes to "
                                                             "DIR/NAME.ipynb: use --dir DIR"),
    (["exercise", "softmax", "--dir", "."], "--dir is for --notebook; the .py file goes where --out says"),
])
def test_exercise_notebook_bad_usage_is_one_line(argv, message):
    code, out, err = run(*argv)
    assert (code, out, err) == (2, "", f"twinnet exercise: error: {message}\n")


@needs_extra
def test_an_exercise_notebook_is_not_overwritten_without_force(tmp_path):
    path = tmp_path / "relu.ipynb"
    path.write_text("mine")
    code, _, err = run("exercise", "relu", "--notebook", "--dir", str(tmp_path))
    assert code == 2 and "--force" in err and path.read_text() == "mine"
    assert run("exercise", "relu", "--notebook", "--dir", str(tmp_path), "--force")[0] == 0
    assert path.read_text() != "mine"


# ---------------------------------------------------------------- none of this is the core's


def test_the_notebook_tools_are_an_extra_that_ci_installs_as_the_readme_says():
    tomllib = pytest.importorskip("tomllib", reason="tomllib reads pyproject.toml from Python 3.11 on")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == ["numpy>=1.23"]
    assert sorted(re.match(r"[\w-]+", spec).group() for spec in project["optional-dependencies"]["notebook"]) == \
        sorted(EXTRA)
    ci_install = re.findall(r"^pip install .*$", (ROOT / ".ci" / "run").read_text(), flags=re.M)
    assert len(ci_install) == 1 and "notebook" in re.search(r'"\.\[(.*)\]"', ci_install[0]).group(1).split(",")
    assert ci_install[0] in (ROOT / "README.md").read_text()  # a new user installs what CI installs
    # jupytext and nbformat are imported where they are used, never when twinnet (or its CLI) starts
    for module in ("notebook", "exercise", "show", "cli"):
        tree = ast.parse((ROOT / "twinnet" / f"{module}.py").read_text())
        top = {alias.name.split(".")[0] for node in tree.body if isinstance(node, ast.Import) for alias in node.names}
        top |= {node.module.split(".")[0] for node in tree.body if isinstance(node, ast.ImportFrom)}
        assert not top & {"jupytext", "nbformat", "nbclient", "pygments"}, module
