"""``twinnet data``: MNIST and Fashion-MNIST, where the files live, getting them once, and checking them.

``twinnet data mnist`` downloads the four published gzipped IDX files into a
cache folder (``TWINNET_DATA`` if set, else the platform's user cache), checks
each one's SHA-256 against the published value, and never leaves half a file:
each download goes to a temporary file beside its final name and is renamed
only once it is whole and verified. Transient failures (a dropped connection,
a truncated body, a server error) are retried. Nothing here runs unless asked:
training reads files that are already on disk.

A folder of your own (``--data-dir``) may hold each file gzipped, as published,
or decompressed (``gunzip`` names it without ``.gz``); either is checked
against its SHA-256 before it is used.
"""

import hashlib
import http.client
import os
import pathlib
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field

from twinnet import files

IMAGES = {"train": "train-images-idx3-ubyte.gz", "test": "t10k-images-idx3-ubyte.gz"}
LABELS = {"train": "train-labels-idx1-ubyte.gz", "test": "t10k-labels-idx1-ubyte.gz"}


@dataclass(frozen=True)
class Dataset:
    name: str
    mirrors: tuple  # base URLs, tried in order; each ends with "/"
    sha256: dict  # file name -> published SHA-256 of the gzipped file
    classes: tuple  # what each label means
    # file name (with .gz) -> SHA-256 of its decompressed contents, for a folder of gunzipped files
    raw_sha256: dict = field(default_factory=dict)


DATASETS = {
    "mnist": Dataset(
        "mnist",
        ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://yann.lecun.com/exdb/mnist/"),
        {
            "train-images-idx3-ubyte.gz": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            "train-labels-idx1-ubyte.gz": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            "t10k-images-idx3-ubyte.gz": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            "t10k-labels-idx1-ubyte.gz": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
        },
        tuple(str(digit) for digit in range(10)),
        # Computed from the verified published files (gunzip, then SHA-256); their MD5s are the
        # published MD5s of the raw files (6bbc9ace..., a25bea73..., 2646ac64..., 27ae3e4e...).
        {
            "train-images-idx3-ubyte.gz": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
            "train-labels-idx1-ubyte.gz": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
            "t10k-images-idx3-ubyte.gz": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
            "t10k-labels-idx1-ubyte.gz": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
        },
    ),
    "fashion-mnist": Dataset(
        "fashion-mnist",
        ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        {
            "train-images-idx3-ubyte.gz": "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            "train-labels-idx1-ubyte.gz": "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            "t10k-images-idx3-ubyte.gz": "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            "t10k-labels-idx1-ubyte.gz": "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        },
        ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
        # Computed from the verified published files, as for MNIST (raw MD5s f4a8712d..., 9018921c...,
        # 8181f547..., 15d48437...).
        {
            "train-images-idx3-ubyte.gz": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
            "train-labels-idx1-ubyte.gz": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
            "t10k-images-idx3-ubyte.gz": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
            "t10k-labels-idx1-ubyte.gz": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        },
    ),
}

CHUNK = 1 << 16


class DataError(Exception):
    """A data set that cannot be had: missing or damaged files, or a download that failed."""


class Transient(Exception):
    """A failure worth another try: a dropped connection, a short body, a server error."""


def cache_root():
    """Where downloads go: $TWINNET_DATA, else the platform's user cache folder plus "twinnet"."""
    if os.environ.get("TWINNET_DATA"):
        return pathlib.Path(os.environ["TWINNET_DATA"]).expanduser()
    if sys.platform == "win32":
        base = pathlib.Path(os.environ.get("LOCALAPPDATA", pathlib.Path.home() / "AppData" / "Local"))
        return base / "twinnet" / "Cache"
    if sys.platform == "darwin":
        return pathlib.Path.home() / "Library" / "Caches" / "twinnet"
    return pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache") / "twinnet"


def default_folder(name):
    return cache_root() / name


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def raw_name(file_name):
    """The name gunzip gives a file: without its .gz."""
    return file_name[:-len(".gz")]


def _verified(dataset, folder, file_name, raw=True):
    """(path of the verified file, problem): the gzipped file, else (when ``raw``) the gunzipped one."""
    path = pathlib.Path(folder) / file_name
    unzipped = pathlib.Path(folder) / raw_name(file_name)
    if path.is_file():
        if sha256_of(path) == dataset.sha256[file_name]:
            return path, None
        problem = "its SHA-256 is not the published one"
    elif raw and unzipped.is_file():
        if dataset.raw_sha256.get(file_name) and sha256_of(unzipped) == dataset.raw_sha256[file_name]:
            return unzipped, None
        problem = f"{unzipped.name}, decompressed, is here but its SHA-256 is not the published file's contents'"
    else:
        problem = "missing"
    return None, problem


def check_folder(dataset, folder, raw=False):
    """{file name: problem} for every file in the folder that is missing or not the published one.

    raw: also take a file decompressed (named without .gz) whose contents are the published file's.
    """
    problems = {}
    for file_name in dataset.sha256:
        problem = _verified(dataset, folder, file_name, raw)[1]
        if problem:
            problems[file_name] = problem
    return problems


def where_to_put(dataset, folder, problems):
    lines = [f"{dataset.name}: {len(problems)} of its files are not in {folder} as published:"]
    for file_name, problem in problems.items():
        lines.append(f"  {file_name} ({problem}); expected SHA-256 {dataset.sha256[file_name]}")
    lines.append(f"Download them with `twinnet data {dataset.name}`, or copy them into {folder} (gzipped, or "
                 "decompressed without the .gz), or point --data-dir at a folder that has them.")
    return "\n".join(lines)


def locate_files(name, data_dir=None):
    """{"train": (images path, labels path), "test": (...)} of the data set's four verified files.

    Each file may be gzipped, as published, or decompressed (its name without
    .gz); raises DataError saying what to put where when one is missing or not
    the published one.
    """
    dataset = DATASETS[name]
    folder = pathlib.Path(data_dir) if data_dir else default_folder(name)
    found, problems = {}, {}
    for file_name in dataset.sha256:
        found[file_name], problem = _verified(dataset, folder, file_name)
        if problem:
            problems[file_name] = problem
    if problems:
        raise DataError(where_to_put(dataset, folder, problems))
    return {split: (found[IMAGES[split]], found[LABELS[split]]) for split in ("train", "test")}


def locate(name, data_dir=None):
    """The folder holding the data set's four verified files (gzipped or not), or DataError saying what to put where."""
    paths = locate_files(name, data_dir)
    return paths["train"][0].parent


def _fetch_once(url, destination, expected, timeout, progress):
    """Download one URL into a temporary file beside ``destination``; rename it there once verified.

    Whatever stops it (a bad checksum, the network, Ctrl-C), no partial file stays behind.
    """
    with files.replacing(destination, suffix=".part") as temporary, open(temporary, "wb") as file:
        digest = hashlib.sha256()
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                total = int(response.headers.get("Content-Length") or 0)
                done = 0
                while True:
                    block = response.read(CHUNK)
                    if not block:
                        break
                    file.write(block)
                    digest.update(block)
                    done += len(block)
                    progress(destination.name, done, total)
        except ValueError as error:  # not a URL urllib can open: no use trying again
            raise DataError(f"{url}: {error}") from None
        except urllib.error.HTTPError as error:
            if error.code >= 500 or error.code == 429:
                raise Transient(f"{url}: server error {error.code}") from None
            raise DataError(f"{url}: {error.code} {error.reason}") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            # Refused or dropped connections, timeouts and short bodies
            # (http.client.IncompleteRead) are worth another try.
            raise Transient(f"{url}: {getattr(error, 'reason', None) or error}") from None
        if total and done != total:
            raise Transient(f"{url}: the body ended after {done} of {total} bytes")
        if digest.hexdigest() != expected:
            raise DataError(f"{url}: the file's SHA-256 is {digest.hexdigest()}, not the published {expected}; "
                            "nothing was kept")
        file.flush()
        os.fsync(file.fileno())


def _silent(*args):
    pass


def download(name, folder=None, mirrors=None, dataset=None, retries=3, timeout=30.0, backoff=1.0,
             progress=_silent, log=_silent):
    """Make sure the data set's files are in ``folder`` (the cache by default), verified; fetch what is not.

    mirrors: base URLs to try in order (the published ones by default); dataset:
    a Dataset to use instead of the registered one (the tests serve small files
    of their own). Each file is tried up to ``retries`` times per mirror when
    the failure is transient, waiting backoff, 2 * backoff, ... seconds between
    tries. Returns the folder. Raises DataError naming what failed and, when
    nothing could be fetched, which files to put where.
    """
    dataset = dataset or DATASETS[name]
    folder = pathlib.Path(folder) if folder else default_folder(dataset.name)
    folder.mkdir(parents=True, exist_ok=True)
    mirrors = tuple(mirrors or dataset.mirrors)
    for file_name, expected in dataset.sha256.items():
        destination = folder / file_name
        if destination.is_file() and sha256_of(destination) == expected:
            log(file_name, "already here, verified")
            continue
        failures, fetched = [], False
        for base in mirrors:
            url = base.rstrip("/") + "/" + file_name
            for attempt in range(retries):
                try:
                    _fetch_once(url, destination, expected, timeout, progress)
                    log(file_name, f"downloaded from {base}, verified")
                    fetched = True
                    break
                except Transient as error:
                    failures.append(str(error))
                    if attempt + 1 < retries:
                        time.sleep(backoff * 2 ** attempt)
                except DataError as error:
                    failures.append(str(error))
                    break  # not transient: the next mirror, if any
            if fetched:
                break
        if not fetched:
            problems = check_folder(dataset, folder)
            raise DataError(f"could not download {file_name}: {failures[-1]}\n"
                            + where_to_put(dataset, folder, problems))
    return folder


# ---------------------------------------------------------------- the command


class DownloadProgress:
    """A progress bar on a terminal; on anything else, nothing until each file is done."""

    def __init__(self, stream):
        self.stream = stream
        self.live = stream.isatty()

    def __call__(self, file_name, done, total):
        if self.live:
            share = f"{100 * done / total:5.1f}%" if total else ""
            self.stream.write(f"\r  {file_name:<28} {done / 1e6:7.1f} MB {share}")
            self.stream.flush()

    def done(self, file_name, what):
        if self.live:
            self.stream.write("\r" + " " * 60 + "\r")
        print(f"  {file_name:<28} {what}", flush=True)


def command(args):
    """Download (or, with --data-dir, check) the four files of MNIST or Fashion-MNIST."""
    dataset = DATASETS[args.name]
    if args.data_dir:
        folder = locate(args.name, args.data_dir)
    else:
        progress = DownloadProgress(sys.stderr)
        folder = download(args.name, args.folder, args.mirror and [args.mirror], retries=args.retries,
                          backoff=args.retry_wait, progress=progress, log=progress.done)
    print(f"{args.name}: {len(dataset.sha256)} files verified in {folder}")
    return 0
