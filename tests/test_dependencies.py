"""The dependency rules: pure needs only the standard library, and the twins never know each other."""

import ast
import json
import pathlib
import subprocess
import sys

import pytest

from twinnet.contract import registry
from twinnet.contract.twins import MODULES

ROOT = pathlib.Path(__file__).resolve().parent.parent


def imported_top_level_names(package):
    """Every top-level module name imported anywhere in a package's source."""
    names = set()
    for path in (ROOT / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                assert node.level == 0, f"{path}: use absolute imports"
                names.add(node.module.split(".")[0])
    return names


def test_pure_imports_only_the_standard_library():
    outside = imported_top_level_names("pure") - set(sys.stdlib_module_names) - {"pure"}
    assert not outside, f"pure imports {sorted(outside)}"


def test_vectorized_imports_only_numpy_and_the_standard_library():
    outside = imported_top_level_names("vectorized") - set(sys.stdlib_module_names) - {"vectorized", "numpy"}
    assert not outside, f"vectorized imports {sorted(outside)}"


def test_pure_runs_with_numpy_blocked():
    # A fresh interpreter where `import numpy` fails, running every pure
    # operation on its example: proof that pure needs nothing but Python.
    examples = {op.name: [op.module, op.example] for op in registry.OPERATIONS if op.example is not None}
    script = f"""
import importlib, json, sys
sys.modules["numpy"] = None
cases = json.loads({json.dumps(json.dumps(examples))})
for name, (module, example) in cases.items():
    getattr(importlib.import_module("pure." + module), name)(**example)
try:
    import numpy
except ImportError:
    print("ok", len(cases))
"""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["ok", str(len(examples))]


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_each_twin_imports_without_twinnet_or_its_sibling(twin):
    other = {"pure": "vectorized", "vectorized": "pure"}[twin]
    script = (f"import sys\nfor name in {list(MODULES)!r}:\n    __import__('{twin}.' + name)\n"
              f"print(sorted(m for m in sys.modules if m.split('.')[0] in ('twinnet', '{other}')))")
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"
