"""Presenter mode, for projecting the debugger to a room: key p (or `--present`) shows one
panel at a time, given all the room there is, with a line narrating the step, in a
high-contrast theme that survives a washed-out projector; tab and shift+tab turn the
panels. Leaving it puts the layout and the theme back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import App
from textual.theme import Theme

# Black on white, the accents dark enough to read at 7:1 or more on white even when a
# projector washes the colours out; no grey lighter than #555 (the muted text).
PRESENTER_THEME = Theme(
    name="microgpt-present",
    primary="#0033A0",
    secondary="#5B2A86",
    accent="#0033A0",
    warning="#7A4100",
    error="#A50021",
    success="#00602B",
    foreground="#000000",
    background="#FFFFFF",
    surface="#FFFFFF",
    panel="#E6E6E6",
    boost="#EDEDED",
    dark=False,
    variables={
        # Text in a colour: the colours themselves, not Textual's lighter blends of them.
        "text-primary": "#0033A0",
        "text-secondary": "#5B2A86",
        "text-accent": "#0033A0",
        "text-success": "#00602B",
        "text-warning": "#7A4100",
        "text-error": "#A50021",
        "text-muted": "#333333",
        "text-disabled": "#555555",
        "border": "#000000",
        "border-blurred": "#000000",
        "footer-background": "#000000",
        "footer-foreground": "#FFFFFF",
        "footer-key-foreground": "#FFFFFF",
        "footer-description-foreground": "#FFFFFF",
        "block-cursor-background": "#000000",
        "block-cursor-foreground": "#FFFFFF",
        "block-cursor-blurred-background": "#D0D0D0",
        "block-cursor-blurred-foreground": "#000000",
        "block-cursor-blurred-text-style": "bold",
    },
)


class Presenting(App[None]):
    """Mixed into the app, which provides these attributes."""

    main: Any  # the MainScreen
    render_all: Callable[[], None]
    present_at_start: bool  # `--present`
    _theme_before: str | None = None  # the theme to go back to

    def on_mount(self) -> None:
        self.register_theme(PRESENTER_THEME)  # in the palette's theme list too
        if self.present_at_start:
            self.action_toggle_present()

    @property
    def presenting(self) -> bool:
        return bool(self.main.presenting)

    def action_toggle_present(self) -> None:
        on = not self.presenting
        if on:
            self._theme_before = self.theme
            self.theme = PRESENTER_THEME.name
        elif self.theme == PRESENTER_THEME.name and self._theme_before is not None:
            self.theme = self._theme_before  # a theme chosen while presenting stays
        self.main.set_presenting(on)
        self.refresh_bindings()  # tab turns the panels now, or moves the focus again
        self.render_all()

    def action_show_next_panel(self, delta: int) -> None:
        self.main.show_next_panel(delta)
        self.render_all()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "show_next_panel":
            # Not presenting, or over a dialog, the key is not ours: tab moves the focus.
            stack = self.screen_stack
            return bool(stack) and self.screen is stack[0] and self.presenting
        return super().check_action(action, parameters)
