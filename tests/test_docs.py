"""Every code example in docs/ runs, and prints what the page says it prints (doctest)."""

import doctest
import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parent.parent / "docs"
PAGES = sorted(path for path in DOCS.glob("*.md") if path.name not in ("README.md", "benchmarks.md"))
CHAPTERS = ["01-neuron", "02-layer", "03-batch", "04-activations", "05-softmax", "06-loss", "07-backpropagation",
            "08-optimizers", "09-training", "10-mnist", "11-convolution", "12-normalization",
            "13-attention"]


def test_the_chapters_are_all_there_in_order():
    names = [path.stem for path in PAGES]
    assert [name for name in names if name[:2].isdigit()] == CHAPTERS
    index = (DOCS / "README.md").read_text()
    positions = [index.index(f"{chapter}.md") for chapter in CHAPTERS]
    assert positions == sorted(positions)


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_page_examples_pass(page):
    result = doctest.testfile(str(page), module_relative=False, report=True,
                              optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0, f"{page.name} has no examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {page.name} failed"


@pytest.mark.parametrize("page", PAGES, ids=lambda path: path.name)
def test_every_python_block_is_an_example(page):
    """A ```python block without >>> would never run: the docs could rot there."""
    for block in re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S):
        assert block.lstrip().startswith(">>>"), f"{page.name}: a python block that is not a doctest:\n{block[:200]}"


QUOTING = [DOCS.parent / "README.md", *PAGES]


@pytest.mark.parametrize("page", QUOTING, ids=lambda path: path.name)
def test_quoted_library_code_matches_the_code(page):
    """Every block under a `<!-- twinnet docs: ... -->` marker is what `twinnet docs` makes of the code now."""
    from twinnet import docs

    text = page.read_text()
    assert docs.fill_quotes(text) == text, f"{page.name} quotes code that has changed since: run `twinnet docs`"


def test_the_readme_and_chapters_quote_through_markers():
    from twinnet import docs

    quoting = {path.name for path in docs.quoting_files()}
    assert "README.md" in quoting
    assert quoting <= {path.name for path in QUOTING}
    readme = (DOCS.parent / "README.md").read_text()
    assert "<!-- twinnet docs: code pure/activations.py softmax -->" in readme
    assert "<!-- twinnet docs: code vectorized/activations.py softmax -->" in readme


def test_a_quote_that_drifted_is_caught_and_refilled():
    from twinnet import docs

    readme = (DOCS.parent / "README.md").read_text()
    drifted = readme.replace("largest = max(row)", "largest = max(row) + 0.0", 1)
    assert drifted != readme
    assert docs.fill_quotes(drifted) == readme
    with pytest.raises(ValueError, match="cannot read the marker"):
        docs.fill_quotes("<!-- twinnet docs: cod pure/activations.py softmax -->\n```python\n```\n")
