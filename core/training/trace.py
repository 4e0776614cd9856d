"""The step trace: everything one training step did, as frozen plain data (numbers,
strings, tuples), never live `Value`s, which the next step reuses and mutates.

This is the contract between the core and any interface: read this file to learn
everything the debugger can show. Traces are deterministic: the same corpus, seed and
step give equal traces (timings aside), which is what rewind and replay rely on.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Protocol

from core.training.attention import AttentionWeights
from core.training.optimizer import AdamEntry


@dataclass(frozen=True)
class Guess:
    """One candidate next word and the probability the model gave it."""

    token: int
    word: str
    prob: float


@dataclass(frozen=True)
class PositionTrace:
    """The prediction at one position: having seen tokens[0..position], the model
    predicts tokens[position + 1]."""

    position: int
    """0-based; also the position-embedding row used."""
    input_token: int
    input_word: str
    target_token: int
    target_word: str
    prob: float
    """p(target): the probability the model gave the right next word."""
    rank: int
    """Where the target stands among all tokens, 1 = the model's top guess."""
    loss: float
    """-log p(target): this position's cross-entropy."""
    top: tuple[Guess, ...]
    """The most likely next words, most likely first (ten of them)."""
    probs: bytes = field(repr=False)
    """The whole distribution over the vocabulary, as float64s; see `distribution()`."""

    def distribution(self) -> tuple[float, ...]:
        """p(token) for every token id."""
        return tuple(array("d", self.probs))


@dataclass(frozen=True)
class RowGradient:
    """An embedding row that received a gradient this step."""

    row: int
    """Row id: the token id (token embedding) or the position (position embedding)."""
    label: str
    """The word, BOS, or the position number."""
    norm: float
    """Euclidean norm of the row's gradient."""


class RowState(IntEnum):
    """What one step did to a token-embedding row. Only the rows of the sentence's words
    get a gradient, yet Adam moves every row whose m is not zero."""

    NEVER = 0
    """Has never had a gradient, and did not move."""
    RESTING = 1
    """Had a gradient in an earlier step, but this update left it where it was."""
    MOMENTUM = 2
    """No gradient this step, yet moved: carried by Adam's momentum alone."""
    GRADIENT = 3
    """Got a gradient this step."""
    OUTSIDE = 4
    """Not a word of the corpus being trained on, so no step can give it a gradient (when
    fine-tuning on a corpus with fewer words than the model's vocabulary)."""


@dataclass(frozen=True)
class WatchedParameter:
    """A parameter the caller asked to follow through Adam."""

    index: int
    """Flat parameter index (the reference's parameter order)."""
    name: str
    """Readable name, e.g. token_embedding[cat][3]."""
    adam: AdamEntry
    """Data, gradient, m, v and the update, before and after this step."""


@dataclass(frozen=True)
class Timings:
    """Wall-clock time of the step's stages, in milliseconds (not deterministic)."""

    forward_ms: float
    """Building the graph and computing the loss."""
    backward_ms: float
    """Topological sort and the chain rule."""
    update_ms: float
    """Adam."""
    original_ms: float = 0.0
    """Measuring the original-corpus loss, when fine-tuning (not part of the step)."""
    held_out_ms: float = 0.0
    """Measuring the held-out loss, on the steps it is due (not part of the step)."""

    @property
    def total_ms(self) -> float:
        return self.forward_ms + self.backward_ms + self.update_ms


@dataclass(frozen=True)
class StepTrace:
    """One training step: one sentence forward, backward, and one Adam update."""

    step: int
    """0-based index of this step; the learner's "step k of N" is step + 1."""
    num_steps: int
    """Length of the learning-rate schedule."""
    sentence_index: int
    """Which sentence of the shuffled corpus: step % number of sentences."""
    sentence: str
    tokens: tuple[int, ...]
    """The encoded sentence: BOS, word ids, BOS."""
    words: tuple[str, ...]
    """The tokens as words (BOS for BOS)."""
    n: int
    """Positions trained: min(block size, len(tokens) - 1)."""
    truncated: bool
    """The sentence was longer than the block allows and was cut to n positions."""
    positions: tuple[PositionTrace, ...]
    loss_sum: float
    """Σ of the n position losses, added left to right as the reference does."""
    loss: float
    """The step's loss: loss_sum / n (computed as loss_sum * n**-1, as the reference)."""
    lr: float
    """The learning rate used: the peak (0.01 unless set) * (1 - step / num_steps)."""
    token_rows: tuple[RowGradient, ...]
    """Token-embedding rows that received a non-zero gradient, by row id."""
    position_rows: tuple[RowGradient, ...]
    """Position-embedding rows that received a non-zero gradient."""
    token_rows_moved: tuple[int, ...]
    """Token-embedding rows whose values changed in this update: those with a gradient,
    and those carried by Adam's momentum alone (zero gradient, non-zero m)."""
    token_row_hits: tuple[int, ...]
    """Per token-embedding row: in how many steps so far (this one included) it got a
    gradient."""
    token_row_states: tuple[RowState, ...]
    """Per token-embedding row: what this step did to it."""
    matrix_grad_norms: tuple[tuple[str, float], ...]
    """(matrix name, Euclidean norm of its gradient), in the reference's order."""
    gradient_count: int
    """Parameters whose gradient was not zero (of all the model's): every weight of the
    layers, but only the sentence's rows of the embeddings."""
    attention: AttentionWeights
    """Each head's attention weights at each position, from the forward pass that trained."""
    watched: tuple[WatchedParameter, ...]
    nodes: int
    """Graph nodes the backward pass walked (fused nodes count one each)."""
    reference_nodes: int
    """Nodes the reference's one-op-per-node graph has for the same loss."""
    timings: Timings = field(compare=False)
    original_loss: float | None = None
    """When fine-tuning, on the steps it is measured: the loss on the fixed sample of the
    corpus the model was first trained on, after this step's update."""
    original_rise: float | None = None
    """original_loss minus its value before the first fine-tuning step: what was forgotten."""
    held_out_loss: float | None = None
    """With a held-out set, on the steps it is measured: the mean loss of its sentences
    (never trained on) after this step's update."""
    what_if: bool = False
    """A what-if: the step the run would take next, on a sentence the user typed instead
    of the corpus's, taken on a copy of the run (which it never changes); sentence_index
    is then -1."""

    def targets(self) -> tuple[Target, ...]:
        """Each position's target and the probability the model gave it."""
        return tuple(Target(p.position, p.target_token, p.prob) for p in self.positions)

    def rows_in(self, state: RowState) -> int:
        """How many token-embedding rows this step left in `state`."""
        return self.token_row_states.count(state)

    @property
    def worst_position(self) -> int:
        """The position with the largest loss, −ln p(target) (the first, on a tie): where
        the model was most wrong, and whose gradient weighs most in this step."""
        return max(self.positions, key=lambda p: p.loss).position


@dataclass(frozen=True)
class Target:
    """The word a position had to predict, and the probability the model gave it."""

    position: int
    token: int
    prob: float


@dataclass(frozen=True)
class LightTrace:
    """A step taken by the twin engine, for fast-forward: what it takes to draw the loss
    chart, keep the history and check the run-until conditions, without the per-position
    distributions a full `StepTrace` carries (the same numbers, where both have them)."""

    step: int
    sentence_index: int
    tokens: tuple[int, ...]
    n: int
    loss: float
    lr: float
    target_probs: tuple[float, ...]
    """p(target) at each of the n positions."""
    token_rows: tuple[RowGradient, ...]
    """As StepTrace.token_rows."""
    watched: tuple[WatchedParameter, ...]
    original_loss: float | None = None
    original_rise: float | None = None
    held_out_loss: float | None = None

    def targets(self) -> tuple[Target, ...]:
        return tuple(
            Target(pos, self.tokens[pos + 1], p) for pos, p in enumerate(self.target_probs)
        )


class StepFacts(Protocol):
    """What both kinds of trace tell: all a run-until condition may look at."""

    @property
    def step(self) -> int: ...
    @property
    def loss(self) -> float: ...
    @property
    def token_rows(self) -> tuple[RowGradient, ...]: ...
    @property
    def watched(self) -> tuple[WatchedParameter, ...]: ...
    @property
    def original_loss(self) -> float | None: ...
    @property
    def original_rise(self) -> float | None: ...
    def targets(self) -> tuple[Target, ...]: ...
