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

CLOSING = "esc, ? or q closes this help · ↑ ↓ and page keys scroll it"

ABOUT = """
## The screen
- **Panels**: the one with a heavy coloured border has the focus (tab, or keys 1-5, move
  it); its own keys then show at the start of the key bar. **z** enlarges the focused panel
  (or, when none has focus, the last one chosen) to the whole screen; **z** or **esc** puts
  it back. At 80×24 one panel shows at a time: keys 1-5 or the tabs choose it.
- **↑ N more · ↓ N more** in a panel's bottom border: lines out of view; scroll with the
  wheel or the page keys, or enlarge the panel. **‹N** and **N›** beside the tokens, at
  80×24: N more tokens that way; ← → brings them in.
- **Status**: `ms/step` is the median time of the last 20 steps (forward, backward and the
  update); `graph N nodes` counts the computation graph's nodes as this engine builds them
  (fused: one node per dot product or softmax) and, in brackets, the primitive operations
  they stand for (one node each in the tutorial's engine). `mean … (last 100 steps)` is the
  running mean of the step losses, the same window everywhere (conditions, loss chart).
- **⚠ lines** under the status: why the run paused or what was refused, whole.

## Where the numbers come from
- **Status**: the step shown, its sentence (the corpus is shuffled once with the seed, then
  walked in order: sentence = step mod sentences), the learning rate
  `peak · (1 − step / steps)` (the peak is 0.01, or `--lr`: 0.001 to fine-tune), the step's
  loss and a running mean. Fine-tuning, `original corpus` is the loss on a fixed sample of
  the corpus the model was first trained on, measured every 50 steps: what is forgotten.
  `held-out` is the mean loss of sentences the model never trains on (our corpus's
  data/heldout.txt, or `--eval FILE`), measured before the first step, every few hundred
  steps (`--eval-every`) and after the last: falling, the model learns the language and not only its
  sentences. **h** evaluates it now, for the model after the shown step ("on demand"); the
  run does not change.
- **Tokens**: the sentence between two BOS tokens; under each word its token id (the word's
  place in the sorted vocabulary; BOS is the last id). Position t reads tokens 0..t and
  predicts token t+1. At most 16 positions train: longer sentences are cut (**✂**, and the
  words past the block struck through).
- **Predictions**: for each position, p(target) is the softmax probability of the right next
  word, its rank among all tokens, and loss = −ln p; **▲** marks the worst position (the
  largest loss). The step's loss is their sum divided by n, exactly as the training loop
  computes it. **✓** marks the target among the top guesses. **▶** in the distribution marks
  the target word.
- **Embedding gradients**: one cell per token-embedding row (597: the 596 words, then
  BOS). `░▒▓█` got a gradient this step, darker for a larger norm (relative to the largest
  this step); `•` got none but still moved, carried by Adam's momentum m; `∘` resting: had
  a gradient in an earlier step, and m has run out; `·` never got a gradient; `-` (when
  fine-tuning) a word the corpus does not contain, which no step can touch. **e** switches
  to all steps: in how many steps each row got a gradient (`░ 1`, `▒ 2–9`, `▓ 10–99`,
  `█ 100+`). `pos` lists the position-embedding rows the same way. Focus it (4) to move
  its cursor with the arrows.
- **Adam**: m and v are running means of the gradient and its square; m̂ and v̂ correct
  their start-up bias (1 − β^t, written with `≈` when rounded to six digits; it reaches 1
  as t grows, and the screen says when β^t has rounded away); the
  update is `lr_t · m̂ / (√v̂ + 1e-8)` and the weight goes from data to data − update. The
  first watch follows the sentence (**↻**): an entry of the first word's embedding row,
  which gets a gradient on every step; **x** on it stops the following. The sparklines
  `▁▂▃▄▅▆▇█` draw m and v over the last 30 steps, on the scale written above them (m's
  middle is 0).
- **Loss**: each step's loss, the running mean of the last 100 steps, and the loss of a
  random guess, ln(vocabulary size) (6.39 for 597 tokens), where an untrained model starts;
  fine-tuning, `◆` the original-corpus loss where it was measured; `■` the held-out loss
  where it was measured (`▪` between measurements).

## Inside a step
- **.** walks the step through the tutorial's five stages, one press each: pick the
  sentence and tokenize it; feed one position (the KV cache gains a row per layer, the
  predictions a row); the loss (−log p at each position, their sum, the mean); backward
  (the rows the sentence touched light up; how many parameters got a gradient); Adam's
  update. The line under the tokens names the stage and what it did. Nothing is trained
  before the update: **b** drops the step, **space** finishes it.
- **t** shows the attention where the distribution was: every head's weights at the
  selected position over the positions it may see (0 … position; each head's sum is 1),
  the largest of each head in bold; **t** again, one head's whole causal matrix in % (**[**
  and **]** choose the head); again, the next-word bars. They are the weights the forward
  pass that trained used.
- **a**: before → after. The step's sentence runs forward again with the updated weights
  (on the twin engine, changing nothing of the run): p(target) before → after, Δloss (▼
  better, ▲ worse) and the loss before → after.

## Inside the engine
- **c**: a gradient check of the selected watched parameter. The loss is measured with the
  parameter moved ε = 1e-5 either way, and the slope (L(θ + ε) − L(θ − ε)) / 2ε is set
  beside the engine's gradient: they agree when their relative error is below 1e-6. It is
  checked where the gradient shown came from: the step walked with **.**, else the step
  shown (on a copy of the model with the weights before its update: the engine's number is
  the `grad` of its Adam entry), else the next step. A parameter where a ReLU switches
  within ε is named a kink; a gradient too small for float64 to measure, so. **k** checks 8
  entries of the same matrix (of an embedding, of the sentence's rows). The run does not
  change.
- **v**: the step's computation graph, from the loss down (the step shown, rebuilt on a
  copy of the model with its weights before the update). Every node shows its op, data,
  grad and the local gradient to each child; a fused node (a dot product, a linear row, a
  softmax) says what it stands for, and **o** opens it into the reference's primitive
  nodes. **/** finds a parameter's leaf; esc closes.
- **f**: where the selected watched parameter's gradient came from: the terms backward
  added into it, one per position whose forward pass used it (in the engine's order, the
  reference's: they sum to the gradient Adam used, exactly); for an embedding entry, the
  positions that used its row and their part of its gradient; the main paths from the
  loss down to it, each with its part of the gradient (the product of every edge's
  share of the gradient below it). **v** there finds it in the graph.

## Presenting
- **p**, or `microgpt --present`: presenter mode, for a projector. One panel at a time, given
  all the room the terminal has, its name and place in its title (`2 of 5: Distribution`);
  **tab** and **shift+tab** turn to the next and previous panel (keys 1-5 still choose one).
  Under the status, one line says what the shown step or stage is doing, in the tutorial's
  words and with its numbers. A high-contrast theme (black on white, heavy black borders)
  comes with it; **p** again puts the layout and the theme back. No state is told by colour
  alone anywhere (a glyph, a weight or a number says it too), in any theme of the palette's
  switcher, and with `NO_COLOR` set.

## Asking the model
- **i** asks the model as it is now, on the training thread between two steps; nothing of
  the run changes (**shift+tab** then **← →**, or a click, changes the tab; **esc** closes).
  **Generate**: sentences sampled as `microgpt generate` samples them
  (the same code: the same model, options and seed give the same sentences), from a
  generator of their own (the seed field; the run's generator is never used). **↑ ↓**
  choose a sentence, **← →** a word of it: the distribution that word was drawn from
  after temperature, top-k and top-p (**▶** the word drawn; how many words the filter
  kept, the rest at p = 0). **Your sentence**: what the model predicts at each position
  of a sentence you type, in the Predictions panel's columns, and its loss Σ / n, the
  numbers a step on it would show (a word outside the vocabulary is named, with the
  closest ones). **t** there trains one step on it as a what-if, shown in place of the
  run's step and marked so; **b** goes back to the run's, which never changed.

## Going back, and running until
- **b** restores the exact state before the last step; **g** goes to any step, forward or
  back. Stepping forward again gives the very same traces (training is deterministic: the
  past is kept as snapshots every 10 steps nearby and every 250 steps farther, and replayed).
  A go-to that a condition or NaN stops says so, naming both steps.
- **u** lists conditions such as `loss < 3.2`, `mean < 3.5`, `loss > 2x mean`,
  `p(cat) < 1%`, `grad cat`, `m flips token_embedding[cat][0]`; a run pauses when one holds.
  To remove one: **u**, then **tab** to the list, **↑ ↓** to select it, and **delete** (or
  **x**). NaN or infinity always pause, before the update, naming where they appeared.
- **s** saves the whole run (resume with `microgpt --resume FILE`); **m** exports the model
  in the tutorial's format. **q** with steps not saved asks first: **q** again or **y**.

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
            yield Static(Text(CLOSING, style="bold"), id="help-closing")
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
