"""The README stays true: its Python runs, and its commands print what it says they print."""

import contextlib
import io
import pathlib
import re

from twinnet.cli import main
from twinnet.contract import registry

README = (pathlib.Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_readme_python_blocks_run():
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        for block in blocks:
            exec(compile(block, "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    first_sample = [float(x) for x in lines[0].strip("[]").split(",")]
    assert [round(x, 12) for x in first_sample] == [4.8, 1.21, 2.385]
    assert float(lines[2]) < 1e-15


def test_readme_lists_the_operations_as_twinnet_list_prints_them():
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["list"]) == 0
    output = printed.getvalue().splitlines()
    listed = README.split("twinnet list\n```", 1)[1].split("```\n", 2)[1].splitlines()
    for line in listed:
        if line.strip() != "...":
            assert line in output, line
    assert output[-1] == f"{len(registry.OPERATIONS)} operations, each in pure/ and vectorized/"
    assert f"The operations ({len(registry.OPERATIONS)} of them" in README


def _quoted(marker):
    """The fenced block that follows ``<!-- twinnet docs: MARKER -->`` in the README."""
    after = README.split(f"<!-- twinnet docs: {marker} -->\n", 1)[1]
    return after.split("\n", 1)[1].split("```\n", 1)[0]


def test_readme_show_output_is_real():
    from twinnet import show

    name, width = re.search(r"<!-- twinnet docs: show (\w+) --width (\d+) -->", README).groups()
    assert _quoted(f"show {name} --width {width}") == show.side_by_side(registry.get(name), width=int(width))


def test_readme_quotes_the_real_softmax():
    """The excerpt is the function in the file, less its docstring and its declaration of checks."""
    import ast
    import inspect

    import pure.activations
    import vectorized.activations

    assert "left out here" not in README
    for module in (pure.activations, vectorized.activations):
        twin = module.__name__.split(".")[0]
        source = inspect.getsource(module.softmax)
        definition = ast.parse(source).body[0]
        (declaration,), docstring = definition.decorator_list, definition.body[0]
        assert ast.unparse(declaration).startswith("_checks.takes(")
        assert ast.get_docstring(definition) and isinstance(docstring, ast.Expr)
        left_out = set(range(declaration.lineno - 1, declaration.end_lineno))
        left_out |= set(range(docstring.lineno - 1, docstring.end_lineno))
        lines = source.splitlines(keepends=True)
        expected = "".join(line for index, line in enumerate(lines) if index not in left_out)
        assert _quoted(f"code {twin}/activations.py softmax") == expected
