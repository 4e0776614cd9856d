"""The parameter picker: a dialog that finds a parameter by typing part of its name
(matrix, then row, then column) and returns its flat index, or None when cancelled."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static

from core.autograd.params import Parameters
from core.debugging.param_search import ParameterMatch, search_parameters
from core.errors import ParameterNameError

SYNTAX = (
    "matrix[row][column]: token_embedding[cat][3] · layers.0.mlp.hidden[7][12] · "
    "a word alone: cat · Karpathy's wte, wpe, lm_head · letters in order: l0mlph\n"
    "enter picks a parameter or completes a prefix · esc cancels"
)


class ParameterPicker(ModalScreen[int | None]):
    """Type to search; Enter on a parameter dismisses with its flat index, Enter on a
    prefix (a matrix or a row) puts it in the box to refine; Escape dismisses with None."""

    DEFAULT_CSS = """
    ParameterPicker {
        align: center middle;
        & > #picker {
            width: 76;
            max-width: 100%;
            height: auto;
            max-height: 100%;
            border: round $accent;
            background: $surface;
            padding: 0 1;
        }
        & #picker-title { text-style: bold; margin-bottom: 1; }
        & #picker-error { color: $error; text-style: bold; }
        & #picker-options { height: auto; max-height: 12; margin: 1 0; }
        & #picker-syntax { color: $text-muted; }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("up", "move_highlight(-1)", "Previous match", show=False),
        Binding("down", "move_highlight(1)", "Next match", show=False),
    ]

    def __init__(
        self, params: Parameters, initial: str = "", *, title: str = "Watch a parameter"
    ) -> None:
        super().__init__()
        self._params = params
        self._initial = initial
        self._title = title
        self._matches: list[ParameterMatch] = []
        self._moved = False

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label(self._title, id="picker-title", markup=False)
            yield Input(
                self._initial,
                placeholder="a name, a matrix or a word",
                id="picker-input",
                compact=True,
            )
            yield Static("", id="picker-error", markup=False)
            yield OptionList(id="picker-options", markup=False, compact=True)
            yield Static(SYNTAX, id="picker-syntax", markup=False)

    def on_mount(self) -> None:
        self._input = self.query_one("#picker-input", Input)
        self._error = self.query_one("#picker-error", Static)
        self._options = self.query_one("#picker-options", OptionList)
        self._search(self._initial)
        self._input.focus()

    @property
    def matches(self) -> list[ParameterMatch]:
        """What the list shows now, best first."""
        return list(self._matches)

    @on(Input.Changed, "#picker-input")
    def _query_changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#picker-input")
    def _query_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        highlighted = self._options.highlighted
        if self._error.display and not self._moved:
            self.app.bell()  # a wrongly written name: say why rather than pick a neighbour
            return
        self._choose(0 if highlighted is None else highlighted)

    @on(OptionList.OptionSelected, "#picker-options")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    def action_move_highlight(self, delta: int) -> None:
        if self._matches:
            current = self._options.highlighted
            start = 0 if current is None else current + delta
            self._options.highlighted = max(0, min(start, len(self._matches) - 1))
            self._moved = True

    def action_cancel(self) -> None:
        self.dismiss(None)

    def _search(self, query: str) -> None:
        self._matches = search_parameters(self._params, query)
        self._moved = False  # the learner has not picked among these yet
        self._options.set_options(match.label for match in self._matches)
        if self._matches:
            self._options.highlighted = 0
        why = self._problem(query)
        self._error.update(f"✗ {why}" if why else "")
        self._error.display = bool(why)

    def _problem(self, query: str) -> str | None:
        """Why `query` names nothing, when it is written as a full name that is not one
        (the message of `Parameters.index_of`), or when nothing matches at all."""
        query = query.strip()
        if "][" in query:
            try:
                self._params.index_of(query)
            except ParameterNameError as error:
                first = self._matches[0] if self._matches else None
                suffix = query[query.index("[") :].replace(" ", "")
                fuzzy_hit = first and first.index is not None and first.label.endswith(suffix)
                return None if fuzzy_hit else str(error)
            return None
        if query and not self._matches:
            return f"nothing is called '{query}': try a matrix name, a word, or clear the box"
        return None

    def _choose(self, position: int) -> None:
        if not 0 <= position < len(self._matches):
            return
        match = self._matches[position]
        if match.index is not None:
            self.dismiss(match.index)
            return
        self._input.value = match.completion
        self._input.cursor_position = len(match.completion)
        self._input.focus()
