"""The base of the widgets drawn with Textual's Line API: their lines are built once per
change of data, size or styles, kept, and handed out one by one by `render_line`."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.strip import Strip
from textual.widget import Widget


class LineWidget(Widget):
    """A widget whose whole area is a cached list of strips. A subclass draws them in
    `_build` and calls `_invalidate` when what it shows has changed."""

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._strips: list[Strip] | None = None
        self._strips_size = Size(0, 0)  # the size they were built for
        self._styles: dict[str, Style] = {}

    def _build(self, width: int, height: int) -> list[Strip]:
        """The widget's lines at this size; lines past the last are drawn blank."""
        raise NotImplementedError

    def _make_style(self, name: str) -> Style:
        """The style called `name`: a component class, or "" for the widget's own."""
        return self.get_component_rich_style(name) if name else self.rich_style

    def _style(self, name: str) -> Style:
        """`_make_style(name)`, cached until the styles change: `rich_style` walks the
        ancestors, and a build asks for the same few styles many times."""
        if name not in self._styles:
            self._styles[name] = self._make_style(name)
        return self._styles[name]

    def _line(self, pieces: Sequence[tuple[str, str]], width: int) -> Strip:
        """One line of (text, style name) pieces, cut or padded to `width` cells."""
        segments = [Segment(text, self._style(name)) for text, name in pieces]
        return Strip(segments).crop_extend(0, width, self._style(""))

    def _invalidate(self, *, layout: bool = False) -> None:
        """Build the lines again at the next repaint (`layout`: the height may change)."""
        self._strips = None
        self.refresh(layout=layout)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()  # focus or theme changed: styles are baked into the strips
        self._strips = None

    def render_line(self, y: int) -> Strip:
        if self._strips is None or self._strips_size != self.size:
            self._strips_size = self.size
            self._strips = self._build(self.size.width, self.size.height)
        if y < len(self._strips):
            return self._strips[y]
        return Strip.blank(self.size.width, self._style(""))
