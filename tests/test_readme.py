"""The README stays true: its Python runs, and its commands print what it says they print."""

import contextlib
import io
import pathlib
import re

from twinnet import registry
from twinnet.cli import main

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


def test_readme_show_output_is_real():
    from twinnet import registry, source

    shown = README.split("the private helpers each body calls:\n\n```\n", 1)[1].split("\n```", 1)[0]
    assert shown + "\n" == source.side_by_side(registry.get("relu_backward"), width=100)
