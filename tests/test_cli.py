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
    assert summary["data"] == "spiral" and summary["sizes"] == [2, 64, 3] and summary["epochs"] == 900
    for twin in ("pure", "vectorized"):
        assert summary["twins"][twin]["accuracy"] >= 0.90
    assert summary["largest_loss_difference"] <= 1e-9
    assert summary["speedup"] > 1
    assert "summary after 900 epochs" in result.stderr  # the table goes to stderr under --json
    assert summary["samples"] == 240 and 0.0 < summary["twins"]["pure"]["test_accuracy"] < 1.0  # 60 held out
    # The README shows this run's real output: its first line and the columns must still be what we print.
    readme = (ROOT / "README.md").read_text()
    header, columns = result.stderr.splitlines()[:2]
    assert f"\n{header}\n{columns}\n" in readme


def test_side_by_side_table():
    code, out, err = run("train", "--epochs", "20", "--samples", "20", "--every", "5")
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("twinnet train: spiral data (48 training and 12 test samples), network 2-64-3 relu -> "
                            "classification")
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
    assert summary["sizes"] == [2, 8, 4, 4] and summary["samples"] == 96 and summary["epochs"] == 4  # 24 held out
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


# ---------------------------------------------------------------- paths checked before the work (issue 10)


def _no_data_may_load(monkeypatch):
    """Make reading or generating the data fail the test: a refusal must come before it."""
    from twinnet import train

    def refuse(*args, **kwargs):
        raise AssertionError("the data were loaded before the paths were checked")

    monkeypatch.setattr(train, "load_data", refuse)


@pytest.mark.parametrize("flag, path, why", [
    ("--save", "/nonexistent/dir/m.json", "there is no folder /nonexistent/dir"),
    ("--save", "/sys/x.json", "the folder /sys is not writable"),
    ("--plot", "/nonexistent/x.png", "there is no folder /nonexistent"),
])
def test_an_unwritable_path_is_refused_before_any_work(monkeypatch, flag, path, why):
    from twinnet import files

    if path.startswith("/sys") and files.unwritable(path) is None:
        pytest.skip("/sys is writable here")
    _no_data_may_load(monkeypatch)
    code, out, err = run("train", flag, path, "--data", "mnist")  # MNIST would take a while to load
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and ".tmp" not in err
    assert err.startswith(f"twinnet train: error: {flag} {path}: cannot write there: {why}")


@pytest.mark.parametrize("name", ["x.gif", "x", "figure.PNG.bmp"])
def test_a_plot_name_without_a_known_extension_is_refused(monkeypatch, tmp_path, name):
    _no_data_may_load(monkeypatch)
    code, out, err = run("train", "--plot", str(tmp_path / name))
    assert code == 2 and len(err.splitlines()) == 1
    assert "expected a file name ending in .png, .jpg, .jpeg, .pdf or .svg" in err


@pytest.mark.parametrize("name, magic", [("run.jpg", b"\xff\xd8\xff"), ("run.jpeg", b"\xff\xd8\xff"),
                                         ("run.pdf", b"%PDF"), ("run.png", b"\x89PNG\r\n\x1a\n")])
def test_the_plot_is_in_the_format_its_name_says(tmp_path, name, magic):
    pytest.importorskip("matplotlib")
    path = tmp_path / name
    code, out, err = run("train", "--epochs", "2", "--samples", "5", "--plot", str(path))
    assert code == 0, err
    assert path.read_bytes()[:len(magic)] == magic
    assert [p.name for p in tmp_path.iterdir()] == [name]


def test_written_files_get_the_mode_the_umask_gives(tmp_path):
    previous = os.umask(0o027)
    try:
        code, _, err = run("train", "--twin", "vectorized", "--epochs", "1", "--samples", "5",
                           "--save", str(tmp_path / "m.json"))
        assert code == 0, err
        assert run("exercise", "relu", "--out", str(tmp_path / "relu.py"))[0] == 0
        from twinnet import docs

        docs.write(tmp_path / "reference", root=tmp_path)  # root without a pyproject.toml: the pages only
    finally:
        os.umask(previous)
    written = [tmp_path / "m.json", tmp_path / "relu.py", *sorted((tmp_path / "reference").iterdir())]
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in written} == \
        {path.name: "0o640" for path in written}


def test_a_failed_write_names_the_file_not_its_temporary(tmp_path):
    import errno

    from twinnet import files

    target = tmp_path / "out.txt"
    with pytest.raises(OSError) as raised:
        with files.replacing(target) as temporary:
            raise OSError(errno.ENOSPC, "No space left on device", temporary)
    assert raised.value.filename == str(target) and raised.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(FileNotFoundError) as raised:
        files.write_text(tmp_path / "no such folder" / "out.txt", "text")
    assert raised.value.filename == str(tmp_path / "no such folder" / "out.txt")


# ---------------------------------------------------------------- divergence, and strict JSON (issue 10)

DIVERGING = ("train", "--lr", "1e300", "--optimizer", "sgd", "--epochs", "20", "--samples", "30")


def strict_json(text):
    """json.loads that refuses NaN and Infinity, as JSON does."""
    def refuse(constant):
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def test_divergence_is_said_and_nothing_is_saved(tmp_path):
    path = tmp_path / "x.json"
    result = run_process(*DIVERGING, "--save", str(path))
    output = result.stdout + result.stderr
    assert "Traceback" not in output and "RuntimeWarning" not in output and "Warning" not in output
    assert result.returncode == 1
    line = next(line for line in result.stdout.splitlines() if "diverged at" in line)
    epoch = int(line.split("diverged at epoch ")[1].split()[0])
    assert line.strip() == (f"diverged at epoch {epoch} (loss was nan), in both twins alike: training stopped; "
                            "a smaller --lr usually helps")
    assert f"diverged: summary after {epoch - 1} epochs (the last finite model" in result.stdout
    assert f"nothing saved to {path}: training diverged" in result.stdout
    assert not path.exists() and list(tmp_path.iterdir()) == []


def test_divergence_in_json(tmp_path):
    result = run_process(*DIVERGING, "--batch-size", "16", "--json")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    summary = strict_json(result.stdout)
    diverged = summary["diverged"]
    assert set(diverged) == {"epoch", "step", "loss", "reason", "twins"}
    assert diverged["loss"] is None and diverged["reason"] == "the loss was nan"
    assert diverged["twins"] == ["pure", "vectorized"]
    for twin in ("pure", "vectorized"):  # both twins stopped at the same step, for the same reason
        assert summary["twins"][twin]["diverged"] == {key: diverged[key] for key in ("epoch", "step", "loss", "reason")}
        assert summary["twins"][twin]["epochs"] == diverged["epoch"] - 1
    assert summary["epochs"] == diverged["epoch"] - 1
    assert f"diverged at epoch {diverged['epoch']} (loss was nan), at its step {diverged['step']}" in result.stderr


@pytest.mark.parametrize("argv", [
    ("--epochs", "3", "--samples", "5"),
    ("--epochs", "0", "--samples", "5"),  # no epoch timed: seconds_per_epoch was NaN
    ("--twin", "vectorized", "--epochs", "0", "--samples", "5"),
], ids=["normal", "zero epochs", "one twin, zero epochs"])
def test_json_is_strict_json(argv):
    code, out, err = run("train", "--json", *argv)
    assert code == 0, err
    summary = strict_json(out)
    assert summary["diverged"] is None and summary["interrupted"] is False
    if "0" in argv:
        assert all(twin["seconds_per_epoch"] is None for twin in summary["twins"].values())


def test_json_of_an_interrupted_run_is_strict_json():
    process = subprocess.Popen([sys.executable, "-m", "twinnet.cli", "train", "--twin", "pure", "--epochs", "100000",
                                "--every", "1", "--samples", "20", "--json"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        first_lines = [process.stderr.readline() for _ in range(3)]  # the table is on stderr under --json
        assert first_lines[2].split()[0] == "1"
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130 and "Traceback" not in err
    summary = strict_json(out)
    assert summary["interrupted"] is True and summary["epochs"] >= 1


# ---------------------------------------------------------------- --load and the architecture flags (issue 10)


@pytest.fixture
def saved_model(tmp_path):
    """A 2-16-3 tanh model with dropout 0.2 and l2 0.001, saved by the command line."""
    path = tmp_path / "m.json"
    code, _, err = run("train", "--twin", "vectorized", "--epochs", "1", "--samples", "5", "--hidden", "16",
                       "--activation", "tanh", "--dropout", "0.2", "--l2", "1e-3", "--save", str(path))
    assert code == 0, err
    return path


def test_load_refuses_flags_that_ask_for_another_network(saved_model, monkeypatch):
    _no_data_may_load(monkeypatch)
    code, out, err = run("train", "--load", str(saved_model), "--hidden", "32", "--activation", "relu",
                         "--dropout", "0.5", "--l1", "0.01", "--init", "glorot")
    assert code == 2 and out == "" and len(err.splitlines()) == 1
    assert err.startswith(f"twinnet train: error: --load {saved_model}: the file's network is 2-16-3 tanh, "
                          "dropout 0.2, l1 0, l2 0.001, but ")
    for conflict in ("--hidden 32 (the file has 16)", "--activation relu (the file has tanh)",
                     "--dropout 0.5 (the file has 0.2)", "--l1 0.01 (the file has 0)",
                     "--init glorot draws new weights"):
        assert conflict in err


def test_load_takes_flags_that_agree_and_the_header_reports_the_files_network(saved_model):
    code, out, err = run("train", "--twin", "vectorized", "--load", str(saved_model), "--epochs", "1",
                         "--samples", "5", "--hidden", "16", "--dropout", "0.2")
    assert code == 0, err
    assert out.splitlines()[0].startswith(f"twinnet train: spiral data (12 training and 3 test samples), network 2-16-3 tanh -> "
                                          f"classification, loaded from {saved_model}, ")
    assert ", dropout 0.2, l2 0.001, seed 0" in out.splitlines()[0]


def _damaged_model_files(tmp_path, saved_model):
    text = saved_model.read_text()
    weight = repr(json.loads(text)["model"]["params"]["weights0"][0][0])
    bodies = {"junk.json": bytes(range(256)), "deep.json": b"[" * 100000,
              "nan.json": text.replace(weight, "NaN", 1).encode()}
    for name, body in bodies.items():
        (tmp_path / name).write_bytes(body)
    return list(bodies)


def test_a_damaged_model_file_through_the_command_line_is_one_line(tmp_path, saved_model):
    for name in _damaged_model_files(tmp_path, saved_model):
        result = run_process("train", "--load", str(tmp_path / name), "--epochs", "0")
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.startswith(f"twinnet train: error: --load: load: {tmp_path / name} expected ")
        assert len(result.stderr.splitlines()) == 1


# ---------------------------------------------------------------- Ctrl-C anywhere, and bad arguments (issue 10)


def _interrupting(*args, **kwargs):
    raise KeyboardInterrupt


@pytest.mark.parametrize("module, function, argv", [
    ("train", "load_data", ("train", "--data", "mnist")),                   # while MNIST loads
    ("plots", "training_figure", ("train", "--epochs", "1", "--samples", "5", "--plot", "PLOT")),  # while drawing
    ("data", "download", ("data", "mnist", "--folder", "FOLDER")),
    ("data", "sha256_of", ("data", "mnist", "--data-dir", "FOLDER")),
    ("bench", "run", ("bench", "--quick")),
    ("check", "check", ("check", "CHECKED:relu", "--as", "relu")),
    ("grade", "grade_file", ("grade", "FOLDER", "--output", "FOLDER")),
    ("docs", "pages", ("docs", "--out", "FOLDER")),
    ("show", "side_by_side", ("show", "relu")),
    ("exercise", "stub", ("exercise", "relu", "--out", "FOLDER/relu.py")),
], ids=["train: loading data", "train: plotting", "data: downloading", "data: verifying", "bench", "check", "grade",
        "docs", "show", "exercise"])
def test_ctrl_c_anywhere_is_one_line_and_exit_130(tmp_path, monkeypatch, module, function, argv):
    import importlib

    if module == "plots":
        monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: object())  # matplotlib or not
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(b"x")
    (tmp_path / "checked.py").write_text("def relu(inputs):\n    return inputs\n")
    monkeypatch.setattr(importlib.import_module(f"twinnet.{module}"), function, _interrupting)
    argv = [arg.replace("PLOT", str(tmp_path / "p.png")).replace("FOLDER", str(tmp_path))
            .replace("CHECKED", str(tmp_path / "checked.py")) for arg in argv]
    code, out, err = run(*argv)
    assert code == 130
    assert err.splitlines()[-1] == f"twinnet {argv[0]}: interrupted" and "Traceback" not in err


def test_a_real_ctrl_c_while_downloading_ends_in_one_line(tmp_path):
    """SIGINT to a real `twinnet data` whose server never answers: exit 130, no traceback, no partial file."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)  # accepts connections and never answers
    try:
        process = subprocess.Popen([sys.executable, "-m", "twinnet.cli", "data", "mnist", "--folder", str(tmp_path),
                                    "--mirror", f"http://127.0.0.1:{listener.getsockname()[1]}/"], cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            connection, _ = listener.accept()  # the download has started
            process.send_signal(signal.SIGINT)
            out, err = process.communicate(timeout=60)
            connection.close()
        finally:
            process.kill()
    finally:
        listener.close()
    assert process.returncode == 130
    assert err.strip() == "twinnet data: interrupted"
    assert list(tmp_path.iterdir()) == []


def test_a_mirror_that_is_not_a_url_is_one_line():
    result = run_process("data", "mnist", "--mirror", "notaurl")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == ("twinnet data: error: argument --mirror: expected a URL such as "
                                     "https://example.org/mnist/, got 'notaurl'")


def test_docs_outside_the_repository_refuses_and_writes_nothing(tmp_path):
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    result = subprocess.run([sys.executable, "-m", "twinnet.cli", "docs"], cwd=tmp_path, capture_output=True,
                            text=True, env=environment)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.startswith(f"twinnet docs: error: {tmp_path} is not the twinnet source checkout")
    assert "--out DIR" in result.stderr and len(result.stderr.splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_bench_json_is_strict_json():
    from twinnet import bench

    text = bench.to_json({"speedup": float("inf"), "seconds": [1.5, float("nan")], "numpy": np_float(2.0)})
    assert strict_json(text) == {"speedup": None, "seconds": [1.5, None], "numpy": 2.0}


def np_float(value):
    import numpy

    return numpy.float32(value)


# ---------------------------------------------------------------- lists of layers and CNNs (issue 11)

TINY_LAYERS = '[{"type": "dense", "units": 8}, {"type": "tanh"}, {"type": "dense", "units": 3}]'


def test_layers_train_both_twins_and_the_header_names_them():
    code, out, err = run("train", "--layers", TINY_LAYERS, "--epochs", "3", "--samples", "20", "--json")
    assert code == 0, err
    header = err.splitlines()[0]
    assert "network 2 -> dense 8, tanh, dense 3 -> classification" in header, header
    summary = json.loads(out)
    assert summary["inputs"] == 2 and [layer["type"] for layer in summary["layers"]] == ["dense", "tanh", "dense"]
    assert list(summary["twins"]) == ["pure", "vectorized"] and summary["epochs"] == 3
    assert summary["largest_loss_difference"] <= 1e-9


def test_layers_from_a_json_file(tmp_path):
    path = tmp_path / "layers.json"
    path.write_text(TINY_LAYERS)
    code, out, err = run("train", "--data", "vertical", "--layers", str(path), "--epochs", "2", "--samples", "10")
    assert code == 0, err
    assert "network 2 -> dense 8, tanh, dense 3 -> classification" in out


@pytest.mark.parametrize("layers, message", [
    ('[{"type": "dense"}]', "--layers: create_layers: layers[0] (dense) expected a 'units', got the keys ['type']"),
    ('[{"type": "dense", "units": 4}, {"type": "conv2d", "filters": 2, "kernel": 3}]',
     "--layers: create_layers: layers[1] (conv2d) expected images"),
    ('[{"type": "dense", "units": 5}]', "--layers: the last layer gives 5 outputs, but --data spiral needs 3"),
    ('[{"type": "dense",', "--layers: expected a JSON list of layers"),
    ("no-such-layers.json", "--layers no-such-layers.json: expected a JSON list of layers or a .json file"),
])
def test_a_malformed_layer_list_is_one_line(layers, message):
    code, out, err = run("train", "--layers", layers, "--epochs", "1")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err, err


@pytest.mark.parametrize("argv, message", [
    (["--layers", TINY_LAYERS, "--hidden", "4"], "--layers and --hidden cannot be given together"),
    (["--layers", TINY_LAYERS, "--activation", "tanh"], "--layers and --activation cannot be given together"),
    (["--layers", TINY_LAYERS, "--load", "model.json"], "--layers and --load cannot be given together"),
    (["--model", "cnn"], "--model cnn is for images (--data mnist or fashion-mnist), not --data spiral"),
    (["--data", "mnist", "--model", "cnn", "--hidden", "32"], "--model cnn and --hidden cannot be given together"),
])
def test_layers_refuse_the_flags_that_describe_another_network(argv, message):
    code, out, err = run("train", *argv)
    assert code == 2 and len(err.splitlines()) == 1 and message in err, err


def test_cnn_in_both_twins_agrees_step_by_step(tiny_mnist, tmp_path):
    """The pure twin's tiny CNN and the vectorized one, from one seed, on MNIST-style files the test writes."""
    saved = tmp_path / "cnn.json"
    code, out, err = run("train", "--data", "mnist", "--data-dir", str(tiny_mnist), "--model", "cnn", "--twin", "both",
                         "--epochs", "1", "--train-limit", "100", "--test-limit", "50", "--save", str(saved), "--json")
    assert code == 0, err
    assert "network 1x28x28 -> conv2d 4 3x3, relu, max_pool2d 2, flatten, dense 10 -> classification" in err
    summary = json.loads(out)
    assert summary["inputs"] == [1, 28, 28] and summary["samples"] == 100 and summary["dtype"] == "float64"
    assert summary["twins"]["pure"]["epochs"] == summary["twins"]["vectorized"]["epochs"] == 1
    assert summary["largest_loss_difference"] < 1e-9
    assert summary["twins"]["pure"]["test_accuracy"] == summary["twins"]["vectorized"]["test_accuracy"]
    # The saved CNN loads again, and --model cnn may repeat what the file holds.
    code, out, err = run("train", "--data", "mnist", "--data-dir", str(tiny_mnist), "--model", "cnn", "--load",
                         str(saved), "--epochs", "0", "--test-limit", "50", "--train-limit", "100")
    assert code == 0, err
    assert f"conv2d 4 3x3, relu, max_pool2d 2, flatten, dense 10 -> classification, loaded from {saved}" in out


def test_sort_trains_the_transformer_in_both_twins_step_by_step():
    """--data sort --twin both on a small task: the twins' step losses agree, the held-out sequences
    are answered by greedy decoding and scored whole, and --json carries that score."""
    code, out, err = run("train", "--data", "sort", "--twin", "both", "--samples", "48", "--epochs", "2",
                         "--length", "3", "--symbols", "4", "--json")
    assert code == 0, err
    summary = json.loads(out)
    assert summary["inputs"] == {"length": 6, "vocabulary": 5}
    assert summary["layers"][-1] == {"type": "dense", "units": 5}  # a logit per token of the vocabulary
    assert summary["largest_loss_difference"] <= 1e-9
    for twin in ("pure", "vectorized"):
        assert 0.0 <= summary["twins"][twin]["exact_sequence_accuracy"] <= 1.0
    assert summary["twins"]["pure"]["exact_sequence_accuracy"] == summary["twins"]["vectorized"]["exact_sequence_accuracy"]
    assert "of the held-out sequences sorted exactly right (greedy decoding, every digit)" in err
    assert "held-out examples (pure):" in err and " -> " in err


@pytest.mark.parametrize("flags, message", [
    (["--data", "spiral", "--length", "3"], "--length does not apply to --data spiral"),
    (["--data", "sort", "--symbols", "1"], "--symbols: expected an integer >= 2"),
])
def test_sort_flags_are_refused_where_they_do_not_apply(flags, message):
    code, out, err = run("train", *flags)
    assert code == 2 and message in err, err


def _on_a_terminal(*argv):
    """Run twinnet with a pseudo-terminal as its standard output and error; return what it wrote."""
    import pty

    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "twinnet.cli", *argv], stdout=terminal, stderr=terminal,
                               cwd=ROOT)
    os.close(terminal)
    written = b""
    while True:
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # the terminal is closed when the process ends
            break
        if not chunk:
            break
        written += chunk
    os.close(controller)
    assert process.wait(timeout=120) == 0
    return written.decode()


def test_progress_inside_an_epoch_shows_on_a_terminal_only():
    """A progress line (batches done, examples a second, time left) on a terminal, rewritten in place
    and cleared before the epoch's row; nothing of it in --json or when the output is piped."""
    flags = ["train", "--samples", "20", "--epochs", "2", "--batch-size", "8", "--twin", "vectorized"]
    shown = _on_a_terminal(*flags)
    assert "epoch 1/2, vectorized: batch 1/6, " in shown and " examples/s, " in shown and " s left" in shown
    assert "\r" + " " * 79 + "\r      1 " in shown  # cleared before the row
    piped = run_process(*flags)
    assert piped.returncode == 0 and "examples/s" not in piped.stdout + piped.stderr and "\r" not in piped.stdout
    as_json = _on_a_terminal(*flags, "--json")
    assert "examples/s" not in as_json and "batch 1/6" not in as_json
