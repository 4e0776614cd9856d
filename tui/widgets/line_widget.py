"""The base of the widgets drawn with Textual's Line API: their lines are built once per
change of data, size or styles, kept, and handed out one by one by `render_line`.

A widget may build more lines than it has room for: it then scrolls (wheel, page keys, or
`keep_in_view` from the widget), shows a scrollbar, and its border says how many lines
are out of view, so nothing is ever cut without a sign."""

from __future__ import annotations

from collections.abc import Sequence

from rich.segment import Segment
from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LineWidget(ScrollView, can_focus=False):
    """A widget whose content is a cached list of strips. A subclass draws them in
    `_build` and calls `_invalidate` when what it shows has changed."""

    DEFAULT_CSS = """
    LineWidget {
        overflow-x: hidden;
        overflow-y: auto;
        scrollbar-size-vertical: 1;
    }
    """

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
        self._wanted: tuple[int, int] | None = None  # lines to bring into view once built

    def _build(self, width: int, height: int) -> list[Strip]:
        """The widget's lines at this width, with `height` lines in view: fewer are padded
        blank, more scroll (and the build is done again one scrollbar narrower)."""
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

    def keep_in_view(self, first: int, last: int | None = None) -> None:
        """Scroll, if need be, so that lines `first`..`last` of the content are in view
        (the first of them, if they cannot all be)."""
        self._wanted = (first, first if last is None else last)
        self._scroll_to_wanted()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()  # focus or theme changed: styles are baked into the strips
        self._strips = None

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._say_what_is_hidden()

    def render_line(self, y: int) -> Strip:
        strips = self._current_strips()
        if y == 0 and self._wanted is not None:
            self._scroll_to_wanted()
        y += round(self.scroll_offset.y)
        if y < len(strips):
            return strips[y]
        return Strip.blank(self.size.width, self._style(""))

    def _current_strips(self) -> list[Strip]:
        size = self.size
        if self._strips is None or self._strips_size != size:
            self._strips_size = size
            self._strips = self._build(size.width, size.height)
            scrollbar = self.styles.scrollbar_size_vertical
            if len(self._strips) > size.height and scrollbar:  # lay out beside the scrollbar
                narrower = self._build(size.width - scrollbar, size.height)
                blank = self._style("")
                self._strips = [strip.extend_cell_length(size.width, blank) for strip in narrower]
            lines = len(self._strips)
            if self.virtual_size != Size(size.width, lines):
                self.virtual_size = Size(size.width, lines)  # scrollbars follow
            self._scroll_to_wanted()
            self._say_what_is_hidden()
        return self._strips

    def _scroll_to_wanted(self) -> None:
        if self._wanted is None or self._strips is None:
            return
        first, last = self._wanted
        height, top = self.size.height, round(self.scroll_offset.y)
        if height <= 0:
            return
        if first < top or last - first + 1 > height:
            top = first
        elif last >= top + height:
            top = last - height + 1
        if top != round(self.scroll_offset.y):
            self.scroll_to(y=top, animate=False, immediate=True)
        if top == round(self.scroll_offset.y):  # refused until the scrollbar is laid out
            self._wanted = None  # once: a later rebuild (the next step) keeps the scroll

    def _say_what_is_hidden(self) -> None:
        """The border's subtitle: how many lines are above and below the view."""
        if self._strips is None:
            return
        height, top = self.size.height, round(self.scroll_offset.y)
        above, below = top, max(0, len(self._strips) - top - height)
        parts = ([f"↑ {above} more"] if above else []) + ([f"↓ {below} more"] if below else [])
        room = self.outer_size.width - 6  # the border's corners and a margin
        subtitle = ""
        lines = " lines" if max(above, below) > 1 else " line"
        tails = [f"{lines} (scroll, or z to enlarge)", " (z enlarges)", ""]
        if self.has_class("-maximized"):  # enlarged already: scrolling is what is left
            tails = [f"{lines} (scroll)", ""]
        for tail in tails:
            subtitle = " · ".join(parts) + tail if parts else ""
            if len(subtitle) <= room:
                break
        if self.border_subtitle != subtitle:
            # After this repaint: the border of the one in progress was drawn already.
            self.call_after_refresh(setattr, self, "border_subtitle", subtitle)
