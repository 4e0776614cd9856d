"""Helpers for Pilot tests of the debugger: wait for a condition, read what a widget shows."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import TypeVar

from textual.app import App
from textual.pilot import Pilot
from textual.widget import Widget

S = TypeVar("S")


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 10.0) -> None:
    """Poll until `condition` holds (a fixed pause would be flaky on a busy machine)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.02)


async def open_screen(pilot: Pilot, app: App[object], key: str, kind: type[S]) -> S:
    """Press `key` and wait for a screen of `kind` (made off the event loop) to show."""
    await pilot.press(key)
    await wait_for(pilot, lambda: isinstance(app.screen, kind))
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, kind)
    return screen


def text_of(widget: Widget) -> str:
    """What a widget shows, as plain text lines."""
    return "\n".join(
        "".join(segment.text for segment in widget.render_line(y))
        for y in range(widget.size.height)
    )


def screen_text(app: App[object]) -> str:
    """The whole screen as plain text lines, as the terminal would show it (dialogs over
    panels). Textual has no public text export (only SVG screenshots), so this reads the
    screen's compositor, as `App.export_screenshot` does."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


NUMBER_CUT = re.compile(r"\d…|…\d|[%.+\-−]…")
SCIENTIFIC = re.compile(r"\d\.\d+e(?![+-]\d\d)")  # 1.234e without its whole exponent


def cut_numbers(text: str) -> list[str]:
    """The lines in which a number is cut: an ellipsis against a digit (or a sign, a point,
    a percent), or a number in scientific notation without its exponent."""
    lines = text.splitlines()
    return [line for line in lines if NUMBER_CUT.search(line) or SCIENTIFIC.search(line)]


def unwrapped(text: str) -> str:
    """Wrapped lines joined again: each line stripped of borders and padding, then put end to
    end with single spaces (a wrap breaks at a space)."""
    parts = [line.strip(" │┃╭╮╰╯─━┏┓┗┛") for line in text.splitlines()]
    return " ".join(part for part in parts if part)
