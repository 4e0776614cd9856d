"""HelpScreen: every key (from the bindings themselves, so the list cannot drift) and
where each number on screen comes from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown, Static

ABOUT = """
## Where the numbers come from
- **Status**: the step shown, its sentence (the corpus is shuffled once with the seed, then
  walked in order: sentence = step mod sentences), the learning rate
  `0.01 · (1 − step / steps)`, the step's loss and a running mean.
- **Tokens**: the sentence between two BOS tokens; under each word its token id (the word's
  place in the sorted vocabulary; BOS is the last id). Position t reads tokens 0..t and
  predicts token t+1. At most 16 positions train: longer sentences are cut.
- **Predictions**: for each position, p(target) is the softmax probability of the right next
  word, its rank among all tokens, and loss = −ln p; ▲ marks the worst position (the
  largest loss). The step's loss is their sum divided by n, exactly as the training loop
  computes it.
- **Embedding gradients**: only the token-embedding rows of the sentence's words receive a
  gradient. Rows with none still move while Adam's momentum m is non-zero.
- **Adam**: m and v are running means of the gradient and its square; m̂ and v̂ correct
  their start-up bias; the update is `lr · m̂ / (√v̂ + 1e-8)`.

## Going back, and running until
- **b** restores the exact state before the last step; **g** goes to any step, forward or
  back. Stepping forward again gives the very same traces (training is deterministic: the
  past is kept as snapshots every 10 steps nearby and every 250 steps farther, and replayed).
- **u** lists conditions such as `loss < 3.2`, `loss > 2x mean`, `p(cat) < 1%`, `grad cat`,
  `m flips token_embedding[cat][0]`; a run pauses when one holds. NaN or infinity always
  pause, before the update, naming where they appeared.
- **s** saves the whole run (resume with `microgpt --resume FILE`); **m** exports the model
  in the tutorial's format.

Every number is computed by this program's own scalar autograd engine, bit for bit as the
tutorial's TypeScript program computes it.
"""


class HelpScreen(ModalScreen[None]):
    """The keys and what the panels show."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,question_mark,q", "close", "Close")]

    def __init__(self, bindings: Sequence[Binding]) -> None:
        super().__init__()
        self.listed = bindings

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(keys_table(self.listed), id="help-keys")
            yield Markdown(ABOUT)

    def action_close(self) -> None:
        self.dismiss(None)


def keys_table(bindings: Sequence[Binding]) -> Table:
    table = Table(
        title="Keys",
        title_justify="left",
        title_style="bold",
        box=None,
        padding=(0, 2, 0, 0),
        show_header=False,
    )
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for binding in bindings:
        keys = " or ".join(_key_name(k) for k in binding.key.split(","))
        # Text, not str: a table would read a str as markup.
        table.add_row(Text(keys), Text(binding.tooltip or binding.description))
    table.add_row(Text("tab"), Text("move focus between panels"))
    table.add_row(Text("ctrl+p"), Text("the command palette: every action by name"))
    return table


def _key_name(key: str) -> str:
    names = {"question_mark": "?", "left": "←", "right": "→", "escape": "esc"}
    return names.get(key.strip(), key.strip())
