"""A check's result in the forms course tools and CI servers read: JSON, Gradescope's results.json, JUnit XML.

``twinnet check FILE.py:FUNCTION --as NAME --format json|gradescope|junit``
and ``twinnet grade`` write them. Every form holds the same facts: whether the
function agreed with the reference, why not in a word or two (the reason, one
of :data:`twinnet.check.REASONS`, such as "disagreed", "hangs" or "syntax
error"), how many inputs were tried, the shrunk counterexample, what the
reference gave and what the function gave, and the text report that
``twinnet check`` prints.

- **json**: one object, :func:`of_report` (or :func:`of_error` when the file
  gave no function to check). Numbers JSON cannot hold are written as the
  strings "NaN", "Infinity" and "-Infinity", so that any JSON reader takes it.
- **gradescope**: ``results.json`` as Gradescope's autograder specification
  describes it (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
  a "tests" list with one test named after the operation, scored 1 of 1 or 0
  of 1, its "status" passed or failed, and as its "output" the text report,
  counterexample included; "score" and "execution_time" (seconds) on top.
- **junit**: JUnit XML as CI servers read it: a testsuite (with its tests,
  failures and errors counts) holding one testcase, named after the operation,
  and a <failure> whose text is the report when the function does not agree.

Files are written whole or not at all (:mod:`twinnet.files`), in UTF-8.
"""

import json
import math
import pathlib
import re
import xml.etree.ElementTree as ElementTree

import numpy as np

from twinnet import UsageError, files
from twinnet.check import _Described, _Unreadable
from twinnet.contract.twins import to_pure

FORMATS = ("text", "json", "gradescope", "junit")
GRADESCOPE_FILE = "results.json"  # the file Gradescope reads, in /autograder/results/ on its machines
NOT_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


# ---------------------------------------------------------------- the facts, as JSON-ready data


def json_ready(value):
    """``value`` made of dicts, lists, strings, finite numbers, booleans and None only.

    Arrays become nested lists, tuples lists, keys strings; NaN and the
    infinities the strings "NaN", "Infinity", "-Infinity"; a file the check
    wrote (the IDX readers' arguments) its description, and anything else its repr.
    """
    if isinstance(value, (_Described, _Unreadable)):
        return value.text if isinstance(value, _Described) else repr(value)
    if isinstance(value, (np.ndarray, np.generic)):
        return json_ready(to_pure(value))
    if isinstance(value, dict):
        return {str(key): json_ready(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item) for item in value]
    if isinstance(value, float) and not math.isfinite(value):
        return NOT_FINITE.get(value, "NaN")
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return repr(value)


def of_report(report, seconds):
    """The facts of a check's Report, JSON-ready: the object ``--format json`` prints.

    operation, passed, reason (see twinnet.check.REASONS), examples (the
    number of inputs tried), style, dtype; when it failed, counterexample
    (the shrunk input: its arguments by name), expected (the reference's
    result), got (the function's result, or what happened instead: "raised
    ...", "no answer after 2 seconds"), problem and details (in words),
    printed (what the function printed on that input, cut); error ("" here);
    seconds (how long the check took); report (the text twinnet check prints).
    """
    failed = not report.passed
    return {
        "operation": report.name, "passed": report.passed, "reason": report.reason, "examples": report.examples,
        "style": report.style, "dtype": report.precision.dtype,
        "counterexample": json_ready(report.inputs) if failed else None,
        "expected": json_ready(report.expected) if failed else None,
        "got": json_ready(report.got) if failed else None,
        "problem": report.problem, "details": list(report.details[:5]), "printed": report.output,
        "error": "", "seconds": round(seconds, 3), "report": str(report),
    }


def of_error(name, reason, error, seconds=0.0):
    """The facts of a check that could not call the function (the same keys as :func:`of_report`).

    ``reason``: why, in a word or two ("syntax error", "no such function",
    "not an operation"...); ``error``: the message, in words.
    """
    return {
        "operation": name, "passed": False, "reason": reason, "examples": 0, "style": None, "dtype": None,
        "counterexample": None, "expected": None, "got": None, "problem": "", "details": [], "printed": "",
        "error": str(error), "seconds": round(seconds, 3),
        "report": (f"{name}: " if name else "") + f"not checked ({reason}): {error}",
    }


# ---------------------------------------------------------------- the forms


def to_json(value, indent=None):
    """JSON text: strict (no NaN), in ASCII (so that no character a function printed can break the file)."""
    return json.dumps(value, indent=indent, allow_nan=False) + "\n"


def to_json_lines(rows):
    """A JSON list with one row per line: grades.json."""
    return "[\n" + ",\n".join(to_json(row).rstrip("\n") for row in rows) + "\n]\n"


def gradescope(result):
    """Gradescope's results.json for one check: one test, 1 of 1 when it agrees, 0 of 1 when not."""
    score = 1.0 if result["passed"] else 0.0
    test = {"name": result["operation"], "score": score, "max_score": 1.0,
            "status": "passed" if result["passed"] else "failed", "output": result["report"],
            "visibility": "visible"}
    return to_json({"score": score, "execution_time": result["seconds"], "tests": [test]}, indent=2)


# Characters XML 1.0 does not allow, even escaped (control characters, lone surrogates, U+FFFE and U+FFFF).
NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(text):
    """``text`` with every character XML cannot hold written as its escape (\\x00, \\udc80)."""
    return NOT_XML.sub(lambda match: match.group().encode("unicode_escape", "backslashreplace").decode("ascii"),
                       text)


def junit(result):
    """JUnit XML for one check: a testsuite with one testcase, and a <failure> holding the report when it failed."""
    seconds = f"{result['seconds']:.3f}"
    failures = "0" if result["passed"] else "1"
    counts = dict(tests="1", failures=failures, errors="0")
    suites = ElementTree.Element("testsuites", name="twinnet check", time=seconds, **counts)
    suite = ElementTree.SubElement(suites, "testsuite", name="twinnet check", skipped="0", time=seconds, **counts)
    case = ElementTree.SubElement(suite, "testcase", classname="twinnet.check", name=result["operation"],
                                  time=seconds)
    if not result["passed"]:
        message = result["problem"] or result["error"]
        failure = ElementTree.SubElement(case, "failure", type=result["reason"],
                                         message=_xml_text(f"{result['reason']}: {message}"))
        failure.text = _xml_text(result["report"])
    ElementTree.indent(suites)
    return ElementTree.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


RENDER = {"json": to_json, "gradescope": gradescope, "junit": junit}


# ---------------------------------------------------------------- writing them


def destination(format, output):
    """The file a format goes to (None: stdout), refused at once when it could not be written."""
    if format == "text":
        if output is not None:
            raise UsageError("--output goes with --format json, gradescope or junit (text is printed)")
        return None
    if output is None and format != "gradescope":
        return None
    path = pathlib.Path(output if output is not None else GRADESCOPE_FILE)
    problem = files.unwritable(path)
    if problem:
        raise UsageError(f"--output {path}: cannot write there: {problem}")
    return path


def write(path, text):
    """Write ``text`` to ``path`` in UTF-8, whole or not at all."""
    with files.replacing(path) as temporary:
        pathlib.Path(temporary).write_text(text, encoding="utf-8")


def deliver(result, format, path):
    """Put one check's result where it goes: the text report on stdout, the format into ``path``, or the format
    alone on stdout (json and junit without --output)."""
    if format == "text" or path is not None:
        print(result["report"])
    if format == "text":
        return
    text = RENDER[format](result)
    if path is None:
        print(text, end="")
    else:
        write(path, text)
