"""Helpers for the tests of `microgpt serve`: a server in its own process group on a free
loopback port, and a headless Chromium page that reads what the debugger drew from the
websocket's frames (the terminal is a canvas: the page itself has no text).

Run as a script, it makes the README's picture of the browser page again:
`.venv/bin/python tests/serving.py` writes docs/browser.png."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MICROGPT = [sys.executable, "-m", "tui"]
CHROMIUM = os.environ.get("MICROGPT_CHROMIUM", "/usr/bin/chromium")
URL_LINE = "open http"  # the line `serve` prints once it is listening
# The first start after installing may compile the twin's kernels (~45 s on a loaded CI
# machine), before the URL is printed: every wait here is generous.
START_TIMEOUT = 240.0
ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, modes
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC: titles, hyperlinks
    r"|\x1b[@-Z\\-_]"  # the two-character escapes
)


def free_port() -> int:
    """A loopback port nothing listens on (free when asked; the server takes it next)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    """A `microgpt serve` process and what it has said so far."""

    process: subprocess.Popen[str]
    err: list[str] = field(default_factory=list)
    out: list[str] = field(default_factory=list)
    readers: list[threading.Thread] = field(default_factory=list)
    url: str = ""

    def ended(self) -> None:
        """Once the process has ended: wait for the readers to take its last lines."""
        for reader in self.readers:
            reader.join(10)

    def said(self) -> str:
        return "".join(self.err) + "".join(self.out)

    def wait_for_url(self, timeout: float = START_TIMEOUT) -> str:
        """The URL `serve` prints once it listens (AssertionError if it ends first)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.err:
                if line.startswith(URL_LINE):
                    self.url = line.split()[1]
                    return self.url
            if self.process.poll() is not None:
                self.ended()
                raise AssertionError(f"serve ended with {self.process.returncode}:\n{self.said()}")
            time.sleep(0.05)
        raise AssertionError(f"serve printed no URL in {timeout:.0f} s:\n{self.said()}")

    def interrupt(self, timeout: float = 60.0) -> int:
        """Ctrl-C, as a terminal sends it: SIGINT to the whole group (the server and every
        tab's debugger). Returns the server's exit status."""
        os.killpg(self.process.pid, signal.SIGINT)
        status = self.process.wait(timeout)
        self.ended()
        return status


@contextlib.contextmanager
def serving(options: Sequence[str], cwd: Path | None = None) -> Iterator[Served]:
    """`microgpt serve` with `options`, in a process group of its own (it starts a debugger
    process per browser tab), killed whole at the end whatever happened."""
    process = subprocess.Popen(
        [*MICROGPT, "serve", *options],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        start_new_session=True,
    )
    served = Served(process)
    assert process.stdout is not None and process.stderr is not None
    for stream, lines in ((process.stderr, served.err), (process.stdout, served.out)):
        served.readers.append(threading.Thread(target=_collect, args=(stream, lines), daemon=True))
        served.readers[-1].start()
    try:
        yield served
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)


def _collect(stream: Any, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright's Python package is not installed (pip install -e '.[test]')"
    if not Path(CHROMIUM).is_file():
        return f"no Chromium at {CHROMIUM} (apt-get install -y chromium)"
    return None


class Terminal:
    """A browser page showing a served debugger; what the debugger drew is read from the
    websocket's frames. textual-serve sends the app's output as binary frames (the bytes
    the debugger would write to a terminal: UTF-8 text and escapes) and its own messages
    as JSON text frames (["pong", ...]), which are left out."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.frames: list[str] = []
        """The terminal output received, one string per frame."""
        page.on("websocket", self._watch)
        # Only our server: the page also asks Google for a font, which a test must not need.
        page.route("**/*", _only_loopback)

    def _watch(self, websocket: Any) -> None:
        websocket.on("framereceived", self._received)

    def _received(self, frame: str | bytes) -> None:
        if isinstance(frame, bytes):
            self.frames.append(frame.decode("utf-8", "replace"))

    def text(self) -> str:
        """Everything drawn so far, as one string without escapes (joined first: a frame may
        end inside an escape)."""
        return ANSI.sub("", "".join(self.frames))

    def open(self, url: str) -> None:
        self.page.goto(url, wait_until="domcontentloaded")
        start = self.page.locator("#start")
        if start.is_visible():  # textual-serve's launch panel, when it asks for a click
            start.click()

    def wait_for(self, text: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.text():
            if time.monotonic() > deadline:
                tail = self.text()[-2000:]
                raise AssertionError(f"{text!r} not drawn in {timeout:.0f} s; last drawn:\n{tail}")
            self.page.wait_for_timeout(100)  # lets Playwright deliver the frames

    def focus(self) -> None:
        """Click the terminal, which then takes keys: in its top-left corner, the status
        line, where a click changes nothing in the debugger."""
        self.page.click("#terminal", position={"x": 4, "y": 4})

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)


def _only_loopback(route: Any) -> None:
    if route.request.url.startswith(("http://127.0.0.1", "ws://127.0.0.1")):
        route.continue_()
    else:
        route.abort()


@contextlib.contextmanager
def browser_page(width: int = 1280, height: int = 800) -> Iterator[Terminal]:
    """A headless Chromium page (Debian's, driven by Playwright; no sandbox, as root)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield Terminal(browser.new_page(viewport={"width": width, "height": height}))
        finally:
            browser.close()


def make_picture(path: Path, steps: int = 5) -> None:
    """The README's picture: the bundled corpus after a few steps, wide enough for the
    debugger's wide layout."""
    with serving(["--port", str(free_port())]) as served, browser_page(1600, 1000) as page:
        page.open(served.wait_for_url())
        page.wait_for("no step yet")
        page.focus()
        for step in range(1, steps + 1):
            page.press(" ")
            page.wait_for(f"step {step} of")
        page.page.wait_for_timeout(500)  # the last frame painted
        page.page.screenshot(path=str(path))


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "docs" / "browser.png"
    make_picture(target)
    print(f"wrote {target}")
