"""The source of an operation in both twins: for ``twinnet show`` and the reference pages.

Each twin's function is split into its docstring (the same in both twins; a
test makes sure) and its code without the docstring, so that the docstring is
shown once and the two bodies side by side. The module's private helpers that
a body calls (``_sigmoid``, ``_clip``...) come along, since the body means
little without them.
"""

import ast
import inspect
import shutil
import textwrap
from dataclasses import dataclass

from twinnet.contract import registry


@dataclass
class TwinSource:
    twin: str
    path: str  # e.g. "pure/activations.py"
    code: list  # lines of the function without its docstring, then its helpers


def _without_docstring(function):
    source = textwrap.dedent(inspect.getsource(function))
    lines = source.splitlines()
    definition = ast.parse(source).body[0]
    first = definition.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return lines[:first.lineno - 1] + lines[first.end_lineno:]
    return lines


def _helpers(function, seen=None):
    """The private functions of the same module that the function calls, and those they call, in order."""
    module = inspect.getmodule(function)
    seen = [] if seen is None else seen
    for node in ast.walk(ast.parse(textwrap.dedent(inspect.getsource(function)))):
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            helper = getattr(module, node.id, None)
            if inspect.isfunction(helper) and helper.__module__ == module.__name__ and helper not in seen:
                seen.append(helper)
                _helpers(helper, seen)
    return seen


def twin_source(operation, twin):
    function = operation.function(twin)
    code = _without_docstring(function)
    for helper in _helpers(function):
        code += [""] + inspect.getsource(helper).rstrip().splitlines()
    return TwinSource(twin, f"{twin}/{operation.module}.py", code)


def docstring(operation):
    return inspect.getdoc(operation.pure) or ""


def _wrap(line, width):
    """A code line cut to fit a column, at a space or after a comma where it can be."""
    if len(line) <= width:
        return [line]
    indent = " " * min(len(line) - len(line.lstrip()) + 4, width // 2)
    pieces, rest = [], line
    while len(rest) > width:
        leading = len(rest) - len(rest.lstrip())
        cut = max(rest.rfind(" ", leading + 1, width), rest.rfind(",", leading + 1, width - 1) + 1)
        if cut <= leading:
            cut = width  # nowhere good to break: cut where the column ends
        pieces.append(rest[:cut].rstrip())
        rest = indent + rest[cut:].lstrip()
    pieces.append(rest)
    return pieces


def side_by_side(operation, width=None, stacked=False):
    """The text ``twinnet show`` prints: the docstring once, then both twins' code."""
    width = width or shutil.get_terminal_size((120, 24)).columns
    pure, vectorized = twin_source(operation, "pure"), twin_source(operation, "vectorized")
    title = f"{operation.name}  ({operation.module}; in pure/ and vectorized/)"
    lines = [title, "=" * min(len(title), width), ""]
    lines += ["    " + line if line else "" for line in docstring(operation).splitlines()]
    lines.append("")
    column = (width - 3) // 2
    if stacked or column < 40:
        for source in (pure, vectorized):
            lines += [f"--- {source.path} ---", *source.code, ""]
        return "\n".join(lines).rstrip() + "\n"
    left = [wrapped for line in pure.code for wrapped in _wrap(line, column)]
    right = [wrapped for line in vectorized.code for wrapped in _wrap(line, column)]
    lines.append(f"{pure.path:<{column}} | {vectorized.path}")
    lines.append(f"{'-' * column}-+-{'-' * column}")
    for index in range(max(len(left), len(right))):
        a = left[index] if index < len(left) else ""
        b = right[index] if index < len(right) else ""
        lines.append(f"{a:<{column}} | {b}".rstrip())
    return "\n".join(lines) + "\n"


def find(name):
    """The registered operation, or a KeyError whose message suggests close names."""
    try:
        return registry.get(name)
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name, [op.name for op in registry.OPERATIONS], n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else "; `twinnet list` shows them all"
        raise KeyError(f"no operation named {name!r}{hint}") from None
