"""HelpScreen: every key (from the bindings themselves, so the list cannot drift) and
where each number on screen comes from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

ABOUT = """
## Where the numbers come from
- **Status**: the step shown, its sentence (the corpus is shuffled once with the seed, then
  walked in order: sentence = step mod sentences), the learning rate
  `0.01 · (1 − step / steps)`, the step's loss and a running mean.
- **Tokens**: the sentence between two BOS tokens; under each word its token id (the word's
  place in the sorted vocabulary; BOS is the last id). Position t reads tokens 0..t and
  predicts token t+1. At most 16 positions train: longer sentences are cut.
- **Predictions**: for each position, p(target) is the softmax probability of the right next
  word, its rank among all tokens, and loss = −ln p. The step's loss is their sum divided by
  n, exactly as the training loop computes it.
- **Embedding gradients**: only the token-embedding rows of the sentence's words receive a
  gradient. Rows with none still move while Adam's momentum m is non-zero.
- **Adam**: m and v are running means of the gradient and its square; m̂ and v̂ correct
  their start-up bias; the update is `lr · m̂ / (√v̂ + 1e-8)`.

Every number is computed by this program's own scalar autograd engine, bit for bit as the
tutorial's TypeScript program computes it.
"""


class HelpScreen(ModalScreen[None]):
    """The keys and what the panels show."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, bindings: Sequence[Binding]) -> None:
        super().__init__()
        self.listed = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Markdown(keys_markdown(self.listed) + ABOUT)

    def action_dismiss(self, result: None = None) -> None:  # type: ignore[override]
        self.dismiss(None)


def keys_markdown(bindings: Sequence[Binding]) -> str:
    rows = ["# Keys", "", "| key | does |", "| --- | --- |"]
    for binding in bindings:
        keys = " or ".join(_key_name(k) for k in binding.key.split(","))
        rows.append(f"| {keys} | {binding.description} |")
    rows.append("| tab | moves focus between panels |")
    rows.append("| ctrl+p | the command palette: every action by name |")
    return "\n".join(rows) + "\n"


def _key_name(key: str) -> str:
    return {"question_mark": "?", "space": "space", "left": "←", "right": "→", "escape": "esc"}.get(
        key.strip(), key.strip()
    )
