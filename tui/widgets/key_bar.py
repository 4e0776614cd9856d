"""KeyBar: the screen's keys on one line, as Textual's Footer shows them, except that it never
cuts a label: when the keys do not fit, the least important are left out, and the help key
(relabelled "More keys") says where to find them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from itertools import groupby
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import ActiveBinding, Binding
from textual.screen import Screen
from textual.widget import Widget

# Lower ranks stay longer. The keys a newcomer needs every minute come first; the focused
# widget's own keys are ranked 0 whatever this says (they are why it has focus).
DEFAULT_PRIORITY: dict[str, int] = {
    "step": 0,
    "step_back": 0,
    "toggle_run": 0,
    "goto": 0,
    "help": 0,
    "quit": 0,
    "toggle_enlarged": 1,  # at 80x24 a panel is small: say how to enlarge it
    "stage": 1,
    "cycle_attention": 3,
    "toggle_compare": 3,
    "check_gradient": 4,  # with f and v, inside the engine (room at 160 columns for p and h)
    "gradient_origin": 4,  # inside the engine: from the widest screens on (help lists them)
    "graph": 4,
    "run_until": 2,
    "select_position": 2,  # the predictions table says "← → moves" too
    "add_watch": 3,
    "remove_watch": 4,  # the focused inspector shows its own x
    "toggle_embedding_mode": 3,
    "save_run": 3,
    "evaluate_held_out": 3,
    "ask": 2,  # the classroom asks the model: from 120 columns on
    "toggle_present": 2,  # a teacher looks for it before projecting
    "show_next_panel": 0,  # shown only while presenting: how the panels are turned
}
UNRANKED = 4  # an action the mapping does not name
# Presenting: p is the way back and . walks the step being told; going to a step waits for
# a wider screen, and enlarging has nothing to add (the one panel has all the room).
PRESENTING_PRIORITY: dict[str, int] = {
    **DEFAULT_PRIORITY,
    "toggle_present": 0,
    "stage": 0,
    "goto": 2,
    "toggle_enlarged": UNRANKED,
}


@dataclass(frozen=True)
class KeyEntry:
    """One entry of the bar: a key and its label, or a group's keys and the group's label."""

    keys: tuple[tuple[str, str, bool], ...]
    """(key to press, key as shown, enabled), one per action of the entry."""
    label: str
    action: str
    """The first key's action (the help entry is found by it)."""
    rank: int
    """Lower stays longer when the bar is too narrow."""
    tooltip: str = ""

    @property
    def enabled(self) -> bool:
        return any(enabled for _, _, enabled in self.keys)

    @property
    def text(self) -> str:
        """The entry as plain text, e.g. "← → ↑ ↓ Move"."""
        shown = " ".join(display for _, display, _ in self.keys)
        return f"{shown} {self.label}" if self.label else shown


def rank_of(action: str, priority: Mapping[str, int]) -> int:
    """An action's rank, by its full text (`move(1, 0)`) or by its name (`move`)."""
    if action in priority:
        return priority[action]
    return priority.get(action.split("(")[0], UNRANKED)


def entries_from(
    active: Mapping[str, ActiveBinding],
    focused: object,
    key_display: Callable[[Binding], str],
    priority: Mapping[str, int],
) -> list[KeyEntry]:
    """The entries Footer would show, in its order: shown bindings only, one per action (its
    first key), consecutive actions of one `Binding.group` as a single entry."""
    by_action: dict[str, list[ActiveBinding]] = {}
    for shown in active.values():
        if shown.binding.show:
            by_action.setdefault(shown.binding.action, []).append(shown)
    firsts = [bindings[0] for bindings in by_action.values()]

    def entry_rank(shown: ActiveBinding) -> int:
        own = shown.node is focused and focused is not None
        return 0 if own else rank_of(shown.binding.action, priority)

    def key_of(shown: ActiveBinding) -> tuple[str, str, bool]:
        return shown.binding.key, key_display(shown.binding), shown.enabled

    entries: list[KeyEntry] = []
    for group, members_iter in groupby(firsts, lambda shown: shown.binding.group):
        members = list(members_iter)
        if group is not None and len(members) > 1:
            entries.append(
                KeyEntry(
                    keys=tuple(key_of(m) for m in members),
                    label=group.description,
                    action=members[0].binding.action,
                    rank=min(entry_rank(m) for m in members),
                    tooltip=group.description,
                )
            )
            continue
        for m in members:
            entries.append(
                KeyEntry(
                    keys=(key_of(m),),
                    label=m.binding.description,
                    action=m.binding.action,
                    rank=entry_rank(m),
                    tooltip=m.tooltip or m.binding.tooltip or m.binding.description,
                )
            )
    return entries


@dataclass(frozen=True)
class Fitted:
    """What fits in the bar: the entries at their columns, and the palette key if any."""

    placed: tuple[tuple[int, KeyEntry], ...]
    """(first column, entry), left to right."""
    dropped: int
    """How many entries were left out."""


def fit(
    entries: list[KeyEntry],
    width: int,
    palette: KeyEntry | None = None,
    help_action: str = "help",
    more_label: str = "More keys",
) -> Fitted:
    """Whole entries in `width` columns. Two spaces between entries when all fit so, else
    one. If not all fit, entries are kept in rank order (ties: leftmost first) until the next
    does not fit, shown in display order, and the help entry goes last as `more_label`. The
    palette key goes at the right end, only if everything else fits beside it."""
    for gap in (2, 1):
        if _length(entries, gap) <= width:
            placed = _placed(entries, gap)
            if palette is not None and _length(entries, gap) + gap + len(palette.text) <= width:
                placed.append((width - len(palette.text), palette))
            return Fitted(tuple(placed), 0)
    helps = [e for e in entries if e.action == help_action]
    rest = [e for e in entries if e.action != help_action]
    tail = [replace(helps[0], label=more_label)] if helps else []
    if _length(tail, 1) > width:
        tail = []
    kept: list[int] = []
    for i in sorted(range(len(rest)), key=lambda i: (rest[i].rank, i)):
        trial = [rest[j] for j in sorted([*kept, i])] + tail
        if _length(trial, 1) > width:
            break
        kept.append(i)
    shown = [rest[j] for j in sorted(kept)] + tail
    return Fitted(tuple(_placed(shown, 1)), len(entries) - len(shown))


def _length(entries: list[KeyEntry], gap: int) -> int:
    return sum(len(e.text) for e in entries) + gap * max(0, len(entries) - 1)


def _placed(entries: list[KeyEntry], gap: int) -> list[tuple[int, KeyEntry]]:
    placed, column = [], 0
    for entry in entries:
        placed.append((column, entry))
        column += len(entry.text) + gap
    return placed


class KeyBar(Widget, can_focus=False):
    """One line of keys, docked at the bottom; a click on a key presses it."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {"key-bar--key", "key-bar--label", "key-bar--hover"}
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        color: $footer-foreground;
        background: $footer-background;
        & > .key-bar--key { color: $footer-key-foreground; text-style: bold; }
        & > .key-bar--label { color: $footer-description-foreground; }
        & > .key-bar--hover { background: $block-hover-background; }
    }
    """

    def __init__(
        self,
        priority: Mapping[str, int] | None = None,
        *,
        show_palette: bool = True,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """`priority`: action (or action name) → rank, lower stays longer; the default ranks
        the debugger's actions (`DEFAULT_PRIORITY`)."""
        super().__init__(id=id, classes=classes)
        self.priority = dict(DEFAULT_PRIORITY if priority is None else priority)
        self.show_palette = show_palette
        self.entries: list[KeyEntry] = []
        self._palette: KeyEntry | None = None
        self._regions: list[tuple[int, int, int, str, bool]] = []  # start, end, entry, key, on
        self._hover: int | None = None  # index of the entry under the mouse

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.call_after_refresh(self.update_keys)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        # Losing the terminal's focus clears the focused widget for a moment: keep the keys.
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.update_keys()

    def update_keys(self) -> None:
        """Read the screen's active bindings again."""
        if not self.is_attached:
            return
        active = self.screen.active_bindings
        self.entries = entries_from(
            active, self.screen.focused, self.app.get_key_display, self.priority
        )
        self._palette = None
        palette = active.get(self.app.COMMAND_PALETTE_BINDING)
        if self.show_palette and self.app.ENABLE_COMMAND_PALETTE and palette is not None:
            self._palette = KeyEntry(
                keys=((palette.binding.key, self.app.get_key_display(palette.binding), True),),
                label=palette.binding.description,
                action=palette.binding.action,
                rank=UNRANKED,
                tooltip=palette.binding.tooltip or palette.binding.description,
            )
        self.refresh()

    def set_priority(self, priority: Mapping[str, int]) -> None:
        """Rank the keys anew (action or action name → rank, lower stays longer)."""
        self.priority = dict(priority)
        self.update_keys()

    def fitted(self, width: int | None = None) -> Fitted:
        """The entries that fit the bar's width (or `width`)."""
        return fit(self.entries, self.content_size.width if width is None else width, self._palette)

    def render(self) -> Text:
        key_style = self.get_component_rich_style("key-bar--key", partial=True)
        label_style = self.get_component_rich_style("key-bar--label", partial=True)
        hover_style = self.get_component_rich_style("key-bar--hover", partial=True)
        dim = Style(dim=True)
        text = Text(no_wrap=True, overflow="crop", end="")
        self._regions = []
        for index, (column, entry) in enumerate(self.fitted().placed):
            text.append(" " * (column - len(text)))
            extra = hover_style if index == self._hover else Style()
            for n, (key, display, enabled) in enumerate(entry.keys):
                if n:
                    text.append(" ", extra)
                start = len(text)
                text.append(display, key_style + extra + (Style() if enabled else dim))
                self._regions.append((start, len(text), index, key, enabled))
            if entry.label:
                start = len(text)
                text.append(
                    " " + entry.label, label_style + extra + (Style() if entry.enabled else dim)
                )
                key, _, enabled = next((k for k in entry.keys if k[2]), entry.keys[0])
                self._regions.append((start, len(text), index, key, enabled))
        return text

    def _region_at(self, event: events.MouseEvent) -> tuple[int, int, int, str, bool] | None:
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        return next((r for r in self._regions if r[0] <= offset.x < r[1]), None)

    def on_click(self, event: events.Click) -> None:
        region = self._region_at(event)
        if region is None:
            return
        if region[4]:
            self.app.simulate_key(region[3])
        else:
            self.app.bell()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        region = self._region_at(event)
        hover = region[2] if region is not None else None
        if hover != self._hover:
            self._hover = hover
            placed = self.fitted().placed
            self.tooltip = placed[hover][1].tooltip if hover is not None else None
            self.refresh()

    def on_leave(self) -> None:
        self._hover = None
        self.tooltip = None
        self.refresh()
