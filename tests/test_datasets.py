"""Getting MNIST-style files: downloads from a server on 127.0.0.1 that these tests start.

The files served are small IDX files the tests write; no test touches the internet.
"""

import contextlib
import gzip
import hashlib
import http.server
import io
import json
import os
import pathlib
import struct
import threading

import numpy as np
import pytest

import pure.data
import vectorized.data
from twinnet import cli
from twinnet import data as datasets
from twinnet.contract.adapters import idx_bytes

N_SAMPLES = 12


class Server:
    """An HTTP server on 127.0.0.1 serving in-memory files, with faults on demand.

    faults[file name] is a list of what to do on successive requests: "ok", "500",
    "404", "truncate" (announce the whole length, send half, close), "wrong"
    (serve other bytes); when the list runs out, "ok".
    """

    def __init__(self, files):
        self.files = dict(files)
        self.faults = {}
        self.requests = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                server.requests.append(name)
                plan = server.faults.get(name, [])
                fault = plan.pop(0) if plan else "ok"
                body = server.files.get(name)
                if body is None or fault == "404":
                    self.send_error(404)
                    return
                if fault == "500":
                    self.send_error(500)
                    return
                if fault == "wrong":
                    body = body[::-1]
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2] if fault == "truncate" else body)
                if fault == "truncate":
                    self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/data/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def served(mnist_files):
    """A server of the four files of a tiny data set (4x4 images), gzipped as the real ones are."""
    rng = np.random.default_rng(0)
    files = mnist_files({split: (rng.integers(0, 256, (count, 4, 4)), rng.integers(0, 10, count))
                         for split, count in (("train", N_SAMPLES), ("test", N_SAMPLES // 2))})
    server = Server(files)
    dataset = datasets.Dataset("tiny", (server.url,), {name: hashlib.sha256(body).hexdigest()
                                                       for name, body in files.items()}, tuple("0123456789"))
    yield server, dataset
    server.close()


def fetch(server, dataset, folder, **options):
    return datasets.download("tiny", folder, dataset=dataset, retries=3, timeout=5, backoff=0, **options)


def leftovers(folder):
    return sorted(p.name for p in pathlib.Path(folder).iterdir() if p.name.startswith("."))


def test_download_verifies_and_then_reads_in_both_twins(tmp_path, served):
    server, dataset = served
    folder = fetch(server, dataset, tmp_path / "tiny")
    for name, body in server.files.items():
        assert (folder / name).read_bytes() == body
    pure_inputs, pure_labels = pure.data.load_idx(folder / datasets.IMAGES["train"], folder / datasets.LABELS["train"])
    inputs, labels = vectorized.data.load_idx(folder / datasets.IMAGES["train"], folder / datasets.LABELS["train"])
    assert inputs.shape == (N_SAMPLES, 16) and labels.shape == (N_SAMPLES,)
    assert np.array_equal(np.array(pure_inputs), inputs) and list(labels) == pure_labels
    assert 0.0 <= inputs.min() and inputs.max() <= 1.0

    # A second call finds every file verified and asks the server for nothing.
    server.requests.clear()
    fetch(server, dataset, folder)
    assert server.requests == []


def test_progress_is_reported(tmp_path, served):
    server, dataset = served
    seen = []
    fetch(server, dataset, tmp_path, progress=lambda name, done, total: seen.append((name, done, total)))
    name = datasets.IMAGES["train"]
    last = [entry for entry in seen if entry[0] == name][-1]
    assert last == (name, len(server.files[name]), len(server.files[name]))


def test_a_wrong_checksum_keeps_nothing(tmp_path, served):
    server, dataset = served
    name = datasets.LABELS["test"]
    server.faults[name] = ["wrong"]
    with pytest.raises(datasets.DataError) as raised:
        fetch(server, dataset, tmp_path)
    message = str(raised.value)
    assert f"could not download {name}" in message and "not the published" in message
    assert f"{name} (missing); expected SHA-256 {dataset.sha256[name]}" in message
    assert not (tmp_path / name).exists() and leftovers(tmp_path) == []
    assert server.requests.count(name) == 1  # a wrong file is not a transient failure


def test_a_truncated_body_is_retried(tmp_path, served):
    server, dataset = served
    name = datasets.IMAGES["train"]
    server.faults[name] = ["truncate"]
    folder = fetch(server, dataset, tmp_path)
    assert (folder / name).read_bytes() == server.files[name]
    assert server.requests.count(name) == 2


def test_a_body_that_stays_truncated_fails_without_a_partial_file(tmp_path, served):
    server, dataset = served
    name = datasets.IMAGES["train"]
    server.faults[name] = ["truncate"] * 3
    with pytest.raises(datasets.DataError, match=f"could not download {name}"):
        fetch(server, dataset, tmp_path)
    assert server.requests.count(name) == 3
    assert not (tmp_path / name).exists() and leftovers(tmp_path) == []


def test_a_server_error_is_retried(tmp_path, served):
    server, dataset = served
    name = datasets.LABELS["train"]
    server.faults[name] = ["500", "500"]
    fetch(server, dataset, tmp_path)
    assert server.requests.count(name) == 3
    assert (tmp_path / name).read_bytes() == server.files[name]


def test_a_server_that_keeps_failing_says_what_to_put_where(tmp_path, served):
    server, dataset = served
    name = datasets.LABELS["train"]
    server.faults[name] = ["500"] * 3
    with pytest.raises(datasets.DataError) as raised:
        fetch(server, dataset, tmp_path)
    message = str(raised.value)
    assert "server error 500" in message
    assert f"not in {tmp_path} as published" in message and "twinnet data tiny" in message


def test_a_missing_file_is_not_retried(tmp_path, served):
    server, dataset = served
    name = datasets.LABELS["test"]
    del server.files[name]
    with pytest.raises(datasets.DataError, match="404"):
        fetch(server, dataset, tmp_path)
    assert server.requests.count(name) == 1


def test_the_next_mirror_is_tried(tmp_path, served):
    server, dataset = served
    broken = datasets.Dataset("tiny", ("http://127.0.0.1:9/nothing/", server.url), dataset.sha256, dataset.classes)
    datasets.download("tiny", tmp_path, dataset=broken, retries=1, timeout=5, backoff=0)
    assert datasets.check_folder(dataset, tmp_path) == {}


def test_offline_says_which_files_to_put_where(tmp_path, served):
    _, dataset = served
    offline = datasets.Dataset("tiny", ("http://127.0.0.1:9/",), dataset.sha256, dataset.classes)  # port 9: closed
    with pytest.raises(datasets.DataError) as raised:
        datasets.download("tiny", tmp_path, dataset=offline, retries=2, timeout=5, backoff=0)
    message = str(raised.value)
    for name in dataset.sha256:
        assert name in message
    assert str(tmp_path) in message


def test_ctrl_c_during_a_download_leaves_no_partial_file(tmp_path, served):
    server, dataset = served

    def interrupt(name, done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fetch(server, dataset, tmp_path, progress=interrupt)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_file_on_disk_is_fetched_again(tmp_path, served):
    server, dataset = served
    fetch(server, dataset, tmp_path)
    name = datasets.IMAGES["test"]
    (tmp_path / name).write_bytes(b"damaged")
    assert datasets.check_folder(dataset, tmp_path) == {name: "its SHA-256 is not the published one"}
    server.requests.clear()
    fetch(server, dataset, tmp_path)
    assert server.requests == [name]
    assert datasets.check_folder(dataset, tmp_path) == {}


def test_locate_names_the_missing_files(tmp_path):
    with pytest.raises(datasets.DataError) as raised:
        datasets.locate("mnist", tmp_path)
    message = str(raised.value)
    assert message.startswith(f"mnist: 4 of its files are not in {tmp_path} as published:")
    assert "train-images-idx3-ubyte.gz (missing); expected SHA-256 440fcabf" in message


def test_cache_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("TWINNET_DATA", str(tmp_path / "mine"))
    assert datasets.default_folder("mnist") == tmp_path / "mine" / "mnist"
    monkeypatch.delenv("TWINNET_DATA")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if datasets.sys.platform.startswith("linux"):
        assert datasets.default_folder("fashion-mnist") == tmp_path / "xdg" / "twinnet" / "fashion-mnist"


# ---------------------------------------------------------------- the command


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cli.main(list(argv))
    return code, out.getvalue(), err.getvalue()


def test_twinnet_data_downloads_then_verifies(tmp_path, served, monkeypatch):
    server, dataset = served
    monkeypatch.setitem(datasets.DATASETS, "mnist", datasets.Dataset("mnist", (server.url,), dataset.sha256,
                                                                     dataset.classes))
    monkeypatch.setenv("TWINNET_DATA", str(tmp_path))
    code, out, err = run("data", "mnist", "--retry-wait", "0")
    assert code == 0, err
    assert f"mnist: 4 files verified in {tmp_path / 'mnist'}" in out
    assert out.count("downloaded from") == 4
    code, out, _ = run("data", "mnist")
    assert code == 0 and out.count("already here, verified") == 4

    code, out, err = run("data", "mnist", "--data-dir", str(tmp_path / "mnist"))
    assert code == 0 and "4 files verified" in out
    code, out, err = run("data", "mnist", "--data-dir", str(tmp_path / "nowhere"))
    assert code == 2 and "4 of its files are not in" in err


def test_twinnet_data_offline(tmp_path, monkeypatch):
    monkeypatch.setenv("TWINNET_DATA", str(tmp_path))
    code, out, err = run("data", "fashion-mnist", "--mirror", "http://127.0.0.1:9/", "--retry-wait", "0")
    assert code == 2
    assert "could not download train-images-idx3-ubyte.gz" in err
    assert f"not in {tmp_path / 'fashion-mnist'} as published" in err


# ---------------------------------------------------------------- reading IDX files, in both twins

READERS = {"pure": pure.data, "vectorized": vectorized.data}


def write(path, body, gzipped=True):
    path.write_bytes(gzip.compress(body) if gzipped else body)
    return path


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("gzipped", [True, False])
def test_idx_files_read_the_same_in_both_twins(tmp_path, twin, gzipped):
    images = np.arange(3 * 2 * 4, dtype=np.uint8).reshape(3, 2, 4) * 10
    images_path = write(tmp_path / "images", idx_bytes(images=images), gzipped)
    labels_path = write(tmp_path / "labels", idx_bytes(labels=[7, 0, 9]), gzipped)
    inputs, labels = READERS[twin].load_idx(images_path, labels_path)
    np.testing.assert_array_equal(np.asarray(inputs), images.reshape(3, 8) / 255.0)
    assert list(labels) == [7, 0, 9]
    first, first_labels = READERS[twin].load_idx(images_path, labels_path, limit=2)
    assert len(first) == 2 and list(first_labels) == [7, 0]


def _broken_files(tmp_path):
    good_images = idx_bytes(images=np.zeros((3, 2, 2)))
    good_labels = idx_bytes(labels=[1, 2, 3])
    return {
        "truncated images": (good_images[:-1], good_labels, "expected 28 bytes", "the file is truncated"),
        "images too long": (good_images + b"\0", good_labels, "expected 28 bytes", "the file is too long"),
        "wrong magic": (struct.pack(">I", 2049) + good_images[4:], good_labels, "expected IDX magic number 2051",
                        "got 2049"),
        "labels for images": (good_images, good_images, "expected IDX magic number 2049", "got 2051"),
        "short header": (good_images[:6], good_labels, "expected an IDX header of 16 bytes", "got 6 bytes"),
        "counts disagree": (good_images, idx_bytes(labels=[1, 2]), "expected 3 labels, one per image", "got 2"),
    }


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
@pytest.mark.parametrize("case", ["truncated images", "images too long", "wrong magic", "labels for images",
                                  "short header", "counts disagree"])
def test_broken_idx_files_are_named(tmp_path, twin, case):
    images, labels, expected, got = _broken_files(tmp_path)[case]
    images_path = write(tmp_path / "images.gz", images)
    labels_path = write(tmp_path / "labels.gz", labels)
    with pytest.raises(ValueError) as raised:
        READERS[twin].load_idx(images_path, labels_path)
    message = str(raised.value)
    assert expected in message and got in message
    assert str(images_path) in message or str(labels_path) in message


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_a_damaged_gzip_stream_is_named(tmp_path, twin):
    body = gzip.compress(idx_bytes(images=np.zeros((50, 4, 4))))
    path = tmp_path / "cut.gz"
    path.write_bytes(body[: len(body) // 2])
    with pytest.raises(ValueError, match=rf"^read_images: {path} expected a complete gzip file, got a damaged one"):
        READERS[twin].read_images(path)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_reader_arguments_are_checked(tmp_path, twin):
    path = write(tmp_path / "images.gz", idx_bytes(images=np.zeros((2, 2, 2))))
    with pytest.raises(TypeError, match="^read_images: path expected a file name, got None"):
        READERS[twin].read_images(None)
    with pytest.raises(ValueError, match="^read_images: limit expected an int >= 1, got 0"):
        READERS[twin].read_images(path, limit=0)
    with pytest.raises(ValueError, match="^read_images: dtype expected one of float64, float32, got 'float16'"):
        READERS[twin].read_images(path, dtype="float16")
    with pytest.raises(FileNotFoundError):
        READERS[twin].read_labels(tmp_path / "nothing.gz")


def test_float32_images_stay_float32(tmp_path):
    path = write(tmp_path / "images.gz", idx_bytes(images=np.full((2, 3, 3), 255)))
    images = vectorized.data.read_images(path, dtype="float32")
    assert images.dtype == np.float32 and images.max() == 1.0


# ---------------------------------------------------------------- issue 10: modes, raw files, bad URLs


def test_downloaded_files_get_the_mode_the_umask_gives(tmp_path, served):
    server, dataset = served
    previous = os.umask(0o002)
    try:
        folder = fetch(server, dataset, tmp_path / "tiny")
    finally:
        os.umask(previous)
    assert {path.name: oct(path.stat().st_mode & 0o777) for path in folder.iterdir()} == \
        {name: "0o664" for name in server.files}


@pytest.fixture
def raw_mnist(tmp_path, monkeypatch):
    """The tiny_mnist files decompressed (as gunzip leaves them), registered with their raw checksums."""
    from conftest import _digits, _mnist_files

    gzipped = _mnist_files({"train": _digits(60, 0), "test": _digits(20, 1)})
    raw = {name: gzip.decompress(body) for name, body in gzipped.items()}
    for name, body in raw.items():
        (tmp_path / datasets.raw_name(name)).write_bytes(body)
    original = datasets.DATASETS["mnist"]
    monkeypatch.setitem(datasets.DATASETS, "mnist", datasets.Dataset(
        "mnist", original.mirrors, {name: hashlib.sha256(body).hexdigest() for name, body in gzipped.items()},
        original.classes, {name: hashlib.sha256(body).hexdigest() for name, body in raw.items()}))
    return tmp_path


def test_data_dir_takes_decompressed_files(raw_mnist):
    code, out, err = run("data", "mnist", "--data-dir", str(raw_mnist))
    assert code == 0, err
    assert out.strip() == f"mnist: 4 files verified in {raw_mnist}"
    code, out, err = run("train", "--data", "mnist", "--data-dir", str(raw_mnist), "--epochs", "1", "--json")
    assert code == 0, err
    assert json.loads(out)["samples"] == 60 and "(60 training and 20 test images" in err


def test_a_decompressed_file_that_is_not_the_published_one_is_named(raw_mnist):
    name = datasets.raw_name(datasets.LABELS["test"])
    body = (raw_mnist / name).read_bytes()
    (raw_mnist / name).write_bytes(body[:-1] + bytes([(body[-1] + 1) % 10]))
    code, out, err = run("train", "--data", "mnist", "--data-dir", str(raw_mnist), "--epochs", "1")
    assert code == 2 and "Traceback" not in err
    assert f"{name}, decompressed, is here but its SHA-256 is not the published file's contents'" in err


SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.mark.parametrize("name", sorted(datasets.DATASETS))
def test_the_decompressed_checksums_are_those_of_the_published_files(name):
    """The raw SHA-256s are the published files' contents': checked against a verified copy where there is one."""
    folder = SHARED / name
    if not folder.is_dir():
        pytest.skip("no verified copy of the data sets beside the repository (../shared/data)")
    dataset = datasets.DATASETS[name]
    assert set(dataset.raw_sha256) == set(dataset.sha256)
    for file_name, expected in dataset.raw_sha256.items():
        body = (folder / file_name).read_bytes()
        assert hashlib.sha256(body).hexdigest() == dataset.sha256[file_name]  # the published file
        assert hashlib.sha256(gzip.decompress(body)).hexdigest() == expected


def test_download_from_something_that_is_not_a_url_is_a_data_error(tmp_path, served):
    _, dataset = served
    with pytest.raises(datasets.DataError, match="could not download .*unknown url type"):
        datasets.download("tiny", tmp_path, mirrors=["notaurl/"], dataset=dataset, retries=3, backoff=0)


# ---------------------------------------------------------------- the sorting task (issue 12)


@pytest.mark.parametrize("length, symbols, seed", [(8, 10, 0), (1, 2, 3), (5, 3, 2**70)])
def test_sort_digits_answers_are_the_sorted_inputs_and_only_they_are_scored(length, symbols, seed):
    inputs, targets = vectorized.data.sort_digits(200, length, symbols, seed)
    assert inputs.shape == targets.shape == (200, 2 * length)
    assert inputs.dtype == targets.dtype == np.int64
    digits, answer = inputs[:, :length], targets[:, length:]
    assert np.array_equal(answer, np.sort(digits, axis=1))
    # -1 marks exactly the first `length` targets; every answer token is a digit.
    assert (targets[:, :length] == vectorized.data.NOT_SCORED).all() and (answer >= 0).all()
    # The separator, then the answer shifted by one: position length + k reads s_k and predicts s_(k+1).
    assert (inputs[:, length] == symbols).all()
    assert np.array_equal(inputs[:, length + 1:], answer[:, :-1])
    assert ((0 <= digits) & (digits < symbols)).all()


def test_sort_digits_is_the_same_in_both_twins_and_uses_every_symbol():
    pure_inputs, pure_targets = pure.data.sort_digits(100, 8, 10, 5)
    inputs, targets = vectorized.data.sort_digits(100, 8, 10, 5)
    assert pure_inputs == inputs.tolist() and pure_targets == targets.tolist()
    assert all(type(token) is int for row in pure_inputs + pure_targets for token in row)
    assert set(inputs[:, :8].ravel().tolist()) == set(range(10))
    assert set(targets[:, 8:].ravel().tolist()) == set(range(10))
    # Another seed, other digits; the same seed, the same digits.
    assert not np.array_equal(vectorized.data.sort_digits(100, 8, 10, 6)[0], inputs)
    assert np.array_equal(vectorized.data.sort_digits(100, 8, 10, 5)[0], inputs)


@pytest.mark.parametrize("twin", ["pure", "vectorized"])
def test_sort_digits_arguments_are_checked(twin):
    sort_digits = {"pure": pure.data, "vectorized": vectorized.data}[twin].sort_digits
    for arguments, error, message in [
        ((3, 0, 10, 0), ValueError, "sort_digits: length expected an int >= 1, got 0"),
        ((3, 4, 1, 0), ValueError, "sort_digits: symbols expected an int >= 2, got 1"),
        ((3, 4, 10, 1.0), TypeError, "sort_digits: seed expected an int, got the number 1.0"),
        ((10**5, 10**4, 10, 0), ValueError,
         "sort_digits: length expected at most 100000000 tokens (n_samples x 2 x length), got 100000 x 2 x 10000"),
    ]:
        with pytest.raises(error) as raised:
            sort_digits(*arguments)
        assert str(raised.value) == message


@pytest.mark.parametrize("name", ["spiral", "vertical", "sine"])
def test_the_held_out_split_is_the_same_in_both_twins_and_disjoint_from_training(name):
    """train_test_split of a generated set: the same samples in both twins for one seed, no sample on
    both sides, every sample on one side, and another seed draws another split."""
    make = {"spiral": lambda twin: twin.spiral(30, 3, 0), "vertical": lambda twin: twin.vertical(30, 3, 0),
            "sine": lambda twin: twin.sine(90)}[name]
    # Each sample's index as a feature of its own: the spiral's arms all start at (0, 0).
    inputs, targets = make(vectorized.data)
    inputs = np.column_stack([inputs, np.arange(len(inputs))])
    pure_inputs, pure_targets = make(pure.data)
    pure_inputs = [row + [float(i)] for i, row in enumerate(pure_inputs)]
    split = vectorized.data.train_test_split(inputs, targets, 0.2, 5)
    pure_split = pure.data.train_test_split(pure_inputs, pure_targets, 0.2, 5)
    for pure_part, part in zip(pure_split, split):
        assert np.array_equal(np.array(pure_part), part)
    train_inputs, train_targets, test_inputs, test_targets = split
    assert len(test_inputs) == 18 and len(train_inputs) == 72
    train_rows, test_rows = set(map(tuple, train_inputs.tolist())), set(map(tuple, test_inputs.tolist()))
    assert not train_rows & test_rows and len(train_rows | test_rows) == 90
    other = vectorized.data.train_test_split(inputs, targets, 0.2, 6)[2]
    assert set(map(tuple, other.tolist())) != test_rows
