"""``twinnet notebook``: the chapters in docs/ as Jupyter notebooks.

``twinnet notebook`` writes one ``.ipynb`` per chapter (``docs/NN-name.md``)
into a folder (``notebooks`` unless ``--dir`` names another);
``twinnet notebook 05 attention`` writes only those chapters. The Markdown
stays the one source: a notebook is made from it each time, by jupytext, and
is never kept in the repository.

A chapter's code is doctests: ``>>> `` lines with the output they print below
them. In the notebook that becomes code a kernel runs:

- the prompts (``>>> `` and ``... ``) are stripped, and the expected output is
  dropped: running the cell prints it;
- a cell ends after each example that prints something, so that the output
  stands right under the line that made it (a notebook shows only a cell's
  last value);
- an example that the chapter shows raising an exception is the last line of
  its cell, and the cell is tagged ``raises-exception``: Jupyter and nbclient
  then show the traceback and go on running the cells below it;
- the prose stays Markdown, and a link to another chapter points to its
  notebook.

The notebook dependencies are an optional extra, ``pip install -e
".[notebook]"``: jupytext and nbformat to write, nbclient and ipykernel to run
(the tests execute every notebook this command writes). The chapters are found
in the source checkout this twinnet runs from (an editable install): docs/ is
not part of an installed package.
"""

import doctest
import importlib.util
import pathlib
import re

from twinnet import UsageError, files

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
DEFAULT_DIR = "notebooks"
EXTRA = ("jupytext", "nbformat")
KERNEL = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
          "language_info": {"name": "python"}}
RAISES = "raises-exception"  # the tag that lets a cell raise and the cells below it run on
DOCTEST = re.compile(r"```python\n(.*?)```", flags=re.S)  # a chapter's example block, as tests/test_docs.py finds it
CHAPTER_LINK = re.compile(r"\]\((\d\d-[\w-]+)\.md(#[^)]*)?\)")
MARKER_LINE = re.compile(r"^<!-- twinnet docs: .*? -->\n", flags=re.M)  # what `twinnet docs` refills: no use here


# ---------------------------------------------------------------- finding the chapters


def chapters(folder=None):
    """The chapter files of docs/, in order: ``[Path("docs/01-neuron.md"), ...]``.

    Raises UsageError, in one line, where there is no docs/ with chapters (an
    installed twinnet, not a source checkout).
    """
    folder = pathlib.Path(folder or DOCS)
    found = sorted(folder.glob("[0-9][0-9]-*.md")) if folder.is_dir() else []
    if not found:
        raise UsageError(f"no chapters in {folder}: they are the Markdown files docs/NN-name.md of the source "
                         "checkout, which an installed twinnet does not have; clone the repository and install it "
                         "with pip install -e \".[notebook]\"")
    return found


def _matches(path, wanted):
    """Whether a chapter file is the one ``wanted`` names: its number (5 or 05), its name (softmax) or stem."""
    wanted = pathlib.Path(wanted).name.removesuffix(".md").removesuffix(".ipynb")
    number, _, name = path.stem.partition("-")
    return wanted in (path.stem, name) or (wanted.isdigit() and int(wanted) == int(number))


def select(wanted, folder=None):
    """The chapter files named in ``wanted`` (all of them when it is empty), in the chapters' order."""
    found = chapters(folder)
    for name in wanted:
        if not any(_matches(path, name) for path in found):
            raise UsageError(f"no chapter {name!r}: name one by its number (5), its name (softmax) or both "
                             f"(05-softmax); the chapters are {', '.join(path.stem for path in found)}")
    return [path for path in found if not wanted or any(_matches(path, name) for name in wanted)]


# ---------------------------------------------------------------- a chapter as a notebook


def code_cells(block):
    """A doctest block's examples as the code cells a notebook runs: [(source, raises)].

    The prompts are stripped and the expected output dropped; a cell ends
    after each example that expects output, and ``raises`` is True where that
    output is a traceback.
    """
    cells, source = [], ""
    for example in doctest.DocTestParser().get_examples(block):
        source += example.source
        if example.want:
            cells.append((source.rstrip("\n"), example.exc_msg is not None))
            source = ""
    if source.strip():
        cells.append((source.rstrip("\n"), False))
    return cells


def _fences(block):
    """A doctest block as jupytext's Markdown: one ```python fence per cell, tagged where it raises."""
    fences = []
    for source, raises in code_cells(block):
        info = f'python tags=["{RAISES}"]' if raises else "python"
        fences.append(f"```{info}\n{source}\n```")
    return "\n\n".join(fences)


def runnable_markdown(text, source_name):
    """A chapter's Markdown with its doctests turned into plain code fences, as jupytext reads them into cells."""
    text = MARKER_LINE.sub("", text)
    text = DOCTEST.sub(lambda match: _fences(match.group(1)), text)
    text = CHAPTER_LINK.sub(lambda match: f"]({match.group(1)}.ipynb{match.group(2) or ''})", text)
    title, _, rest = text.partition("\n")
    note = (f"*A notebook made from `{source_name}` by `twinnet notebook`: the chapter is the source. Run the "
            "cells from the top; each prints what the chapter says it prints.*")
    return f"{title}\n\n{note}\n{rest}"


def finished(notebook):
    """The notebook made ready to write: the Python kernel, cell ids that do not change between runs, and no
    metadata but the cells' tags (so that the same chapter always gives the same file)."""
    notebook.metadata = {key: dict(value) for key, value in KERNEL.items()}
    for index, cell in enumerate(notebook.cells):
        cell.id = f"cell-{index}"
        cell.metadata = {"tags": cell.metadata["tags"]} if cell.metadata.get("tags") else {}
    return notebook


def chapter_notebook(path):
    """The notebook (an nbformat NotebookNode) of one chapter file."""
    import jupytext

    path = pathlib.Path(path)
    text = runnable_markdown(path.read_text(encoding="utf-8"), f"docs/{path.name}")
    return finished(jupytext.reads(text, fmt="md"))


def text_of(notebook):
    """The notebook as the text of an .ipynb file, checked against the notebook format's schema."""
    import nbformat

    nbformat.validate(notebook)
    return nbformat.writes(notebook)


# ---------------------------------------------------------------- writing


def require_extra(what):
    """Raise UsageError, in one line, unless the [notebook] extra's writers are installed."""
    missing = [name for name in EXTRA if importlib.util.find_spec(name) is None]
    if missing:
        raise UsageError(f"{what} needs {' and '.join(missing)}, which {'is' if len(missing) == 1 else 'are'} not "
                         "installed: pip install -e \".[notebook]\"")


def write_all(texts, force=False):
    """Write {path: text} atomically; refuse, before writing any, to replace a file that differs unless
    ``force``. Return {path: "wrote" or "up to date"}."""
    clashes = [path for path, text in texts.items() if path.exists() and path.read_text(encoding="utf-8") != text]
    if clashes and not force:
        raise UsageError(f"{', '.join(map(str, clashes))} exist{'s' if len(clashes) == 1 else ''} and differ"
                         f"{'s' if len(clashes) == 1 else ''} from what would be written (your outputs or edits "
                         "would be lost); pass --force to overwrite")
    done = {}
    for path, text in texts.items():
        if path.exists() and path.read_text(encoding="utf-8") == text:
            done[path] = "up to date"
            continue
        files.write_text(path, text)
        done[path] = "wrote"
    return done


def folder_for(directory):
    """The folder to write into: made when missing (its parent must exist); a one-line error when it cannot be."""
    folder = pathlib.Path(directory)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--dir {folder}: that is a file, not a folder")
    if not folder.exists():
        if not folder.parent.is_dir():
            raise UsageError(f"--dir {folder}: there is no folder {folder.parent}")
        folder.mkdir()
    problem = files.unwritable(folder / ".twinnet-notebook")
    if problem:
        raise UsageError(f"--dir {folder}: cannot write there: {problem}")
    return folder


def command(args):
    """``twinnet notebook [CHAPTER ...] [--dir DIR] [--force]``: write the chapters' notebooks."""
    paths = select(args.chapters)  # a bad chapter name, or no docs/, is reported before anything else
    require_extra("twinnet notebook")
    folder = folder_for(args.dir or DEFAULT_DIR)
    notebooks = {folder / f"{path.stem}.ipynb": chapter_notebook(path) for path in paths}
    done = write_all({path: text_of(notebook) for path, notebook in notebooks.items()}, args.force)
    for path, what in done.items():
        cells = sum(cell.cell_type == "code" for cell in notebooks[path].cells)
        print(f"{what} {path}: {cells} code cells")
    some = "notebooks" if len(done) != 1 else "notebook"
    print(f"{len(done)} {some} in {folder}: open {'them' if len(done) != 1 else 'it'} in Jupyter (jupyter lab "
          f"{folder}) or VS Code, and run the cells from the top")
    return 0

