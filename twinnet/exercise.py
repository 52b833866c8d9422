"""``twinnet exercise``: an operation's signature and docstring, with the body left to write.

``twinnet exercise softmax`` writes ``softmax.py``: the function's signature
and docstring (shapes and formula), a body that raises NotImplementedError,
and at the top the command that checks the finished function against the
reference. ``--style numpy`` writes the vectorized form instead of loops.
For save and load, which ``twinnet check`` cannot check, the stub says so and
points to ``twinnet show`` instead.

``--notebook`` writes ``softmax.ipynb`` instead, for a course: the
explanation (the docstring), the same stub in a cell, and a grading cell that
runs the oracle (:func:`twinnet.testing.check`) on the function the notebook
defines and prints its verdict: the number of inputs that agree, or the
smallest input on which it disagrees, what the reference gives and what the
function gave.
"""

import inspect
import pathlib

from twinnet import UsageError, files
from twinnet.check import checkable
from twinnet.contract import registry
from twinnet.show import docstring

IMPORTS = {"lists": "import math\n", "numpy": "import numpy as np\n"}
TWIN_OF_STYLE = {"lists": "pure", "numpy": "vectorized"}
STYLE_WORDS = {"lists": "plain Python loops over lists (like pure/)", "numpy": "NumPy arrays, no Python loops over "
               "samples (like vectorized/)"}


def stub(name, style="lists", file_name=None):
    """The text of an exercise file for the operation ``name``."""
    operation = registry.get(name)
    file_name = file_name or f"{name}.py"
    reference = f"{TWIN_OF_STYLE[style]}/{operation.module}.py"
    if checkable(operation):
        how = f"""Fill in the body below, then check it against twinnet's reference:

    {check_command(name, file_name)}

The check draws many inputs with Hypothesis and, if your function disagrees,
shows the smallest input it could find. When it passes, compare your code
with both of twinnet's versions: twinnet show {name}
(the one in {reference} is written in the same style as yours)."""
    else:
        how = f"""Fill in the body below. `twinnet check` cannot check {name}: it compares
functions of values (and the IDX readers), and {name} writes or reads a model
file. Try yours on a model of your own, then compare your code with both of
twinnet's versions: twinnet show {name}
(the one in {reference} is written in the same style as yours)."""
    return f'''"""Exercise: write `{name}` with {STYLE_WORDS[style]}.

{how}
"""

{definition(name, style)}'''


def definition(name, style="lists"):
    """The code of a stub: the imports of its style, then the signature and docstring, with the body to write."""
    operation = registry.get(name)
    indented = "\n".join(("    " + line) if line else "" for line in docstring(operation).splitlines())
    return f'''{IMPORTS[style]}

def {name}{inspect.signature(operation.pure)}:
    """{indented.lstrip()}
    """
    raise NotImplementedError("write {name}: the docstring gives the shapes and the formula")
'''


def check_command(name, file_name):
    """The command that checks an exercise file, or None when check cannot check the operation."""
    if not checkable(registry.get(name)):
        return None
    return f"twinnet check {file_name}:{name} --as {name}"


# ---------------------------------------------------------------- a notebook, for a course


def notebook(name, style="lists"):
    """The exercise as a notebook (an nbformat NotebookNode): the explanation, the stub, the grading cell."""
    from nbformat import v4

    from twinnet.notebook import finished

    operation = registry.get(name)
    reference = f"{TWIN_OF_STYLE[style]}/{operation.module}.py"
    compare = (f"compare your code with both of twinnet's versions: `twinnet.show(\"{name}\")` in a new cell (the "
               f"one in {reference} is written in the same style as yours)")
    explanation = (f"# Exercise: write `{name}` with {STYLE_WORDS[style]}\n\nWhat it computes, its shapes and its "
                   f"formula (the docstring, the same in both of twinnet's versions):\n\n```text\n"
                   f"{docstring(operation)}\n```\n\n")
    cells = []
    if checkable(operation):
        explanation += ("Fill in the body of the function in the next cell and run it, then run the grading cell "
                        "below it.")
        grading = (f"## Grading\n\nThe grading cell runs your `{name}` on many inputs Hypothesis draws, each in a "
                   "worker process with a time limit, against twinnet's reference. It prints how many inputs agree, "
                   "or the smallest input on which your function disagrees, what the reference gives and what "
                   f"yours gave. When it agrees, {compare}.")
        cells = [v4.new_markdown_cell(grading),
                 v4.new_code_cell(f"from twinnet.testing import check\n\n"
                                  f"print(check({name}, \"{name}\", style=\"{style}\"))")]
    else:
        explanation += (f"Fill in the body of the function in the next cell. twinnet's oracle cannot check {name}: "
                        f"it compares functions of values (and the IDX readers), and {name} writes or reads a model "
                        f"file. Try yours on a model of your own, then {compare}.")
    stub_cell = v4.new_code_cell(definition(name, style).rstrip("\n"))
    return finished(v4.new_notebook(cells=[v4.new_markdown_cell(explanation), stub_cell] + cells))


def write_notebook(name, style="lists", directory=None, force=False):
    """Write the notebook to DIRECTORY/NAME.ipynb atomically; refuse to overwrite unless force."""
    from twinnet import notebook as notebooks

    notebooks.require_extra("twinnet exercise --notebook")
    path = (pathlib.Path(directory) if directory else pathlib.Path()) / f"{name}.ipynb"
    if directory and not path.parent.is_dir():
        raise UsageError(f"--dir {directory}: there is no such folder")
    return _write_new(path, lambda: notebooks.text_of(notebook(name, style)), force)


# ---------------------------------------------------------------- the command


def write(name, style="lists", out=None, force=False):
    """Write the stub to ``out`` (default NAME.py) atomically; refuse to overwrite unless force."""
    path = pathlib.Path(out or f"{name}.py")
    return _write_new(path, lambda: stub(name, style, path.name), force, "--out " if out else "")


def _write_new(path, text, force, flag=""):
    """Write ``text()`` to ``path`` atomically, once sure it can be; refuse to overwrite unless force."""
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it")
    problem = files.unwritable(path)
    if problem:
        raise UsageError(f"{flag}{path}: cannot write there: {problem}")
    files.write_text(path, text())
    return path


def command(args):
    """Write the stub, and say how to check it once it is filled in."""
    registry.get(args.name)  # an unknown name is the error to report, even where FILE exists
    if args.notebook and args.out:
        raise UsageError("--out names the .py file; a notebook goes to DIR/NAME.ipynb: use --dir DIR")
    if args.dir and not args.notebook:
        raise UsageError("--dir is for --notebook; the .py file goes where --out says")
    try:
        if args.notebook:
            path = write_notebook(args.name, args.style, args.dir, args.force)
            print(f"wrote {path}: open it in Jupyter, fill in {args.name}"
                  + (", then run the grading cell" if checkable(registry.get(args.name)) else ""))
            return 0
        path = write(args.name, args.style, args.out, args.force)
    except FileExistsError as error:
        raise UsageError(str(error)) from None
    command = check_command(args.name, path)
    if command:
        print(f"wrote {path}: fill in {args.name}, then run")
        print(f"    {command}")
    else:
        print(f"wrote {path}: fill in {args.name}; twinnet check cannot check it (it writes or reads model files), "
              f"so compare it with twinnet show {args.name}")
    return 0
