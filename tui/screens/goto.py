"""GotoScreen: asks for the step to train to."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class GotoScreen(ModalScreen[int | None]):
    """Enter a step number: forward, training runs there with progress; back, the run
    returns to that step (esc cancels either)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "Input"

    def __init__(self, current: int, num_steps: int) -> None:
        super().__init__()
        self.current = current
        self.num_steps = num_steps

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Label(
                f"Go to step, forward or back (now {self.current:,} of {self.num_steps:,}):"
            )
            yield Input(placeholder="e.g. 500", id="goto-input", type="integer")
            yield Label("", id="goto-error")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        error = self.query_one("#goto-error", Label)
        if not text.isdigit():
            error.update("type a whole number of steps")
            return
        target = int(text)
        if not 0 <= target <= self.num_steps:
            error.update(f"the schedule has steps 0 (the start) to {self.num_steps:,}")
            return
        self.dismiss(target)

    def action_cancel(self) -> None:
        self.dismiss(None)
