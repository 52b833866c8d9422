"""The oracle (twinnet check, twinnet.testing) can be trusted by graders and used by engineers.

Student code cannot fake a pass: every call runs in a worker process with a
time limit, so exits, crashes, hangs, floods and in-place changes are failures
with their reason. float32 code is checked with float32's tolerance, and code
in any array library with its own arrays. These tests start processes: they
keep to a handful of examples and time limits of 2 seconds.
"""

import contextlib
import importlib.util
import io
import os
import pathlib
import re
import signal
import subprocess
import sys
import textwrap
import time
import types

import numpy as np
import pytest

from twinnet import check as oracle
from twinnet import cli
from twinnet.testing import Case, assert_matches_reference, parametrize

ROOT = pathlib.Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "docs" / "examples"
FAST = EXAMPLES / "fast_operations.py"
LIMIT = 2.0  # the time limit per call in these tests, in seconds


def run(*argv):
    """twinnet in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main([str(arg) for arg in argv])
    return code, out.getvalue(), err.getvalue()


def run_process(*argv, **options):
    """twinnet as its own process, as a grader runs it: (exit code, stdout, stderr, seconds)."""
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "twinnet.cli", *map(str, argv)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, **options)
    return done.returncode, done.stdout, done.stderr, time.monotonic() - start


def write(folder, name, source):
    path = pathlib.Path(folder) / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return path


# ---------------------------------------------------------------- isolation: hostile student files

HOSTILE = {
    "calls_sys_exit": ("""
        import sys

        def relu(inputs):
            sys.exit(0)
    """, ["called sys.exit(0)", "tried to end the program (SystemExit)"]),
    "calls_os_exit": ("""
        import os

        def relu(inputs):
            os._exit(0)
    """, ["the process ended, exit code 0", "ended its Python process on this input"]),
    "raises_keyboard_interrupt": ("""
        def relu(inputs):
            raise KeyboardInterrupt
    """, ["raised KeyboardInterrupt", "nobody pressed Ctrl-C"]),
    "segfaults": ("""
        import ctypes

        def relu(inputs):
            ctypes.string_at(0)
    """, ["killed by SIGSEGV: a segmentation fault", "crashed the Python interpreter"]),
    "prints_10_mb": ("""
        def relu(inputs):
            for _ in range(10_000):
                print("x" * 1000)  # 10 MB in all
            return [[max(x, 0.0) for x in row] for row in inputs]
    """, ["printed more than 1,000,000 characters", "flooded its output", "the rest was cut"]),
    "loops_forever": ("""
        def relu(inputs):
            while True:
                pass
    """, [f"no answer after {LIMIT:g} seconds", "hung (or was very slow)"]),
    "changes_its_input_lists": ("""
        def relu(inputs):
            for row in inputs:
                for j, x in enumerate(row):
                    row[j] = max(x, 0.0)
            return inputs
    """, ["changed its arguments in place", "it changed inputs[0][0]: was -1.0, now 0.0"]),
    "changes_its_input_array": ("""
        import numpy as np

        def relu(inputs):
            np.maximum(inputs, 0.0, out=inputs)
            return inputs
    """, ["changed its arguments in place", "it changed inputs at [0, 0]: was -1.0, now 0.0"]),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_student_file_fails_with_its_reason(tmp_path, name):
    source, reasons = HOSTILE[name]
    path = write(tmp_path, name, source)
    code, out, err, seconds = run_process("check", f"{path}:relu", "--as", "relu", "--examples", 5,
                                          "--timeout", LIMIT)
    assert code == 1, (out, err)
    assert out.startswith("relu: your function disagrees with the reference"), out
    for reason in reasons:
        assert reason in out, out
    assert "inputs = [[" in out  # the input that did it
    assert err == "" and "Traceback" not in out
    # One time limit at most, plus the start of two Python processes: a crash or a hang is not shrunk
    # (that would cost a limit, or a new process, per try). Loose, for a shared machine.
    assert seconds < LIMIT + 15, seconds


def test_the_right_file_still_passes_as_its_own_process(tmp_path):
    path = write(tmp_path, "right", """
        def relu(inputs):
            print("checking", len(inputs), "rows")  # a little printing is no flood
            return [[max(x, 0.0) for x in row] for row in inputs]
    """)
    code, out, err, _ = run_process("check", f"{path}:relu", "--as", "relu", "--examples", 20, "--timeout", LIMIT)
    assert (code, out, err) == (0, "relu: 20 examples agree with the reference (lists style)\n", "")


def test_what_the_function_printed_is_shown_with_its_failure(tmp_path):
    path = write(tmp_path, "chatty", """
        def relu(inputs):
            print("my relu got", inputs)
            return [[abs(x) for x in row] for row in inputs]
    """)
    code, out, _ = run("check", f"{path}:relu", "--as", "relu", "--examples", 50)
    assert code == 1
    assert "  it printed:\n    | my relu got [[-1.0]]" in out


def test_a_file_that_exits_or_crashes_while_imported_is_not_checked(tmp_path):
    for body in ("import sys\nsys.exit(0)\n", "import os\nos._exit(0)\n"):
        path = tmp_path / "at_import.py"
        path.write_text(body + "def relu(inputs):\n    return inputs\n")
        code, out, err, _ = run_process("check", f"{path}:relu", "--as", "relu")
        assert code == 2 and out == "", (out, err)
        assert err.startswith(f"twinnet check: error: {path} could not be imported") and len(err.splitlines()) == 1


def test_an_answer_forged_into_the_pipe_is_never_unpickled(tmp_path):
    """A function that writes a pickle of its own making into the worker's pipe (which, unpickled, would end the
    checker with exit code 0) is a failure: the checker reads answers that hold no class at all."""
    path = write(tmp_path, "forger", """
        import gc
        import os
        import pickle
        from multiprocessing.connection import Connection

        class ExitZero:
            def __reduce__(self):
                return (os._exit, (0,))

        def relu(inputs):
            for thing in gc.get_objects():
                if isinstance(thing, Connection):
                    thing.send_bytes(pickle.dumps(ExitZero()))
            return [[max(x, 0.0) for x in row] for row in inputs]
    """)
    code, out, err, _ = run_process("check", f"{path}:relu", "--as", "relu", "--examples", 5, "--timeout", LIMIT)
    assert code == 1, (out, err)
    assert "answered something no function returns (the answer holds a posix._exit)" in out


def test_ctrl_c_stops_the_check_and_its_worker(tmp_path):
    pid_file = tmp_path / "worker.pid"
    path = write(tmp_path, "slow", f"""
        import os

        def relu(inputs):
            with open({str(pid_file)!r}, "w") as file:
                file.write(str(os.getpid()))
            while True:
                pass
    """)
    # Its own process group, so that Ctrl-C (SIGINT to the whole group, as a terminal sends it) reaches
    # the checker, its worker and the fork server alike.
    process = subprocess.Popen([sys.executable, "-m", "twinnet.cli", "check", f"{path}:relu", "--as", "relu",
                                "--timeout", "60"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not pid_file.exists() or not pid_file.read_text():
            assert time.monotonic() < deadline and process.poll() is None, "the worker never started"
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert (process.returncode, out, err) == (130, "", "twinnet check: interrupted\n")
    worker = int(pid_file.read_text())
    with pytest.raises(ProcessLookupError):  # stopped, and waited for: not left running
        os.kill(worker, 0)


def test_exit_codes_are_documented():
    text = cli.build_parser()._subparsers._group_actions[0].choices["check"].format_help()
    assert "exit codes:" in text
    for line in ("0    it agrees with the reference", "1    it does not", "2    the check cannot run",
                 "130  interrupted by Ctrl-C"):
        assert line in text, text
    readme = (ROOT / "README.md").read_text()
    for code in ("`0`", "`1`", "`2`", "`130`"):
        assert code in readme.split("## Study, exercises and the oracle", 1)[1].split("\n## ", 1)[0]


def test_the_readme_float32_example_is_real(monkeypatch):
    monkeypatch.chdir(ROOT)  # the README's commands run in the repository's folder
    readme = (ROOT / "README.md").read_text()
    block = readme.split("$ twinnet check docs/examples/fast_operations.py:softmax --as softmax\n", 1)[1]
    in_float64, in_float32 = block.split("```", 1)[0].split(
        "$ twinnet check docs/examples/fast_operations.py:softmax --as softmax --dtype float32\n")
    code, out, _ = run("check", "docs/examples/fast_operations.py:softmax", "--as", "softmax", "--dtype", "float32")
    assert (code, out) == (0, in_float32)
    code, out, _ = run("check", "docs/examples/fast_operations.py:softmax", "--as", "softmax")
    # Hypothesis draws at random: it may take another number of tries, and shrink to another small input
    # (most often [[0.0, 0.0, 0.0]], sometimes [[0.0, 1.0]]); the form is the README's.
    def form(text):
        lines = re.sub(r"after \d+ examples", "after N examples", text).splitlines()
        return lines[0], [re.split(r"[=:]", line)[0] for line in lines[1:6]]

    assert code == 1 and form(out) == form(in_float64)


def test_the_cli_offers_every_style():
    parser = cli.build_parser()._subparsers._group_actions[0].choices["check"]
    style = next(action for action in parser._actions if action.dest == "style")
    assert tuple(style.choices) == oracle.STYLES


# ---------------------------------------------------------------- purity through the Python API


def test_an_optimizer_that_updates_its_params_in_place_fails():
    import vectorized.optimizers

    def sgd_in_place(params, grads, state=None, hyperparameters=None):
        new_params, new_state = vectorized.optimizers.sgd(params, grads, state, hyperparameters)
        for name in params:
            params[name][...] = new_params[name]  # the classic mistake: the caller's weights change
        return new_params, new_state

    report = oracle.check(sgd_in_place, "sgd", max_examples=20, timeout=LIMIT)
    assert not report.passed
    assert report.problem.startswith("it changed its arguments in place")
    assert report.details[0].startswith("it changed params['p0'] at [0")


def test_functions_only_this_process_knows_are_checked_in_a_forked_worker():
    assert_matches_reference(lambda inputs: np.maximum(inputs, 0.0), "relu", max_examples=10)

    def crashes(inputs):
        os._exit(3)

    report = oracle.check(crashes, "relu", max_examples=10, timeout=LIMIT)
    assert not report.passed and report.got == "no answer: the process ended, exit code 3"
    assert report.inputs == {"inputs": [[0.0]]}  # shrunk, a new worker after each crash


def test_a_result_that_is_not_a_value_fails():
    def relu(inputs):
        return (max(x, 0.0) for row in inputs for x in row)

    report = oracle.check(relu, "relu", style="lists", max_examples=10, timeout=LIMIT)
    assert not report.passed and repr(report.got) == "<a builtins.generator object>", str(report)
    assert report.details == ["result: yours is <a builtins.generator object>, not a number or an array"]


# ---------------------------------------------------------------- precision: float32


def test_the_float32_tolerance_is_the_float64_one_scaled_by_the_unit_roundoff():
    float64, float32 = oracle.precision("float64"), oracle.precision("float32")
    assert (float64.rtol, float64.atol) == (1e-12, 0.0)  # the twins' own tolerance
    assert float32.rtol == pytest.approx(1e-12 * 2.0 ** 29) == pytest.approx(5.37e-4, rel=1e-3)
    assert float32.atol == pytest.approx(1e-12 * 2.0 ** 53 * 2.0 ** -149)
    assert oracle.precision("float32", rtol=1e-3, atol=0.0).rtol == 1e-3
    with pytest.raises(oracle.UserCodeError, match="dtype expected one of float64, float32"):
        oracle.precision("float16")
    # Values float32 cannot hold are not drawn for a float32 check.
    assert oracle._too_large_for("float32", {"inputs": np.array([[1e39]])})
    assert not oracle._too_large_for("float32", {"inputs": np.array([[1e38]])})


@pytest.mark.parametrize("name", ["softmax", "dense_forward", "adam"])
def test_float32_numpy_code_passes_in_float32_and_fails_in_float64(name):
    code, out, _ = run("check", f"{FAST}:{name}", "--as", name, "--dtype", "float32", "--timeout", LIMIT)
    assert code == 0, out
    assert out == f"{name}: 200 examples agree with the reference (numpy style, float32)\n"
    code, out, _ = run("check", f"{FAST}:{name}", "--as", name, "--timeout", LIMIT)
    assert code == 1 and "differs from the reference beyond the allowed rounding" in out, out


def test_float32_code_with_a_real_bug_still_fails_in_float32(tmp_path):
    path = write(tmp_path, "softmax32", """
        import numpy as np

        def softmax(inputs):
            exps = np.exp(inputs)  # the row's maximum is not subtracted: exp overflows in float32 at 89
            return exps / exps.sum(axis=1, keepdims=True)
    """)
    code, out, _ = run("check", f"{path}:softmax", "--as", "softmax", "--dtype", "float32", "--timeout", LIMIT)
    assert code == 1
    assert "(numpy style, float32)" in out and "yours gave nan, the reference 1.0" in out, out
    values = [float(x) for x in re.search(r"inputs = (\[\[.*\]\])", out).group(1).strip("[]").split(",")]
    # Shrunk to just past float32's exp overflow at log(3.4e38) = 88.7 (or its underflow of a whole row, at -104).
    assert 88.7 < max(abs(value) for value in values) < 120, values


def test_rtol_and_atol_override_the_tolerance(capsys):
    relu32 = f"{FAST}:relu"
    # float32 rounds by 6e-8 of each value at most, and by up to 1.4e-45 for the smallest ones (subnormals).
    assert run("check", relu32, "--as", "relu", "--examples", 50, "--rtol", "1e-7", "--atol", "1e-44")[0] == 0
    code, out, _ = run("check", relu32, "--as", "relu", "--examples", 50, "--rtol", "1e-9")
    assert code == 1 and "rtol 1e-09, atol 0)" in out
    with pytest.raises(SystemExit) as stopped:
        cli.main(["check", relu32, "--as", "relu", "--rtol", "-1"])
    assert stopped.value.code == 2
    assert "argument --rtol: expected a finite number >= 0, got '-1'" in capsys.readouterr().err


# ---------------------------------------------------------------- any array library

PORTABLE = """
    import array_api_compat

    def relu(inputs):
        xp = array_api_compat.array_namespace(inputs)
        return xp.where(inputs > 0, inputs, xp.zeros_like(inputs))

    def softmax(inputs):
        xp = array_api_compat.array_namespace(inputs)
        exps = xp.exp(inputs - xp.max(inputs, axis=1, keepdims=True))
        return exps / xp.sum(exps, axis=1, keepdims=True)

    def relu_with_a_bug(inputs):
        xp = array_api_compat.array_namespace(inputs)
        return xp.where(inputs >= -1.0, xp.abs(inputs), xp.zeros_like(inputs))
"""


def test_array_api_code_passes_and_a_bug_fails_with_a_shrunk_counterexample(tmp_path):
    pytest.importorskip("array_api_strict", reason="array-api-strict is in the test extra")
    path = write(tmp_path, "portable", PORTABLE)
    for name in ("relu", "softmax"):
        code, out, _ = run("check", f"{path}:{name}", "--as", name, "--timeout", LIMIT)
        assert (code, out) == (0, f"{name}: 200 examples agree with the reference (array-api style)\n")
    code, out, _ = run("check", f"{path}:softmax", "--as", "softmax", "--dtype", "float32", "--timeout", LIMIT)
    assert code == 0, out
    code, out, _ = run("check", f"{path}:relu_with_a_bug", "--as", "relu", "--timeout", LIMIT)
    assert code == 1
    assert "(array-api style), after" in out and "The smallest input Hypothesis found:" in out
    assert "    inputs = [[-1.0]]\n  expected: [[0.0]]\n  got:      [[1.0]]\n" in out, out


def test_array_api_style_gives_the_strict_arrays(tmp_path):
    pytest.importorskip("array_api_strict", reason="array-api-strict is in the test extra")
    path = write(tmp_path, "numpy_only", """
        def relu(inputs):
            return inputs.clip(min=0.0)  # a NumPy method, which the standard does not have
    """)
    code, out, _ = run("check", f"{path}:relu", "--as", "relu", "--style", "array-api", "--examples", 5)
    assert code == 1 and "raised AttributeError" in out and "'Array' object has no attribute 'clip'" in out


def test_torch_code_is_given_tensors():
    torch = pytest.importorskip("torch", reason="PyTorch is not installed: the torch style is tested where it is")

    def relu(inputs):
        assert isinstance(inputs, torch.Tensor) and inputs.dtype == torch.float64
        return torch.relu(inputs)

    def relu_in_place(inputs):
        return inputs.relu_()

    assert oracle.check(relu, "relu", max_examples=30).passed
    report = oracle.check(relu_in_place, "relu", max_examples=30)
    assert not report.passed and report.style == "torch" and "changed its arguments" in report.problem


def test_the_style_is_read_from_the_imports():
    def function_of(**module_globals):
        namespace = dict(module_globals)
        exec("def f(inputs):\n    return inputs\n", namespace)
        return namespace["f"]

    torch, jax = types.ModuleType("torch"), types.ModuleType("jax.numpy")
    assert oracle.detect_style(function_of()) == "lists"
    assert oracle.detect_style(function_of(np=np)) == "numpy"
    assert oracle.detect_style(function_of(np=np, torch=torch)) == "torch"  # NumPy beside a library: the library
    assert oracle.detect_style(function_of(jnp=jax)) == "jax"
    assert oracle.detect_style(function_of(array_api_compat=types.ModuleType("array_api_compat"))) == "array-api"
    with pytest.raises(oracle.UserCodeError, match="imports jax and torch: say which arrays it takes with --style"):
        oracle.detect_style(function_of(torch=torch, jnp=jax))


def test_a_style_whose_library_is_missing_is_a_usage_error(tmp_path):
    missing = next((style for style, library in oracle.LIBRARIES.items()
                    if importlib.util.find_spec(library.module.partition(".")[0]) is None), None)
    if missing is None:
        pytest.skip("every array library is installed here")
    path = write(tmp_path, "plain", "def relu(inputs):\n    return inputs\n")
    code, out, err = run("check", f"{path}:relu", "--as", "relu", "--style", missing)
    title = oracle.LIBRARIES[missing].title
    assert (code, out) == (2, "") and f"{title} is not installed here" in err and len(err.splitlines()) == 1


# ---------------------------------------------------------------- pytest integration


def test_the_example_test_file_passes_under_pytest():
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(EXAMPLES / "test_fast_operations.py")], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


def test_a_failing_operation_fails_its_own_test_with_the_counterexample(tmp_path):
    (tmp_path / "fast_operations.py").write_text(
        FAST.read_text().replace("inputs - inputs.max(axis=1, keepdims=True)", "inputs"))
    (tmp_path / "test_fast_operations.py").write_text((EXAMPLES / "test_fast_operations.py").read_text())
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 failed, 3 passed" in done.stdout
    failure = done.stdout.split("test_matches_twinnet[softmax]", 1)[1]
    assert "softmax: your function disagrees with the reference (numpy style, float32)" in failure
    assert "The smallest input Hypothesis found:\n    inputs = [[" in failure
    assert "twinnet/check.py" not in failure and "Traceback" not in failure  # the report, not twinnet's insides


def test_parametrize_names_each_test_after_its_operation():
    mark = parametrize({"relu": np.abs, "softmax": "some_file.py:softmax"}, dtype="float32")
    argument, cases = mark.args
    assert argument == "operation" and [case.id for case in cases] == ["relu", "softmax"]
    assert cases[0].values[0] == Case("relu", np.abs, {"dtype": "float32"})


def test_parametrize_refuses_unknown_names_and_takes_a_module():
    with pytest.raises(KeyError, match="no operation named 'softmx'; did you mean softmax"):
        parametrize({"softmx": np.abs})
    spec = importlib.util.spec_from_file_location("fast_operations_example", FAST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    mark = parametrize(module, dtype="float32")
    assert [case.id for case in mark.args[1]] == ["relu", "softmax", "dense_forward", "adam"]


def test_the_exercises_page_shows_the_example_files_as_they_are():
    page = (ROOT / "docs" / "exercises.md").read_text()
    assert f"```text\n{(EXAMPLES / 'test_fast_operations.py').read_text()}```" in page
    assert "(examples/fast_operations.py)" in page and "(examples/test_fast_operations.py)" in page
