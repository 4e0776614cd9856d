"""GotoScreen: asks for the step to train to."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from core.debugging.step_target import StepTargetError, parse_step_target


class GotoScreen(ModalScreen[int | None]):
    """Enter a step number, or +k / -k steps from here: forward, the twin engine trains
    there with progress; back, the run returns to that step (esc cancels either)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]
    AUTO_FOCUS = "Input"

    def __init__(self, current: int, num_steps: int) -> None:
        super().__init__()
        self.current = current
        self.num_steps = num_steps

    def compose(self) -> ComposeResult:
        with Vertical(id="goto-box"):
            yield Label(
                f"Go to step, forward or back (now {self.current:,} of {self.num_steps:,}):",
                id="goto-title",
            )
            # Plain text: the core reads "1,000" as the screen shows it, and says what is wrong.
            yield Input(placeholder="e.g. 500, or +1000 to fast-forward", id="goto-input")
            yield Label("", id="goto-error", markup=False)  # it may quote what was typed

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            target = parse_step_target(event.value, self.num_steps, self.current)
        except StepTargetError as err:
            self.query_one("#goto-error", Label).update(str(err))
            return
        self.dismiss(target)

    def action_cancel(self) -> None:
        self.dismiss(None)
