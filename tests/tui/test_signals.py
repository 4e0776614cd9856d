"""The real debugger in a pseudo-terminal: SIGTERM or SIGHUP ends it as `q` does, with
the terminal given back as it was (line editing and echo on, the normal screen shown)."""

from __future__ import annotations

import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEAVE_ALTERNATE_SCREEN = b"\x1b[?1049l"
ENTER_ALTERNATE_SCREEN = b"\x1b[?1049h"
CONTROL_SEQUENCE = re.compile(rb"\x1b\[[0-9;?<>=]*[ -/]*[@-~]")


class Terminal:
    """A pseudo-terminal running the debugger; everything it writes is kept in `output`."""

    def __init__(self, command: list[str]) -> None:
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.attributes_before = termios.tcgetattr(self.slave)
        self.output = b""
        self.process = subprocess.Popen(
            command,
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            cwd=ROOT,
            env={**os.environ, "TERM": "xterm-256color"},
            start_new_session=True,  # a terminal of its own, as in a real session
        )

    def read_until(self, condition: Callable[[], bool], timeout: float) -> bool:
        """Keep reading (a full pty would block the app) until `condition` holds."""
        deadline = time.monotonic() + timeout
        while not condition():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if select.select([self.master], [], [], min(left, 0.05))[0]:
                self.output += os.read(self.master, 65536)
        return True

    def read_the_rest(self) -> None:
        """What an exited process wrote is all in the buffer already: no waiting needed."""
        while select.select([self.master], [], [], 0)[0]:
            self.output += os.read(self.master, 65536)

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def terminal(tiny_corpus_path: Path) -> Iterator[Terminal]:
    term = Terminal([sys.executable, "-m", "tui", "--data", str(tiny_corpus_path)])
    yield term
    term.close()


def wait_until_drawn(terminal: Terminal) -> None:
    drawn = terminal.read_until(lambda: b"Quit" in terminal.output, timeout=60)  # the footer
    assert drawn, f"the debugger never drew its screen: {terminal.output[-2000:]!r}"
    assert termios.tcgetattr(terminal.slave)[3] & termios.ICANON == 0  # raw mode, for now


def assert_ended_cleanly(terminal: Terminal, signum: int) -> None:
    exited = terminal.read_until(lambda: terminal.process.poll() is not None, timeout=20)
    assert exited, "the debugger did not exit after the signal"
    terminal.read_the_rest()
    assert terminal.process.returncode == 128 + signum  # handled, not killed (that is -signum)
    restored = termios.tcgetattr(terminal.slave)
    assert restored[3] & termios.ICANON and restored[3] & termios.ECHO
    assert restored == terminal.attributes_before
    output = terminal.output
    assert output.rfind(LEAVE_ALTERNATE_SCREEN) > output.rfind(ENTER_ALTERNATE_SCREEN)
    after = output[output.rfind(LEAVE_ALTERNATE_SCREEN) :]
    assert CONTROL_SEQUENCE.sub(b"", after).strip() == b""  # nothing printed after leaving
    assert b"Traceback" not in output and b"Exception ignored" not in output


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP], ids=["SIGTERM", "SIGHUP"])
def test_a_signal_ends_the_debugger_and_restores_the_terminal(terminal: Terminal, signum: int):
    wait_until_drawn(terminal)
    terminal.process.send_signal(signum)
    assert_ended_cleanly(terminal, signum)


def test_a_signal_during_a_run_ends_it_as_cleanly(terminal: Terminal):
    wait_until_drawn(terminal)
    start = len(terminal.output)
    os.write(terminal.master, b"r")
    running = terminal.read_until(lambda: b"running" in terminal.output[start:], timeout=20)
    assert running, "the run did not start"
    terminal.process.send_signal(signal.SIGTERM)
    assert_ended_cleanly(terminal, signal.SIGTERM)
