"""``twinnet site``: the HTML site builds with ``mkdocs build --strict``, needs no network, and reads right
in a real browser (headless Chromium, driven over the DevTools protocol with the standard library alone).

The build needs the ``[site]`` extra, the browser Debian's ``chromium`` (both installed by .ci/run); each
test that needs one of them is skipped, saying which, where it is missing. The browser test saves a
screenshot of the softmax page and prints where.
"""

import base64
import contextlib
import functools
import html.parser
import http.server
import io
import json
import os
import pathlib
import re
import shutil
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
import urllib.request

import pytest

from twinnet import UsageError, site
from twinnet.cli import main
from twinnet.contract import registry
from twinnet.show import twin_source

needs_site_extra = pytest.mark.skipif(bool(site.missing()), reason=f"the [site] extra is not installed (no "
                                      f"{' and no '.join(site.missing())}): pip install -e \".[site]\"")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium to drive: .ci/run installs Debian's "
                                    "package (apt-get install -y chromium); this test opens the site in a real browser")


# ---------------------------------------------------------------- the pages, without building


def test_each_column_is_its_twins_code_and_marks_where_they_differ():
    softmax = registry.get("softmax")
    (pure_path, pure_lines, pure_marked), (vectorized_path, vectorized_lines, vectorized_marked) = \
        site.twin_columns(softmax)
    assert (pure_path, vectorized_path) == ("pure/activations.py", "vectorized/activations.py")
    assert pure_lines == twin_source(softmax, "pure").code
    assert vectorized_lines == twin_source(softmax, "vectorized").code
    assert pure_lines[0] == vectorized_lines[0] == "def softmax(inputs):"  # the same in both: not marked
    assert pure_marked == list(range(2, len(pure_lines) + 1))
    assert vectorized_marked == list(range(2, len(vectorized_lines) + 1))


def test_a_helper_only_one_twin_has_is_marked_whole():
    _, (_, lines, marked) = site.twin_columns(registry.get("conv2d"))
    start = next(number for number, line in enumerate(lines, start=1) if line.startswith("def _im2col("))
    end = next((number for number, line in enumerate(lines, start=1) if number > start and line.startswith("def ")),
               len(lines) + 1)
    assert {number for number in range(start, end) if lines[number - 1].strip()} <= set(marked)


@pytest.fixture(scope="module")
def texts():
    return site.sources()


def test_every_operation_has_a_page_with_its_docstring_once_and_both_columns(texts):
    for operation in registry.OPERATIONS:
        page = texts[f"docs/operations/{operation.name}.md"]
        assert page.count(site.docstring(operation)) == 1, operation.name
        assert page.count('<div class="twinnet-twin" markdown>') == 2, operation.name
        assert f'title="pure/{operation.module}.py"' in page and f'title="vectorized/{operation.module}.py"' in page
        assert f"`twinnet exercise {operation.name}`" in page


def test_an_operation_and_its_chapter_link_to_each_other(texts):
    softmax = texts["docs/operations/softmax.md"]
    assert "[5. Softmax: from scores to probabilities](../05-softmax.md)" in softmax
    assert "`twinnet check softmax.py:softmax --as softmax`" in softmax
    assert "[`softmax`](operations/softmax.md)" in texts["docs/05-softmax.md"].split("## In the reference")[1]
    assert "cannot check" in texts["docs/operations/save.md"]  # no check command for what writes model files


def test_the_configuration_asks_for_nothing_from_a_network(texts):
    config = json.loads(texts["mkdocs.yml"])  # JSON, which YAML reads
    assert config["theme"]["font"] is False
    assert config["plugins"] == ["search"]
    assert "http" not in json.dumps(config)


# ---------------------------------------------------------------- the build


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    if site.missing():
        pytest.skip("the [site] extra is not installed: pip install -e \".[site]\"")
    out = tmp_path_factory.mktemp("site") / "site"
    started, printed = time.perf_counter(), io.StringIO()
    with contextlib.redirect_stdout(printed):
        assert main(["site", str(out)]) == 0
    print(f"site built in {time.perf_counter() - started:.1f} s: {out}")
    pages, count = len(list(site.ROOT.joinpath("docs").glob("*.md"))), len(registry.OPERATIONS)
    assert printed.getvalue().startswith(f"twinnet site: {pages} pages of docs/, an index and {count} operation pages")
    return out


@needs_site_extra
def test_the_site_builds_strict_with_every_page(built):
    assert (built / "index.html").exists() and (built / site.MARKER).exists()
    for operation in registry.OPERATIONS:
        assert (built / "operations" / f"{operation.name}.html").exists(), operation.name
    for path in sorted(site.ROOT.joinpath("docs").glob("*.md")):
        name = "index.html" if path.name == "README.md" else path.with_suffix(".html").name
        assert (built / name).exists(), name
    page = (built / "operations" / "softmax.html").read_text()
    assert page.count('class="twinnet-twin"') == 2
    assert '<span class="hll">' in page  # the lines that differ, marked by Pygments
    assert 'href="../05-softmax.html"' in page


class _Resources(html.parser.HTMLParser):
    """Every address a page loads by itself: the src and href of its script, link, img (and the like) tags."""

    LOADS = {"script": "src", "link": "href", "img": "src", "iframe": "src", "source": "src", "audio": "src",
             "video": "src", "embed": "src", "object": "data"}

    def __init__(self):
        super().__init__()
        self.addresses = []

    def handle_starttag(self, tag, attrs):
        attribute = self.LOADS.get(tag)
        self.addresses += [value for name, value in attrs if name == attribute and value]


def _remote(address):
    return re.match(r"(https?:)?//", address.strip(), flags=re.I) is not None


@needs_site_extra
def test_no_page_loads_anything_from_a_network(built):
    pages = sorted(built.rglob("*.html"))
    assert len(pages) > len(registry.OPERATIONS)
    for page in pages:
        parser = _Resources()
        parser.feed(page.read_text())
        assert parser.addresses, page  # the parser saw the page's styles and scripts
        remote = [address for address in parser.addresses if _remote(address)]
        assert not remote, f"{page.relative_to(built)} loads {remote}"
    for style in built.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//|@import\s+['\"]?(url\()?\s*['\"]?(https?:)?//",
                             style.read_text(), flags=re.I), style


@needs_site_extra
def test_the_search_index_holds_softmax(built):
    documents = json.loads((built / "search" / "search_index.json").read_text())["docs"]
    softmax = [document for document in documents if document["location"] == "operations/softmax.html"]
    assert softmax and "softmax" in softmax[0]["title"]


@needs_site_extra
def test_a_site_built_before_is_replaced(built, tmp_path):
    out = tmp_path / "site"
    shutil.copytree(built, out)
    (out / "stale.html").write_text("from before")
    site.build(out)
    assert (out / "index.html").exists() and not (out / "stale.html").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site"]  # no temporary folder left


@needs_site_extra
@pytest.mark.parametrize("make, message", [
    (lambda path: path.mkdir() or (path / "notes.txt").write_text("mine"), "that folder is not empty, and not a site"),
    (lambda path: path.write_text("a file"), "that is a file, not a folder"),
    (lambda path: None, "there is no folder"),
], ids=["a folder of other files", "a file", "no parent folder"])
def test_a_folder_it_must_not_replace_is_refused_in_one_line(tmp_path, capsys, make, message):
    path = tmp_path / "out"
    make(path)
    target = path / "inner" if message == "there is no folder" else path
    assert main(["site", str(target)]) == 2
    error = capsys.readouterr().err
    assert error.startswith("twinnet site: error: ") and message in error and error.count("\n") == 1
    if message != "there is no folder":
        assert sorted(path.name for path in tmp_path.iterdir()) == ["out"]  # nothing written beside it


def test_without_the_extra_it_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(site, "missing", lambda: ["MkDocs"])
    with pytest.raises(UsageError, match=r"needs MkDocs: pip install -e \"\.\[site\]\""):
        site.build(tmp_path / "site")
    assert not (tmp_path / "site").exists()


@needs_site_extra
def test_a_broken_link_fails_the_build_and_leaves_nothing(monkeypatch, tmp_path, capsys):
    sources = site.sources
    monkeypatch.setattr(site, "sources", lambda root=site.ROOT: {
        **sources(root), "docs/exercises.md": "# Exercises\n\n[gone](no-such-page.md)\n"})
    assert main(["site", str(tmp_path / "site")]) == 1
    error = capsys.readouterr().err
    assert "mkdocs build --strict failed" in error and "no-such-page.md" in error
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- in a real browser


class _WebSocket:
    """The client side of a websocket (RFC 6455), enough for the DevTools protocol: text frames, masked."""

    def __init__(self, url, timeout=30):
        parts = urllib.parse.urlsplit(url)
        self.socket = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        self.socket.sendall(f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
                            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                            .encode())
        response = b""
        while b"\r\n\r\n" not in response:
            response += self._read(1)
        assert response.split(b"\r\n")[0].split()[1] == b"101", response

    def _read(self, count):
        data = b""
        while len(data) < count:
            chunk = self.socket.recv(count - len(data))
            if not chunk:
                raise ConnectionError("the browser closed the DevTools connection")
            data += chunk
        return data

    def send(self, text):
        payload, mask = text.encode(), os.urandom(4)
        length = len(payload)
        header = struct.pack("!B", 0x81)  # one final text frame
        if length < 126:
            header += struct.pack("!B", 0x80 | length)
        elif length < 1 << 16:
            header += struct.pack("!BH", 0x80 | 126, length)
        else:
            header += struct.pack("!BQ", 0x80 | 127, length)
        self.socket.sendall(header + mask + bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload)))

    def receive(self):
        message = b""
        while True:
            first, second = self._read(2)
            length = second & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read(2))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read(8))[0]
            message += self._read(length)
            if first & 0x80:  # the final frame of the message
                return message.decode()

    def close(self):
        self.socket.close()


class Browser:
    """Headless Chromium with one page, at a window size, driven over the DevTools protocol.

    Every request the page makes is recorded (``requests``), so a test can see that
    nothing but the local server was asked for anything.
    """

    def __init__(self, width, height, folder):
        self.process = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
             "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-pings",
             "--disable-domain-reliability", "--disable-features=Translate,OptimizationHints,MediaRouter",
             f"--user-data-dir={folder}", "--remote-debugging-port=0", f"--window-size={width},{height}",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.requests, self.events, self.next_id = [], [], 0
        try:
            port = self._port(folder / "DevToolsActivePort")
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
                targets = json.load(response)
            page = next(target for target in targets if target["type"] == "page")
            self.socket = _WebSocket(page["webSocketDebuggerUrl"])
            self.call("Network.enable")
            self.call("Page.enable")
            # a headless window is at least 500 px wide: the page is told the size, as DevTools' device mode does
            self.call("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1,
                      mobile=False)
        except BaseException:
            self.close()
            raise

    def _port(self, path, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Chromium exited with {self.process.returncode} before it listened")
            with contextlib.suppress(FileNotFoundError, ValueError, IndexError):
                return int(path.read_text().splitlines()[0])
            time.sleep(0.05)
        raise TimeoutError("Chromium did not open its DevTools port")

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self.events.append(message)
            if message.get("method") == "Network.requestWillBeSent":
                self.requests.append(message["params"]["request"]["url"])

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_for(self, expression, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.1)
        raise TimeoutError(f"still false after {timeout} s: {expression}")

    def open(self, url):
        self.call("Page.navigate", url=url)
        self.wait_for(f"location.href === {json.dumps(url)} && document.readyState === 'complete'")
        self.wait_for("document.fonts.status === 'loaded'")

    def click(self, selector):
        x, y = self.evaluate(f"(() => {{ const r = document.querySelector({json.dumps(selector)})"
                             ".getBoundingClientRect(); return [r.left + r.width / 2, r.top + r.height / 2]; })()")
        for kind in ("mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", type=kind, x=x, y=y, button="left", clickCount=1)

    def type(self, text):
        for char in text:
            self.call("Input.dispatchKeyEvent", type="keyDown", key=char, text=char)
            self.call("Input.dispatchKeyEvent", type="keyUp", key=char)

    def screenshot(self, path):
        path.write_bytes(base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"]))
        return path

    def close(self):
        if getattr(self, "socket", None):
            self.socket.close()
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def served(built):
    """The built site on http://127.0.0.1:PORT/ (the search's web worker needs http, not a file)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(built)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def browser(tmp_path):
    if CHROMIUM is None:
        pytest.skip("no Chromium to drive: .ci/run installs Debian's package (apt-get install -y chromium)")
    opened = []

    def start(width, height):
        opened.append(Browser(width, height, tmp_path / f"profile-{len(opened)}"))
        return opened[-1]

    yield start
    for each in opened:
        each.close()


COLUMNS = """(() => {
  const boxes = [...document.querySelectorAll('.twinnet-twin')].map(column => column.getBoundingClientRect());
  return {columns: boxes.map(box => ({left: box.left, top: box.top, right: box.right, width: box.width,
                                      height: box.height})),
          scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth};
})()"""


def _artefacts():
    folder = pathlib.Path(os.environ.get("TWINNET_ARTEFACTS", pathlib.Path(os.environ.get("TMPDIR", "/tmp"))
                                         / "twinnet-artefacts"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _softmax_page(browser, served, width, height):
    """The softmax page in a window ``width`` wide: (the browser, the two columns' boxes, the page's scroll width)."""
    page = browser(width, height)
    page.open(served + "operations/softmax.html")
    seen = page.evaluate(COLUMNS)
    assert seen["innerWidth"] == width
    return page, seen["columns"], seen["scrollWidth"]


@needs_site_extra
@needs_chromium
def test_at_1280_pixels_the_twins_sit_side_by_side(served, browser):
    page, (pure, vectorized), scroll_width = _softmax_page(browser, served, 1280, 960)
    assert pure["top"] == vectorized["top"] and pure["left"] < vectorized["left"]
    assert pure["right"] <= vectorized["left"]  # beside it, not over it
    for column in (pure, vectorized):
        assert column["width"] > 300 and column["height"] > 100 and 0 <= column["left"] < column["right"] <= 1280
    assert scroll_width <= 1280  # no horizontal scroll bar on the page
    path = page.screenshot(_artefacts() / "site-softmax-1280.png")
    print(f"screenshot of the softmax page at 1280 px: {path}")
    local = (served.rstrip("/"), "data:", "blob:")
    assert page.requests and all(url.startswith(local) for url in page.requests), page.requests


@needs_site_extra
@needs_chromium
def test_at_400_pixels_the_twins_are_stacked(served, browser):
    page, (pure, vectorized), scroll_width = _softmax_page(browser, served, 400, 900)
    assert pure["left"] == vectorized["left"] and pure["top"] + pure["height"] <= vectorized["top"]
    assert scroll_width <= 400
    print(f"screenshot of the softmax page at 400 px: {page.screenshot(_artefacts() / 'site-softmax-400.png')}")


@needs_site_extra
@needs_chromium
@pytest.mark.parametrize("width", [1280, 400])
def test_no_page_scrolls_sideways(served, browser, width):
    """The widest pages of each kind: a chapter with tables, a long operation, the reference's index."""
    page = browser(width, 900)
    for path in ("11-convolution.html", "operations/multi_head_attention_backward.html", "reference/index.html",
                 "index.html"):
        page.open(served + path)
        seen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert seen[0] <= seen[1] == width, path


@needs_site_extra
@needs_chromium
def test_typing_softmax_in_the_search_box_finds_its_page(served, browser):
    page = browser(1280, 960)
    page.open(served + "index.html")
    page.click(".md-search__input")
    page.type("softmax")
    found = page.wait_for("[...document.querySelectorAll('.md-search-result__item a')].map(link => link.href)"
                          ".filter(href => href.includes('operations/softmax.html')).length > 0 && "
                          "document.querySelector('.md-search-result__meta').textContent")
    assert "matching" in found
