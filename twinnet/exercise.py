"""``twinnet exercise``: an operation's signature and docstring, with the body left to write.

``twinnet exercise softmax`` writes ``softmax.py``: the function's signature
and docstring (shapes and formula), a body that raises NotImplementedError,
and at the top the command that checks the finished function against the
reference. ``--style numpy`` writes the vectorized form instead of loops.
For save and load, which ``twinnet check`` cannot check, the stub says so and
points to ``twinnet show`` instead.
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
    signature = inspect.signature(operation.pure)
    doc = docstring(operation)
    indented = "\n".join(("    " + line) if line else "" for line in doc.splitlines())
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

{IMPORTS[style]}

def {name}{signature}:
    """{indented.lstrip()}
    """
    raise NotImplementedError("write {name}: the docstring gives the shapes and the formula")
'''


def check_command(name, file_name):
    """The command that checks an exercise file, or None when check cannot check the operation."""
    if not checkable(registry.get(name)):
        return None
    return f"twinnet check {file_name}:{name} --as {name}"


def write(name, style="lists", out=None, force=False):
    """Write the stub to ``out`` (default NAME.py) atomically; refuse to overwrite unless force."""
    path = pathlib.Path(out or f"{name}.py")
    if path.exists() and not force:
        raise FileExistsError(f"{path} exists; pass --force to overwrite it")
    problem = files.unwritable(path)
    if problem:
        raise UsageError(f"{'--out ' if out else ''}{path}: cannot write there: {problem}")
    files.write_text(path, stub(name, style, path.name))
    return path


def command(args):
    """Write the stub, and say how to check it once it is filled in."""
    registry.get(args.name)  # an unknown name is the error to report, even where FILE exists
    try:
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
