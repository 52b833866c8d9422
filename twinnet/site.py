"""``twinnet site DIR``: the chapters and a side-by-side reference, as a static HTML site.

Built with MkDocs and its Material theme (the ``[site]`` extra): every page of
docs/ (the chapters, the exercises, the benchmarks), and for every registered
operation a page with its docstring (shapes and formula) once on top, then the
pure and the vectorized code in two columns, highlighted by Pygments, the
lines where the twins differ marked. An operation's page links to the chapters
that use it and says how to set it as an exercise; each chapter ends with
links to the operations it uses.

The site needs nothing from a network: no web font (``theme.font: false``), no
analytics, no script or style from elsewhere. Its search runs in a web worker,
which a browser starts only for a page served over http
(``python -m http.server -d DIR``), not for one opened as a file.

The sources (mkdocs.yml and the pages) are written to a temporary folder beside
DIR and built there with ``mkdocs build --strict`` (a broken link or anchor is
an error); only a complete site is then renamed to DIR. DIR may be new, empty,
or a site this command built before, which it replaces.
"""

import importlib.util
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

from twinnet import UsageError
from twinnet.contract import registry
from twinnet.contract.twins import MODULES
from twinnet.docs import ROOT
from twinnet.exercise import check_command
from twinnet.show import Differ, docstring, paired_chunks

MARKER = ".twinnet-site"  # in a built site: the folder may be replaced by the next build
NEEDS = {"mkdocs": "MkDocs", "material": "the Material theme for MkDocs"}
# Two columns side by side while each can hold about 50 characters of code; below 60em
# (where Material moves its navigation into a drawer) one twin above the other.
CSS = """\
.twinnet-twins {
  display: grid;
  grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
  column-gap: 1rem;
}
@media screen and (max-width: 60em) {
  .twinnet-twins {
    grid-template-columns: minmax(0, 1fr);
  }
}
/* a long line scrolls inside its column, never the page */
.twinnet-twin pre > code {
  overflow-x: auto;
}
.twinnet-twin .highlight .hll {
  display: block;
}
"""


# ---------------------------------------------------------------- what an operation's page shows


def _lines_of(function_chunks, side):
    """One twin's lines of one function (side 0: pure, 1: vectorized), each with whether the other twin's differs."""
    rows = []
    for chunk in function_chunks:
        if isinstance(chunk, Differ):
            rows += [(line, bool(line.strip())) for line in (chunk.left, chunk.right)[side]]
        else:
            rows += [(line, False) for line in chunk.lines]
    return rows


def twin_columns(operation):
    """[(path, code lines, numbers from 1 of the lines that differ from the other twin's)] for pure, then vectorized.

    The code is what ``twinnet show`` shows (no docstring, no declared checks): the
    operation, then its helpers, paired by name.
    """
    pure, vectorized, chunk_lists = paired_chunks(operation)
    columns = []
    for side, source in enumerate((pure, vectorized)):
        rows = []
        for function_chunks in chunk_lists:
            function_rows = _lines_of(function_chunks, side)
            rows += ([("", False)] if rows and function_rows else []) + function_rows
        columns.append((source.path, [line for line, _ in rows],
                        [number for number, (_, differs) in enumerate(rows, start=1) if differs]))
    return columns


def mentions(text, name):
    """Whether a page uses the operation ``name``: in code quoted inline (`name`, `name(...`) or called (.name()."""
    return re.search(rf"`{re.escape(name)}[`(]|\.{re.escape(name)}\(", text) is not None


def chapters(root=ROOT):
    """[(file name, title, text)] of every page of docs/, the numbered chapters in their order first."""
    paths = sorted(pathlib.Path(root, "docs").glob("*.md"), key=lambda path: (not path.name[:2].isdigit(), path.name))
    pages = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        title = re.search(r"^# (.+)$", text, flags=re.M)
        pages.append((path.name, title.group(1) if title else path.stem, text))
    return pages


def _code_block(path, lines, marked):
    options = f' title="{path}"' + (f' hl_lines="{" ".join(map(str, marked))}"' if marked else "")
    return f"```python{options}\n" + "\n".join(lines) + "\n```"


def operation_page(operation, pages):
    """The Markdown of one operation's page; ``pages`` as :func:`chapters` gives them."""
    name = operation.name
    using = [f"[{title}](../{file_name})" for file_name, title, text in pages
             if file_name[:2].isdigit() and mentions(text, name)]
    command = check_command(name, f"{name}.py")
    exercise = (f"`twinnet exercise {name}` writes `{name}.py` to fill in, `{command}` marks it"
                if command else f"`twinnet exercise {name}` writes `{name}.py` to fill in (`twinnet check` "
                                "cannot check an operation that writes or reads model files)")
    columns = "\n".join(f'<div class="twinnet-twin" markdown>\n\n{_code_block(*column)}\n\n</div>'
                        for column in twin_columns(operation))
    return f"""---
hide:
  - toc
search:
  boost: 2
---

# {name}

- **Module:** [`{operation.module}`](../reference/README.md#{operation.module}), in `pure/{operation.module}.py` \
and `vectorized/{operation.module}.py`
- **In the chapters:** {", ".join(using) if using else "none yet"}
- **As an exercise:** {exercise} ([a path through the exercises](../exercises.md))

```text
{docstring(operation)}
```

The docstring above is the same in both twins. Below, `pure/` on the left and `vectorized/` on the right, each with \
the helpers its body calls; the highlighted lines are where the twins differ. The checks each declares on top \
(`@_checks.takes(...)`) are left out: `twinnet show {name} --checks` prints them.

<div class="twinnet-twins" markdown>
{columns}
</div>
"""


def reference_page():
    """The index of the reference: every operation by module, with the first line of its docstring."""
    out = ["# Reference: every operation in both twins\n",
           "Each operation's page shows its docstring once, then both twins' code side by side. "
           "In the order a learner meets the modules in the chapters:\n"]
    for module_name in MODULES:
        out.append(f"## {module_name}\n")
        for operation in registry.by_module(module_name):
            summary = docstring(operation).splitlines()[0]
            out.append(f"- [`{operation.name}`](../operations/{operation.name}.md): {summary}")
        out.append("")
    return "\n".join(out)


def with_links(text, operations):
    """A chapter's text, ending with links to the pages of the operations it uses."""
    used = [operation.name for operation in operations if mentions(text, operation.name)]
    if not used:
        return text
    links = " · ".join(f"[`{name}`](operations/{name}.md)" for name in used)
    return (f"{text.rstrip()}\n\n## In the reference\n\n"
            f"Both twins side by side, for each operation this page uses: {links}\n")


def config(pages):
    """mkdocs.yml (as JSON, which YAML reads): the theme, offline, and the navigation."""
    numbered = [file_name for file_name, _, _ in pages if file_name[:2].isdigit()]
    others = [file_name for file_name, _, _ in pages if not file_name[:2].isdigit() and file_name != "README.md"]
    reference = ["reference/README.md"] + [{module_name: [f"operations/{operation.name}.md"
                                                          for operation in registry.by_module(module_name)]}
                                           for module_name in MODULES]
    settings = {
        "site_name": "twinnet",
        "site_description": "Neural networks from scratch, written twice: loops (pure) and NumPy (vectorized).",
        "docs_dir": "docs",
        "use_directory_urls": False,  # links that work from the file system too
        "theme": {"name": "material", "font": False, "features": ["navigation.indexes", "search.highlight"]},
        "extra": {"generator": False},
        "extra_css": ["stylesheets/twinnet.css"],
        "markdown_extensions": ["tables", "attr_list", "md_in_html", {"toc": {"permalink": True}},
                                {"pymdownx.highlight": {"use_pygments": True}}, "pymdownx.superfences"],
        "plugins": ["search"],
        "validation": {"links": {"anchors": "warn", "unrecognized_links": "warn"}},
        "nav": [{"Home": "README.md"}, {"Chapters": numbered}, {"Reference": reference}, *others],
    }
    return json.dumps(settings, indent=2) + "\n"


def sources(root=ROOT):
    """{path inside the source folder: text} of everything MkDocs builds the site from (docs/examples apart)."""
    pages = chapters(root)
    operations = registry.OPERATIONS
    result = {"mkdocs.yml": config(pages), "docs/stylesheets/twinnet.css": CSS,
              "docs/reference/README.md": reference_page()}
    for file_name, _, text in pages:
        result[f"docs/{file_name}"] = with_links(text, operations) if file_name[:2].isdigit() else text
    for operation in operations:
        result[f"docs/operations/{operation.name}.md"] = operation_page(operation, pages)
    return result


# ---------------------------------------------------------------- building


def missing():
    """What the [site] extra provides that is not installed, as words; empty when all is there."""
    return [words for module, words in NEEDS.items() if importlib.util.find_spec(module) is None]


def _replaceable(out):
    """Why ``out`` cannot become the site (a few words), or None."""
    if not out.exists():
        return None if out.parent.is_dir() else f"there is no folder {out.parent}"
    if not out.is_dir():
        return "that is a file, not a folder"
    if any(out.iterdir()) and not (out / MARKER).exists():
        return "that folder is not empty, and not a site twinnet built: name a new or empty folder"
    return None


def _move_into_place(built, out, work):
    """Rename the built site to ``out``; an earlier site there is moved aside into ``work`` first."""
    if out.exists():
        os.rename(out, work / "earlier")
    try:
        os.rename(built, out)
    except OSError:
        if (work / "earlier").exists():
            os.rename(work / "earlier", out)
        raise


def build(out, root=ROOT):
    """Build the site into the folder ``out``; return what it was built from, as :func:`sources` gives it.

    Raises UsageError when the [site] extra is missing or ``out`` cannot be
    written, and RuntimeError (with MkDocs's warnings) when the strict build fails.
    """
    out = pathlib.Path(out).absolute()
    absent = missing()
    if absent:
        raise UsageError(f"needs {' and '.join(absent)}: pip install -e \".[site]\"")
    if not pathlib.Path(root, "docs").is_dir():
        raise UsageError(f"there are no chapters at {pathlib.Path(root, 'docs')}: the site is built from a source "
                         "checkout of twinnet (pip install -e .)")
    problem = _replaceable(out)
    if problem:
        raise UsageError(f"{out}: {problem}")
    try:
        work = pathlib.Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as error:
        raise UsageError(f"{out}: cannot write in {out.parent} ({error.strerror})") from None
    try:
        texts = sources(root)
        for name, text in texts.items():
            (work / "source" / name).parent.mkdir(parents=True, exist_ok=True)
            (work / "source" / name).write_text(text, encoding="utf-8")
        shutil.copytree(pathlib.Path(root, "docs", "examples"), work / "source" / "docs" / "examples")
        result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
                                 str(work / "source" / "mkdocs.yml"), "--site-dir", str(work / "site")],
                                # the theme's notice of its end of life, printed on every build, is left out
                                capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
        if result.returncode != 0:
            raise RuntimeError(f"mkdocs build --strict failed:\n{result.stdout}{result.stderr}")
        (work / "site" / MARKER).write_text("built by twinnet site; the next build may replace this folder\n")
        _move_into_place(work / "site", out, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return texts


def command(args):
    """``twinnet site DIR``: build the site; 1 when MkDocs finds a broken link or anchor."""
    try:
        texts = build(args.dir)
    except RuntimeError as error:
        print(f"twinnet site: {error}", file=sys.stderr)
        return 1
    operations = sum(name.startswith("docs/operations/") for name in texts)
    pages = sum(name.endswith(".md") and name.count("/") == 1 for name in texts)
    print(f"twinnet site: {pages} pages of docs/, an index and {operations} operation pages (both twins side by "
          f"side) in {args.dir}\n"
          f"  open {pathlib.Path(args.dir) / 'index.html'}, or serve the folder for the search to work too: "
          f"python -m http.server -d {args.dir}")
    return 0
