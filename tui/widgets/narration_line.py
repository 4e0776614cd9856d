"""NarrationLine: one sentence of what the shown step or stage is doing (the presenter's
line, under the status). The words come from core.debugging.narration; this only picks
the long or the short form for the width, and draws it literally (corpus words are never
markup)."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.widgets import Static

from core.debugging.narration import Narration

MARK = "▸ "  # before the sentence: it reads as the presenter's line without its colour


def pick(narration: Narration, width: int) -> str:
    """The long form if it fits on one line of `width` cells, else the short one, marked if
    there is room for the mark (it wraps, whole, if even it does not fit)."""
    for text in (MARK + narration.text, MARK + narration.short):
        if cell_len(text) <= width:
            return text
    return narration.short


class NarrationLine(Static):
    """The narration, on one line where it fits."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self.narration: Narration | None = None

    def show(self, narration: Narration | None) -> None:
        if narration != self.narration:
            self.narration = narration
            self._redraw()

    def on_resize(self, event: events.Resize) -> None:
        self._redraw()  # the form that fits depends on the width

    def _redraw(self) -> None:
        if self.narration is None:
            self.update(Text())
        else:
            self.update(Text(pick(self.narration, self.content_size.width or 80)))
