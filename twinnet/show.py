"""``twinnet show NAME``: one operation's two twins as a teaching diff.

The docstring (the same in both twins; a test makes sure) is printed once on
top. Below it, the code of each twin without its docstring: the operation,
then the module's private helpers its body calls (``_clip``, ``_logistic``...),
since the body means little without them. A helper is put beside the other
twin's helper of the same name; one that only one twin has stands alone.

What a student reads for is where the twins differ, so

- validation is hidden unless asked for (``checks=True``, ``--checks``): the
  ``@_checks.takes(...)`` declaration and any statement that calls ``_checks``;
- lines the same in both twins (the ``def`` line, most of the network code)
  are folded into one line across both columns that says so;
- long lines are cut between words, after commas or before operators, never
  inside a name, and a wrapped comment goes on as a comment.

The reference pages (``twinnet docs``) are built from the same pieces.
"""

import ast
import difflib
import html
import inspect
import itertools
import re
import shutil
import sys
import textwrap
import types
from dataclasses import dataclass

from twinnet.contract import registry

SAME = "same in both twins"
# Cut a long line before one of these (when it is not already beside a space).
_OPERATORS = "+-*/%@<>"
# and rather before these words, the first most (a comprehension's for, a conditional's if).
_KEYWORDS = {"for": 3, "if": 2, "else": 1, "and": 1, "or": 1}
# and rather after a comma than at a space, and at a space than at an operator.
_KINDS = {"comma": 2, "space": 1, "operator": 0}


@dataclass
class Block:
    """One function of one twin, as shown: its name and its lines."""

    name: str
    lines: list
    validates: list  # for each line, True where it is validation (shown only with checks=True)


@dataclass
class TwinSource:
    twin: str
    path: str  # e.g. "pure/activations.py"
    blocks: list  # the operation, then its helpers

    @property
    def code(self):
        """Every block's lines, a blank line between two blocks."""
        lines = []
        for block in self.blocks:
            lines += ([""] if lines else []) + block.lines
        return lines


@dataclass
class Same:
    """A run of lines the same in both twins."""

    lines: list


@dataclass
class Shared:
    """Validation the same in both twins, shown with checks=True: in full, across both columns."""

    lines: list


@dataclass
class Differ:
    """Lines where the twins differ (either side may be empty), shown side by side."""

    left: list
    right: list


# ---------------------------------------------------------------- what a function shows


def _calls_checks(node):
    return any(isinstance(child, ast.Name) and child.id == "_checks" for child in ast.walk(node))


class _Reader:
    """Which lines of one function are validation, and the names its shown lines use."""

    def __init__(self, function, checks):
        self.module = inspect.getmodule(function)
        self.lines = textwrap.dedent(inspect.getsource(function)).splitlines()
        self.node = ast.parse("\n".join(self.lines)).body[0]
        self.hidden = set()  # 0-based line indexes
        body = self.node.body
        if self._is_docstring(body[0]):
            self._hide(body[0])
            body = body[1:]
        docstring = set(self.hidden)
        for decorator in self.node.decorator_list:
            if _calls_checks(decorator):
                self._hide(decorator)
        self.dedent = {}  # line index -> columns to take off (the body of a try whose except only validated)
        self._hide_checks(body)
        self._hide_what_only_checks_use()
        self.only_checks = all(self._gone(statement) for statement in body) or self._returns_its_arguments(body)
        self.checking = self.hidden - docstring  # the lines that validate
        if checks:
            self.hidden, self.dedent = docstring, {}

    def _returns_its_arguments(self, body):
        """True for a checking helper: all it shows is ``return`` of some of its own arguments."""
        shown = [statement for statement in body if statement.lineno - 1 not in self.hidden]
        if len(shown) != 1 or not isinstance(shown[0], ast.Return) or shown[0].value is None:
            return False
        value = shown[0].value
        names = value.elts if isinstance(value, ast.Tuple) else [value]
        arguments = {argument.arg for argument in self.node.args.args}
        return all(isinstance(name, ast.Name) and name.id in arguments for name in names)

    @staticmethod
    def _is_docstring(statement):
        return (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str))

    def _hide(self, node, start=None):
        first = node.lineno - 1 if start is None else start
        self.hidden.update(range(first, node.end_lineno))
        # a comment just above a hidden statement is about it
        above = first - 1
        while above >= 0 and self.lines[above].strip().startswith("#") and above not in self.hidden:
            self.hidden.add(above)
            above -= 1

    def _gone(self, statement):
        """True when every line of the statement is hidden."""
        return self.hidden.issuperset(range(statement.lineno - 1, statement.end_lineno))

    def _is_check(self, statement):
        """A statement that only validates: it calls _checks, or a helper that does nothing else."""
        if _calls_checks(statement):
            return True
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.startswith("_"):
                helper = getattr(self.module, node.func.id, None)
                if inspect.isfunction(helper) and helper.__module__ == self.module.__name__ and _only_checks(helper):
                    return True
        return False

    def _hide_what_only_checks_use(self):
        """Hide assignments whose names only hidden lines read, and blocks left empty, until none is left."""
        statements = [node for node in ast.walk(self.node) if isinstance(node, ast.stmt) and node is not self.node]
        reads = [node for node in ast.walk(self.node) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)]
        changed = True
        while changed:
            changed = False
            for statement in statements:
                if self._gone(statement):
                    continue
                if isinstance(statement, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
                    names = {node.id for node in ast.walk(statement) if isinstance(node, ast.Name)
                             and isinstance(node.ctx, ast.Store)}
                    users = [node for node in reads if node.id in names
                             and not statement.lineno <= node.lineno <= statement.end_lineno]
                    if names and users and all(node.lineno - 1 in self.hidden for node in users):
                        self._hide(statement)
                        changed = True
                elif (isinstance(statement, (ast.If, ast.For, ast.While, ast.With))
                      and all(self._gone(child) for child in statement.body + getattr(statement, "orelse", []))):
                    self._hide(statement)
                    changed = True

    def _hide_checks(self, statements):
        """Hide the validating statements of a body; True when that was all of them."""
        shown = False
        for statement in statements:
            if self._hide_compound(statement):
                shown = True
            elif not hasattr(statement, "body") and self._is_check(statement):
                self._hide(statement)
            elif not hasattr(statement, "body"):
                shown = True
        return not shown

    def _hide_compound(self, statement):
        """Hide what validates inside an if, for, with or try; True when something is left to show."""
        if not hasattr(statement, "body"):
            return False
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            return True
        before = set(self.hidden)
        body_only_checks = self._hide_checks(statement.body)
        handlers = getattr(statement, "handlers", [])
        for handler in handlers:
            if self._hide_checks(handler.body):
                self._hide(handler)
        orelse = getattr(statement, "orelse", [])
        else_only_checks = bool(orelse) and self._hide_checks(orelse)
        finalbody = getattr(statement, "finalbody", [])
        final_only_checks = bool(finalbody) and self._hide_checks(finalbody)
        if body_only_checks and (not orelse or else_only_checks) and (not finalbody or final_only_checks):
            self._hide(statement)
            return False
        if body_only_checks and not isinstance(statement, ast.Try):
            # `if bad: check` with an else that computes: keep it all, it cannot be told apart
            self.hidden = before
            return True
        if else_only_checks:
            self._hide_clause(orelse, "else")
        if final_only_checks:
            self._hide_clause(finalbody, "finally")
        if handlers and all(self._gone(handler) for handler in handlers) and not orelse and not finalbody:
            # a try whose every except only validated: what is left is its body, one level out
            self.hidden.add(statement.lineno - 1)
            columns = statement.body[0].col_offset - statement.col_offset
            for index in range(statement.body[0].lineno - 1, statement.body[-1].end_lineno):
                self.dedent[index] = columns
        return True

    def _hide_clause(self, statements, keyword):
        """Hide an else: or finally: clause with its keyword line (an elif is its own statement)."""
        first = statements[0].lineno - 1
        if keyword == "else" and isinstance(statements[0], ast.If) and self.lines[first].lstrip().startswith("elif"):
            self._hide(statements[0])
            return
        keyword_line = first - 1
        while keyword_line > 0 and not self.lines[keyword_line].lstrip().startswith(keyword):
            keyword_line -= 1
        self._hide(statements[-1], start=keyword_line)

    def shown(self):
        """[(line, validates)] for the lines left, without blank lines after the def line, doubled or at the end."""
        header_end = self.node.body[0].lineno - 1  # the first line after the def line(s)
        out = []
        for index, line in enumerate(self.lines):
            if index in self.hidden:
                continue
            if not line.strip() and (not out or not out[-1][0].strip() or index <= header_end):
                continue
            if self.dedent.get(index) and not line[:self.dedent[index]].strip():
                line = line[self.dedent[index]:]
            out.append((line, index in self.checking))
        while out and not out[-1][0].strip():
            out.pop()
        return out

    def helper_names(self):
        """The private names the shown lines use, in order."""
        names = []
        for node in ast.walk(self.node):
            if (isinstance(node, ast.Name) and node.id.startswith("_") and node.lineno - 1 not in self.hidden
                    and node.id not in names):
                names.append(node)
        return [node.id for node in sorted(names, key=lambda node: (node.lineno, node.col_offset))]


_VISITING = set()


def _only_checks(function):
    """True for a helper that only validates (a helper that calls itself is taken not to)."""
    if function in _VISITING:
        return False
    _VISITING.add(function)
    try:
        return _Reader(function, checks=False).only_checks
    finally:
        _VISITING.discard(function)


def _helpers(function, checks, seen):
    """The module's private functions a function's shown code calls, and those they call, in order."""
    module = inspect.getmodule(function)
    for name in _Reader(function, checks).helper_names():
        helper = getattr(module, name, None)
        if inspect.isfunction(helper) and helper.__module__ == module.__name__ and helper not in seen:
            if not checks and _only_checks(helper):
                continue
            seen.append(helper)
            _helpers(helper, checks, seen)
    return seen


def code(function, checks=False):
    """A function's lines as shown: no docstring, and no validation unless ``checks``."""
    return [line for line, _ in _Reader(function, checks).shown()]


def _block(function, checks):
    shown = _Reader(function, checks).shown()
    return Block(function.__name__, [line for line, _ in shown], [validates for _, validates in shown])


def twin_source(operation, twin, checks=False):
    """One twin's operation and the private helpers it calls, each as a Block."""
    function = operation.function(twin)
    blocks = [_block(function, checks)] + [_block(helper, checks) for helper in _helpers(function, checks, [])]
    return TwinSource(twin, f"{twin}/{operation.module}.py", blocks)


def docstring(operation):
    return inspect.getdoc(operation.pure) or ""


# ---------------------------------------------------------------- pairing and folding


def _pair_blocks(left, right):
    """[(left block or None, right block or None)]: the operation, then helpers paired by name."""
    pairs = [(left[0], right[0])]
    left_names = [block.name for block in left[1:]]
    right_names = [block.name for block in right[1:]]
    by_name = {block.name: block for block in left[1:]}, {block.name: block for block in right[1:]}
    order, taken = [], 0
    for name in left_names:
        if name in right_names:
            # the right twin's own helpers that come before this shared one go first
            position = right_names.index(name)
            order += [other for other in right_names[taken:position] if other not in left_names and other not in order]
            taken = max(taken, position + 1)
        order.append(name)
    order += [other for other in right_names if other not in order]
    return pairs + [(by_name[0].get(name), by_name[1].get(name)) for name in order]


def chunks(left, right):
    """Two twins' Blocks of one function (either may be None) as runs of Same, Shared and Differ, in order."""
    left_lines, right_lines = (left.lines if left else []), (right.lines if right else [])
    matcher = difflib.SequenceMatcher(None, left_lines, right_lines, autojunk=False)
    out = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            out.append(Differ(left_lines[i1:i2], right_lines[j1:j2]))
            continue
        # validation (there only with checks=True) is what was asked to see: it is not folded away
        for validates, run in itertools.groupby(zip(left_lines[i1:i2], left.validates[i1:i2]), lambda pair: pair[1]):
            out.append((Shared if validates else Same)([line for line, _ in run]))
    return out


def paired_chunks(operation, checks=False):
    """(pure TwinSource, vectorized TwinSource, for each function shown: its list of chunks)."""
    pure, vectorized = twin_source(operation, "pure", checks), twin_source(operation, "vectorized", checks)
    pairs = _pair_blocks(pure.blocks, vectorized.blocks)
    return pure, vectorized, [chunks(left, right) for left, right in pairs]


def fold_note(lines):
    """What a folded run says: its first line, and how many lines are the same in both twins."""
    code_lines = [line for line in lines if line.strip()]
    count = len(code_lines)
    return code_lines[0], f"({SAME})" if count == 1 else f"({count} lines, {SAME})"


# ---------------------------------------------------------------- cutting lines to a column


def _strings_and_comment(line):
    """(set of indexes inside a string literal, index of the comment's # or None)."""
    inside, quote, index = set(), None, 0
    while index < len(line):
        char = line[index]
        if quote:
            inside.add(index)
            if char == "\\":
                inside.add(index + 1)
                index += 1
            elif line.startswith(quote, index):
                inside.update(range(index, index + len(quote)))
                index += len(quote) - 1
                quote = None
        elif char in "'\"":
            quote = line[index:index + 3] if line[index:index + 3] in ('"""', "'''") else char
            inside.update(range(index, index + len(quote)))
            index += len(quote) - 1
        elif char == "#":
            return inside, index
        index += 1
    return inside, None


def _cuts(line, strings, comment):
    """Where a line may be cut: (index, kind), kind "comma" (after one), "space" or "operator"
    (before an arithmetic or comparison operator, after an opening bracket).

    A cut at index i leaves line[:i] on this line and carries line[i:], its
    leading spaces stripped, to the next; so no cut falls inside a name or a
    number, and none at an operator inside a string or a comment.
    """
    for index in range(1, len(line)):
        char, before = line[index], line[index - 1]
        if char == " " and before != " ":
            yield index, "comma" if before == "," else "space"
        elif before == "," and char != " ":
            yield index, "comma"
        elif (_opens(line, index - 1) and char not in ")] " and index - 1 not in strings
              and (comment is None or index < comment)):
            yield index, "operator"
        elif ((comment is None or index < comment) and index not in strings and char in _OPERATORS
              and before not in _OPERATORS + " ([{" and not _exponent(line, index)):
            yield index, "operator"


def _opens(line, index):
    """True at a ( or at the [ of a list (not of an index such as rows[0])."""
    return line[index] == "(" or (line[index] == "[" and (index == 0 or not (line[index - 1].isalnum()
                                                                            or line[index - 1] in "_)]")))


def _exponent(line, index):
    """True at the sign of a number's exponent, such as the - of 1e-7."""
    return line[index] in "+-" and index > 1 and line[index - 1] in "eE" and line[index - 2].isdigit()


def _depths(line, strings, comment):
    """How deep inside brackets each index of the line is (a comment counts as depth 0)."""
    depths, depth = [], 0
    for index, char in enumerate(line):
        if comment is not None and index >= comment:
            depths.append(0)
            continue
        if index not in strings and char in ")]}":
            depth -= 1
        depths.append(depth)
        if index not in strings and char in "([{":
            depth += 1
    return depths


def _in_names(line, depths, cut):
    """True inside the names of ``for x, y in`` or ``lambda p, t:``, which read as one unit."""
    opening = cut - 1
    while opening > 0 and depths[opening] >= depths[cut]:
        opening -= 1
    before = line[opening:cut]
    return re.search(r"\bfor\b(?!.*\bin\b)", before) is not None or re.search(r"\blambda\b(?!.*:)", before) is not None


def _wrap(line, width):
    """A code line cut to fit a column; the lines a comment is cut into each start with #.

    Of the cuts that fit and fill at least half the column, the one least deep
    inside brackets wins, then one before ``for``, then ``if``, then ``else``,
    ``and`` or ``or``, then one after a comma, then at a space, then at an
    operator, then the last.
    """
    if len(line) <= width:
        return [line]
    indent = len(line) - len(line.lstrip())
    strings, comment = _strings_and_comment(line)
    depths = _depths(line, strings, comment)
    cuts = [(cut, kind) for cut, kind in _cuts(line, strings, comment)
            if (comment is not None and cut > comment) or not _in_names(line, depths, cut)]
    code_prefix = " " * min(indent + 4, width // 2)
    comment_prefix = (" " * indent if comment == indent else code_prefix) + "# "

    def rank(cut, kind):
        if comment is not None and cut > comment:
            return (0, 0, 0, cut)  # in a comment: as far as it goes
        keyword = re.match(r"\s*(for|if|else|and|or)\b", line[cut:])
        return (-depths[cut], _KEYWORDS.get(keyword and keyword.group(1), 0), _KINDS[kind], cut)

    pieces, start, prefix = [], 0, ""
    while len(prefix) + len(line) - start > width:
        def piece(cut):
            return line[start:cut].rstrip()

        usable = [(cut, kind) for cut, kind in cuts if cut > start and piece(cut).strip() not in ("", "#")]
        fitting = [(cut, kind) for cut, kind in usable if len(prefix) + len(piece(cut)) <= width]
        filled = [(cut, kind) for cut, kind in fitting if len(prefix) + len(piece(cut)) >= width // 2]
        if filled:
            cut = max(filled, key=lambda candidate: rank(*candidate))[0]
        elif fitting:
            cut = fitting[-1][0]  # nothing fills half the column: fill it as far as it goes
        elif usable:
            cut = usable[0][0]  # a token longer than the column overflows it, whole
        else:
            break
        pieces.append(prefix + piece(cut))
        prefix = comment_prefix if comment is not None and cut > comment else code_prefix
        start = cut + len(line[cut:]) - len(line[cut:].lstrip())
    pieces.append(prefix + line[start:])
    # a name too long for the column after the indent gives up some of the indent first
    return pieces[:1] + [" " * max(0, min(len(piece) - len(piece.lstrip()), width - len(piece.lstrip())))
                         + piece.lstrip() for piece in pieces[1:]]


# ---------------------------------------------------------------- the text


def _fold_row(lines, width):
    """One row across both columns for a run of equal lines: its first line, and a note."""
    first, note = fold_note(lines)
    room = width - len(note) - 3
    text = first if len(first) <= room else _wrap(first, room - 4)[0] + " ..."
    return f"{text}   {note}"


def _column(lines, width):
    """One side of a Differ chunk cut to the column's width.

    A run of comment lines with a line too long is poured again as one
    paragraph, so that it reads as the comment it was, # on every line.
    """
    out, index = [], 0
    while index < len(lines):
        line = lines[index]
        indent = line[:len(line) - len(line.lstrip())]
        if not line.lstrip().startswith("#"):
            out += _wrap(line, width)
            index += 1
            continue
        end = index
        while end < len(lines) and lines[end].startswith(indent + "#"):
            end += 1
        comments = lines[index:end]
        if max(len(comment) for comment in comments) <= width:
            out += comments
        else:
            words = " ".join(comment.strip()[1:].strip() for comment in comments)
            out += textwrap.wrap(words, width, initial_indent=indent + "# ", subsequent_indent=indent + "# ",
                                 break_long_words=False, break_on_hyphens=False)
        index = end
    return out


def _rows(chunk_lists, column, width):
    rows = []
    for number, function_chunks in enumerate(chunk_lists):
        if number:
            rows.append("")
        for position, chunk in enumerate(function_chunks):
            if isinstance(chunk, Same):
                code = [line for line in chunk.lines if line.strip()]
                if len(code) > 1 and position + 1 < len(function_chunks):
                    # The run's last line stays in sight: it is usually the `for` or `if`
                    # that the differing lines below it belong to.
                    rows += [_fold_row(code[:-1], width), _fold_row(code[-1:], width)]
                elif code:
                    rows.append(_fold_row(chunk.lines, width))
                elif rows and rows[-1]:
                    rows.append("")
                continue
            if isinstance(chunk, Shared):
                rows += _column(chunk.lines, width - len(SAME) - 5)
                rows[-1] += f"   ({SAME})"
                continue
            left, right = _column(chunk.left, column), _column(chunk.right, column)
            for index in range(max(len(left), len(right))):
                a = left[index] if index < len(left) else ""
                b = right[index] if index < len(right) else ""
                rows.append(f"{a:<{column}} | {b}".rstrip())
    return rows


def side_by_side(operation, width=None, stacked=False, checks=False):
    """The text ``twinnet show`` prints: the docstring once, then both twins' code.

    ``checks`` shows the validation too; ``stacked`` (or a terminal narrower
    than two columns of 40) prints one twin after the other.
    """
    width = width or shutil.get_terminal_size((120, 24)).columns
    pure, vectorized, chunk_lists = paired_chunks(operation, checks)
    title = f"{operation.name}  ({operation.module}; in pure/ and vectorized/)"
    lines = [title, "=" * min(len(title), width), ""]
    lines += ["    " + line if line else "" for line in docstring(operation).splitlines()]
    lines.append("")
    column = (width - 3) // 2
    if stacked or column < 40:
        for source in (pure, vectorized):
            lines += [f"--- {source.path} ---", *source.code, ""]
        return "\n".join(lines).rstrip() + "\n"
    lines.append(f"{pure.path:<{column}} | {vectorized.path}")
    lines.append(f"{'-' * column}-+-{'-' * column}")
    lines += _rows(chunk_lists, column, width)
    return "\n".join(lines).rstrip() + "\n"


# ---------------------------------------------------------------- in a notebook: the same, as HTML

# Styles inline, nothing else: a notebook drops <style> from an output it does not trust, and nothing may come
# from a network. Jupyter right-aligns table cells unless told otherwise.
_TABLE = "border-collapse: collapse; font-size: 12px"
_CELL = "text-align: left; vertical-align: top; padding: 2px 8px; border: 1px solid #ccc"
_PRE = "margin: 0; padding: 0; background: none; font-family: monospace; white-space: pre; text-align: left"
_NOTE = "color: #6a737d; font-style: italic"


def code_html(lines):
    """Code lines as HTML (no <pre> around them): coloured by Pygments where it is installed, else escaped."""
    text = "\n".join(lines)
    try:
        from pygments import highlight
        from pygments.formatters import HtmlFormatter
        from pygments.lexers import PythonLexer
    except ImportError:
        return html.escape(text)
    return highlight(text, PythonLexer(stripnl=False), HtmlFormatter(nowrap=True, noclasses=True)).rstrip("\n")


def _pre(content, style=""):
    return f'<pre style="{_PRE}{style}">{content}</pre>'


def _across(lines, note):
    """A row across both columns: code, and a note after it."""
    note = f'   <span style="{_NOTE}">{html.escape(note)}</span>'
    return f'<tr><td colspan="2" style="{_CELL}">{_pre(code_html(lines) + note)}</td></tr>'


def _html_rows(function_chunks):
    """One function's chunks as table rows, folded as the text folds them."""
    rows = []
    for position, chunk in enumerate(function_chunks):
        if isinstance(chunk, Differ):
            rows.append("<tr>" + "".join(f'<td style="{_CELL}">{_pre(code_html(side))}</td>'
                                         for side in (chunk.left, chunk.right)) + "</tr>")
        elif isinstance(chunk, Shared):
            rows.append(_across(chunk.lines, f"({SAME})"))
        else:
            code = [line for line in chunk.lines if line.strip()]
            # as in the text, the run's last line stays in sight when differing lines follow it
            runs = [code[:-1], code[-1:]] if len(code) > 1 and position + 1 < len(function_chunks) else [code]
            for run in filter(None, runs):
                first, note = fold_note(run)
                rows.append(_across([first], note))
    return rows


def side_by_side_html(operation, checks=False):
    """What ``twinnet.show(NAME)`` shows in a notebook: ``side_by_side`` as an HTML table.

    The docstring once on top, then a column per twin: a row for each stretch
    where they differ, one row across both columns for a run of lines they
    share. Code is escaped, in a monospace font, and coloured where Pygments
    is installed.
    """
    pure, vectorized, chunk_lists = paired_chunks(operation, checks)
    rows = [f'<tr><th style="{_CELL}">{html.escape(pure.path)}</th>'
            f'<th style="{_CELL}">{html.escape(vectorized.path)}</th></tr>']
    for number, function_chunks in enumerate(chunk_lists):
        if number:
            rows.append('<tr><td colspan="2" style="border: none; height: 0.8em"></td></tr>')
        rows += _html_rows(function_chunks)
    title = f"<b>{html.escape(operation.name)}</b>  ({html.escape(operation.module)}; in pure/ and vectorized/)"
    # a table wider than the notebook scrolls by itself, not the page
    return "\n".join(['<div class="twinnet-show" style="overflow-x: auto">', _pre(title),
                      _pre(html.escape(docstring(operation)), "; margin: 0.6em 0 0.8em 2em"),
                      f'<table style="{_TABLE}">', *rows, "</table>", "</div>"]) + "\n"


class Shown:
    """What ``twinnet.show(NAME)`` returns: the text of ``twinnet show`` as its str and repr, and in a notebook
    (``_repr_html_``) the same as an HTML table."""

    def __init__(self, operation, checks=False, width=None, stacked=False):
        self.operation, self.checks, self.width, self.stacked = operation, checks, width, stacked

    def __str__(self):
        return side_by_side(self.operation, width=self.width, stacked=self.stacked, checks=self.checks)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        return side_by_side_html(self.operation, self.checks)


def view(name, checks=False, width=None, stacked=False):
    """Both twins of the operation ``name``, to look at: ``twinnet.show("softmax")`` in a notebook or a REPL.

    ``checks``, ``width`` and ``stacked`` are ``twinnet show``'s flags. An
    unknown name raises UsageError, suggesting close ones.
    """
    return Shown(registry.get(name), checks, width, stacked)


class _CallableModule(types.ModuleType):
    """This module, callable: ``twinnet.show("softmax")`` is ``twinnet.show.view("softmax")``.

    (``twinnet.show`` is this module as soon as anything imports it, so the
    module itself is what answers the call.)
    """

    def __call__(self, name, checks=False, width=None, stacked=False):
        return view(name, checks, width, stacked)


sys.modules[__name__].__class__ = _CallableModule


def command(args):
    """``twinnet show NAME``: print both twins' code of one operation, side by side."""
    operation = registry.get(args.name)  # an unknown name: a UsageError that suggests close ones
    print(side_by_side(operation, width=args.width, stacked=args.stacked, checks=args.checks), end="")
    return 0
