"""The twinnet command: train side by side, its flags, its errors, saving, loading, Ctrl-C."""

import contextlib
import importlib.util
import io
import json
import os
import pathlib
import signal
import subprocess
import sys
import time

import pytest

from twinnet import cli

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(*argv):
    """Run twinnet in this process; return (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli.main(list(argv))
        except SystemExit as exit_:
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def run_process(*argv, **kwargs):
    return subprocess.run([sys.executable, "-m", "twinnet.cli", *argv], cwd=ROOT, capture_output=True, text=True,
                          **kwargs)


def test_default_run_meets_its_promise():
    """The README's main command: both twins >= 0.90 on the spiral, step losses within 1e-9."""
    result = run_process("train", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["data"] == "spiral" and summary["sizes"] == [2, 64, 3] and summary["epochs"] == 800
    for twin in ("pure", "vectorized"):
        assert summary["twins"][twin]["accuracy"] >= 0.90
    assert summary["largest_loss_difference"] <= 1e-9
    assert summary["speedup"] > 1
    assert "summary after 800 epochs" in result.stderr  # the table goes to stderr under --json
    # The README shows this run's real output: its first line and the columns must still be what we print.
    readme = (ROOT / "README.md").read_text()
    header, columns = result.stderr.splitlines()[:2]
    assert f"\n{header}\n{columns}\n" in readme


def test_side_by_side_table():
    code, out, err = run("train", "--epochs", "20", "--samples", "20", "--every", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("twinnet train: spiral data (60 samples), network 2-64-3 relu -> classification")
    assert lines[1].split() == ["epoch", "pure", "loss", "accuracy", "vectorized", "loss", "accuracy", "largest",
                                "|Δloss|"]
    epochs = [int(line.split()[0]) for line in lines[2:7]]
    assert epochs == [1, 5, 10, 15, 20]
    pure_loss, vectorized_loss = float(lines[6].split()[1]), float(lines[6].split()[3])
    assert pure_loss == pytest.approx(vectorized_loss, rel=1e-9)
    assert "vectorized is " in out and "x faster than pure" in out
    assert "largest difference between the twins' step losses" in out


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_one_twin(twin):
    code, out, err = run("train", "--twin", twin, "--epochs", "3", "--samples", "10", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert list(summary["twins"]) == [twin]
    assert "largest_loss_difference" not in summary


def test_every_flag_reaches_the_model(tmp_path):
    code, out, err = run("train", "--data", "vertical", "--hidden", "8", "4", "--activation", "tanh", "--init",
                         "glorot", "--optimizer", "sgd", "--lr", "0.5", "--decay", "0.01", "--batch-size", "16",
                         "--dropout", "0.2", "--l1", "1e-4", "--l2", "1e-3", "--samples", "30", "--classes", "4",
                         "--seed", "7", "--epochs", "4", "--json", "--save", str(tmp_path / "m.json"))
    assert code == 0, err
    summary = json.loads(out)
    assert summary["sizes"] == [2, 8, 4, 4] and summary["samples"] == 120 and summary["epochs"] == 4
    assert "sgd (lr 0.5, decay 0.01)" in err and "batches of 16" in err and "seed 7" in err
    saved = json.loads((tmp_path / "m.json").read_text())["model"]
    assert (saved["activation"], saved["dropout"], saved["l1"], saved["l2"]) == ("tanh", 0.2, 1e-4, 1e-3)


def test_sine_fits_the_wave():
    code, out, err = run("train", "--data", "sine", "--twin", "vectorized", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["sizes"] == [1, 64, 64, 1]
    assert summary["twins"]["vectorized"]["loss"] < 1e-3  # the variance of sin(2 pi x) is 0.5


def test_saved_by_one_twin_evaluates_the_same_in_the_other(tmp_path):
    path = str(tmp_path / "model.json")
    code, out, _ = run("train", "--twin", "pure", "--epochs", "30", "--samples", "20", "--save", path, "--json")
    assert code == 0
    trained = json.loads(out)["twins"]["pure"]
    code, out, _ = run("train", "--twin", "vectorized", "--epochs", "0", "--samples", "20", "--load", path, "--json")
    assert code == 0
    loaded = json.loads(out)["twins"]["vectorized"]
    assert loaded["accuracy"] == trained["accuracy"]
    assert loaded["loss"] == pytest.approx(trained["loss"], rel=1e-12)


@pytest.mark.parametrize("argv, message", [
    (["--epochs", "-1"], "argument --epochs: expected an integer >= 0, got '-1'"),
    (["--epochs", "ten"], "argument --epochs: expected an integer, got 'ten'"),
    (["--lr", "0"], "argument --lr: expected a finite number > 0, got '0'"),
    (["--lr", "nan"], "argument --lr: expected a finite number > 0, got 'nan'"),
    (["--dropout", "1"], "argument --dropout: expected a fraction in [0, 1), got '1'"),
    (["--data", "mnist2"], "argument --data: invalid choice: 'mnist2'"),
    (["--hidden", "0"], "argument --hidden: expected an integer >= 1, got '0'"),
    (["--data", "sine", "--classes", "3"], "--classes does not apply to --data sine"),
    (["--load", "no-such-file.json"], "--load no-such-file.json: No such file or directory"),
])
def test_bad_flags_give_one_line(argv, message):
    result = run_process("train", *argv)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_model_for_other_data_is_refused(tmp_path):
    path = str(tmp_path / "spiral.json")
    assert run("train", "--twin", "vectorized", "--epochs", "1", "--samples", "5", "--save", path)[0] == 0
    code, out, err = run("train", "--data", "sine", "--load", path)
    assert code == 2
    assert "the saved 2-64-3 classification network does not fit --data sine" in err


def test_a_damaged_model_file_is_one_line(tmp_path):
    path = tmp_path / "model.json"
    path.write_text('{"format": "twinnet-model", "version": 1, "sha')
    code, out, err = run("train", "--load", str(path))
    assert code == 2 and len(err.splitlines()) == 1
    assert "perhaps truncated" in err


def test_plot_without_matplotlib_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "matplotlib" else real(name, *a))
    code, out, err = run("train", "--plot", "x.png", "--epochs", "1")
    assert code == 2
    assert err.strip() == 'twinnet train: error: --plot needs matplotlib, which is not installed: ' \
                          'pip install "twinnet[plot]"'


def test_plot_draws_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    path = tmp_path / "run.png"
    code, out, err = run("train", "--epochs", "5", "--samples", "10", "--plot", str(path))
    assert code == 0, err
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in tmp_path.iterdir()] == ["run.png"]


def test_ctrl_c_stops_cleanly_with_a_summary():
    process = subprocess.Popen([sys.executable, "-m", "twinnet.cli", "train", "--twin", "pure", "--epochs",
                                "100000", "--every", "1", "--samples", "20"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        first_lines = [process.stdout.readline() for _ in range(3)]  # header, columns, epoch 1
        assert first_lines[2].split()[0] == "1"
        time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    assert "interrupted: summary after " in out
    assert "Traceback" not in err


def test_list_still_lists():
    code, out, _ = run("list")
    assert code == 0 and out.splitlines()[-1].endswith("operations, each in pure/ and vectorized/")


def test_no_command_prints_help():
    code, out, _ = run()
    assert code == 0 and "train" in out and "list" in out


@pytest.mark.skipif(os.name != "posix", reason="the console script is checked where pip put it")
def test_console_script_is_installed():
    script = pathlib.Path(sys.executable).parent / "twinnet"
    if not script.exists():
        pytest.skip("twinnet is not installed in this environment (pip install -e .)")
    result = subprocess.run([str(script), "--version"], capture_output=True, text=True)
    assert result.stdout.startswith("twinnet ")
