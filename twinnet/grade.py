"""``twinnet grade``: grade a folder of exercise files, one per operation, into a table.

``twinnet grade submissions/`` checks every ``NAME.py`` of the folder against
the operation NAME (the function NAME in it), one file after the other, each
exactly as ``twinnet check`` does: in a worker process, each call with a time
limit (``--timeout``), on ``--examples`` inputs Hypothesis draws, shrunk to
the smallest on which it disagrees. It writes ``grades.csv`` and
``grades.json`` (into ``--output``, the current folder by default) and prints
the table. A row per file: the file, the operation, passed or not, the reason
(one of :data:`twinnet.check.REASONS`, or "not an operation" / "not
checkable" for a file that was not graded), and the counterexample or the
error.

A file that hangs, calls ``sys.exit(0)``, crashes the interpreter, floods its
output or does not even parse fails with that reason, and the next file is
graded all the same. A file whose name is no operation (``helpers.py``), or is
one check cannot check (``save.py``), is reported, not graded. Each row of
grades.json is the object ``twinnet check --format json`` prints (see
:mod:`twinnet.results`), with the file's name first.

Exit codes: 0 when every file passed, 1 when one did not (or was not graded),
2 for bad usage (no such folder, no .py file in it, an output folder that
cannot be written), 130 for Ctrl-C.
"""

import csv
import io
import json
import pathlib
import shutil
import sys
import time

from twinnet import UsageError, files, results
from twinnet.check import REASONS, LoadError, check, checkable, require_hypothesis
from twinnet.contract import registry

OUTPUTS = ("grades.csv", "grades.json")
# A row's reasons besides twinnet.check.REASONS: files that were not graded, and checks that could not run.
GRADE_REASONS = {
    "not an operation": "its name is no operation's (twinnet list shows them): reported, not graded",
    "not checkable": "save and load, which write and read model files, are not checked: reported, not graded",
    "not run": "the check could not run (a library the function's style needs is not installed)",
}
NOT_GRADED = ("not an operation", "not checkable")
COLUMNS = ("file", "operation", "passed", "reason", "examples", "seconds", "counterexample", "expected", "got",
           "message")


def grade_file(path, max_examples=200, timeout=10.0):
    """The result of one exercise file (the facts of :mod:`twinnet.results`), with "file" first."""
    path = pathlib.Path(path)
    return {"file": path.name, **_result(path, max_examples, timeout)}


def _result(path, max_examples, timeout):
    try:
        operation = registry.get(path.stem)
    except registry.UnknownOperation as error:
        return results.of_error(None, "not an operation", error)
    if not checkable(operation):
        return results.of_error(operation.name, "not checkable", f"{operation.name} writes or reads model files, "
                                "which check cannot compare: `twinnet show` shows the reference")
    start = time.monotonic()
    try:
        report = check(f"{path}:{operation.name}", operation.name, max_examples=max_examples, timeout=timeout)
    except LoadError as error:  # named by the file's name, as the table's first column is
        return results.of_error(operation.name, error.reason, str(error).replace(str(path), path.name),
                                time.monotonic() - start)
    except UsageError as error:  # the check cannot run: a library its style needs is not installed, say
        return results.of_error(operation.name, "not run", error, time.monotonic() - start)
    return results.of_report(report, time.monotonic() - start)


def exercise_files(folder):
    """The .py files of ``folder`` (not of its subfolders), by name; UsageError when there are none."""
    folder = pathlib.Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder" if not folder.exists() else f"{folder} is not a folder")
    found = sorted(path for path in folder.glob("*.py") if path.is_file())
    if not found:
        raise UsageError(f"{folder} holds no .py file to grade (one per operation, named after it: softmax.py)")
    return found


def grade(paths, max_examples=200, timeout=10.0, progress=None):
    """Grade the exercise files ``paths`` one after the other (``exercise_files(folder)`` lists a folder's): a
    list of rows (see :func:`grade_file`).

    ``progress``, when given, is called with each row as soon as it is graded.
    """
    rows = []
    for path in paths:
        rows.append(grade_file(path, max_examples, timeout))
        if progress:
            progress(rows[-1])
    return rows


# ---------------------------------------------------------------- the table, in three forms


def _cell(value):
    """A value as one CSV cell: strings as they are, anything else as compact JSON ("" for None)."""
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, allow_nan=False)


def message(row):
    """What went wrong, in words: the problem and its first detail, or the error ("" when it passed)."""
    return row["error"] or " ".join([row["problem"], *row["details"][:1]])


def to_csv(rows):
    """grades.csv: the COLUMNS, a row per file; values that are not text as JSON (the counterexample's arguments)."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        cells = {**row, "passed": "yes" if row["passed"] else "no", "message": message(row)}
        writer.writerow([_cell(cells[column]) for column in COLUMNS])
    return text.getvalue()


def _note(row):
    """The table's last column: how many examples agreed, the counterexample and what it gave, or the error."""
    if row["passed"]:
        return f"{row['examples']} examples agree"
    if row["error"]:
        return row["error"]
    inputs = ", ".join(f"{name} = {_cell(value)}" for name, value in row["counterexample"].items())
    return f"{inputs} -> {_cell(row['got'])} (expected {_cell(row['expected'])})"


def table_line(row, widths, width=None):
    """One line of the table, cut to ``width`` characters (when given)."""
    cells = (row["file"], row["operation"] or "-", "pass" if row["passed"] else "FAIL", row["reason"])
    line = "  ".join(cell.ljust(size) for cell, size in zip(cells, widths)) + "  " + _note(row)
    return line if width is None or len(line) <= width else line[:width - 3] + "..."


def summary(rows):
    passed = sum(row["passed"] for row in rows)
    skipped = sum(row["reason"] in NOT_GRADED for row in rows)
    failed = len(rows) - passed - skipped
    return f"{passed} of {len(rows)} files passed, {failed} failed" + (f", {skipped} not graded" if skipped else "")


def command(args):
    """Grade the folder; print the table as each file is graded; write grades.csv and grades.json."""
    require_hypothesis("grade")
    paths = exercise_files(args.folder)
    out = pathlib.Path(args.output)
    for name in OUTPUTS:
        problem = files.unwritable(out / name)
        if problem:
            raise UsageError(f"--output {out}: cannot write {name} there: {problem}")
    widths = (max(len("file"), *(len(path.name) for path in paths)),
              min(max(len("operation"), *(len(path.stem) for path in paths)), 30), len("result"),
              max(len(reason) for reason in {**REASONS, **GRADE_REASONS}))
    width = max(shutil.get_terminal_size().columns, 60) if sys.stdout.isatty() else None  # a file gets it all
    print("  ".join(title.ljust(size) for title, size in zip(("file", "operation", "result", "reason"), widths))
          + "  counterexample or error", flush=True)
    rows = grade(paths, args.examples, args.timeout,
                 progress=lambda row: print(table_line(row, widths, width), flush=True))
    results.write(out / "grades.csv", to_csv(rows))
    results.write(out / "grades.json", results.to_json_lines(rows))
    print(f"{summary(rows)}; wrote {out / 'grades.csv'} and {out / 'grades.json'}")
    return 0 if all(row["passed"] for row in rows) else 1
