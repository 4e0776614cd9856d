"""PathScreen: asks where to write a file (a run, or a model)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from core.errors import MicrogptError
from core.files.outputs import Output
from tui.format import internal_error


class PathScreen(ModalScreen[Output | None]):
    """A file name, with a default; enter checks it (a refusal is shown, and the name can
    be corrected), esc cancels."""

    AUTO_FOCUS = "Input"
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, default: str, hint: str, check: Callable[[str], Output]) -> None:
        super().__init__()
        self.title_text = title
        self.default = default
        self.hint = hint
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="path-box"):
            yield Label(self.title_text, id="path-title", markup=False)
            yield Input(value=self.default, id="path-input")
            yield Static("", id="path-error", markup=False)
            yield Label(self.hint, id="path-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        error = self.query_one("#path-error", Static)
        given = event.value.strip()
        try:
            output = self.check(given)
        except MicrogptError as err:
            error.update(f"✗ {err}")
            return
        except Exception as err:  # a defect in the check: say so, and keep the app alive
            error.update(f"✗ cannot use {given!r} ({internal_error(err)})")
            return
        self.dismiss(output)

    def action_cancel(self) -> None:
        self.dismiss(None)
