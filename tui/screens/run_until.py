"""RunUntilScreen: the run-until conditions: add one by typing it, remove the selected
one with delete, and start running with enter on an empty line."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList

from core.debugging.conditions import Condition, ConditionError, examples
from tui.format import internal_error


@dataclass(frozen=True)
class RunUntil:
    """What the dialog decided."""

    conditions: tuple[Condition, ...]
    run: bool
    """Start running until one of them holds."""


class RunUntilScreen(ModalScreen[RunUntil]):
    """Edit the conditions that pause a run; NaN and infinity always do."""

    AUTO_FOCUS = "Input"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close"),
        Binding("delete,x", "remove", "Remove selected"),  # reach the screen from the list
        Binding("up", "highlight(-1)", show=False),
        Binding("down", "highlight(1)", show=False),
    ]

    def __init__(
        self,
        conditions: Sequence[Condition],
        parse: Callable[[str], Condition],
        forgetting: bool = False,
    ) -> None:
        super().__init__()
        self.conditions = list(conditions)
        self.parse = parse
        self.forgetting = forgetting  # a fine-tuning run: suggest its conditions too

    def compose(self) -> ComposeResult:
        with Vertical(id="until-box"):
            yield Label("Run until…", id="until-title")
            yield OptionList(id="until-list", markup=False)
            yield Input(placeholder="a condition, e.g. loss < 3.5", id="until-input")
            yield Label("", id="until-error", markup=False)
            yield Label(
                "examples: " + " · ".join(examples(self.forgetting)) + "\nenter adds a condition; "
                "enter on an empty line runs until one holds (NaN or infinity "
                "always pause) · to remove one: tab to the list, ↑ ↓, delete · esc closes",
                id="until-help",
                markup=False,
            )

    def on_mount(self) -> None:
        self._refresh_list()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        error = self.query_one("#until-error", Label)
        if not text:
            self.dismiss(RunUntil(tuple(self.conditions), run=bool(self.conditions)))
            return
        try:
            condition = self.parse(text)
        except ConditionError as err:
            error.update(f"✗ {err}")
            return
        except Exception as err:  # a defect in the parser: say so, and keep the app alive
            error.update(f"✗ cannot read {text!r} ({internal_error(err)})")
            return
        error.update("")
        if all(c.text != condition.text for c in self.conditions):
            self.conditions.append(condition)
        event.input.value = ""
        self._refresh_list()

    def action_remove(self) -> None:
        options = self.query_one(OptionList)
        if self.focused is not options:
            return  # in the input, these keys edit the text
        if options.highlighted is not None and self.conditions:
            del self.conditions[options.highlighted]
            self._refresh_list()

    def action_highlight(self, delta: int) -> None:
        options = self.query_one(OptionList)
        if self.conditions:
            current = options.highlighted if options.highlighted is not None else -delta
            options.highlighted = max(0, min(len(self.conditions) - 1, current + delta))

    def action_close(self) -> None:
        self.dismiss(RunUntil(tuple(self.conditions), run=False))

    def _refresh_list(self) -> None:
        options = self.query_one(OptionList)
        options.clear_options()
        if self.conditions:
            options.add_options([c.text for c in self.conditions])
            options.highlighted = len(self.conditions) - 1
        else:
            options.add_option("(no conditions yet: NaN or infinity still pause training)")
