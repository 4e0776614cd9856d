"""A step taken stage by stage, as far as it has got: the record a debugger shows while it
stops inside a step. The five stages are the tutorial's (its chapter on the training
loop): pick a sentence and tokenize it, feed its tokens forward position by position, the
loss, the backward pass, Adam's update. A leaf module of records, like the trace."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from core.training.attention import AttentionWeights
from core.training.trace import PositionTrace, RowGradient, RowState, StepTrace


class Stage(IntEnum):
    """The stages of one training step, in order."""

    TOKENIZE = 1
    """Pick sentence step % len and encode it: BOS, the words' ids, BOS."""
    FORWARD = 2
    """Feed one token: the KV cache grows by a row per layer, 597 scores come out."""
    LOSS = 3
    """−log p(target) at each position, their sum, and the mean over n."""
    BACKWARD = 4
    """The chain rule from the loss to every parameter: the gradients."""
    UPDATE = 5
    """Adam: m, v, the bias corrections, lr_t, and every parameter moved."""


@dataclass(frozen=True)
class StepProgress:
    """What the stages done so far of one step have computed (nothing of it is trained
    until the update: going back from any earlier stage drops it, the run unchanged)."""

    stage: Stage
    """The last stage done (FORWARD once per position)."""
    step: int
    """0-based index of the step."""
    num_steps: int
    sentence_index: int
    """step % num_sentences."""
    num_sentences: int
    sentence: str
    tokens: tuple[int, ...]
    words: tuple[str, ...]
    n: int
    """Positions to feed: min(block_size, len(tokens) - 1)."""
    block_size: int
    """The longest context the model takes (its position embedding's rows)."""
    truncated: bool
    lr: float
    """lr_t, the learning rate this step's update uses."""
    bias_corrections: tuple[float, float]
    """1 - beta1^t and 1 - beta2^t, t = step + 1."""
    positions: tuple[PositionTrace, ...]
    """The positions fed so far, in order."""
    attention: AttentionWeights
    """The attention of the positions fed so far."""
    loss_sum: float | None
    """Σ of the n position losses, from the loss stage on."""
    loss: float | None
    """loss_sum / n, from the loss stage on."""
    parameter_count: int
    gradient_count: int | None
    """Parameters with a non-zero gradient, from the backward stage on."""
    token_rows: tuple[RowGradient, ...]
    """From the backward stage on: the token-embedding rows with a gradient."""
    position_rows: tuple[RowGradient, ...]
    token_row_hits: tuple[int, ...]
    """Per row, the steps so far in which it got a gradient (this one counted from the
    backward stage on)."""
    token_row_states: tuple[RowState, ...]
    """Per row, what the step did to it so far: before the update no row has moved, so
    none is MOMENTUM yet."""
    trace: StepTrace | None
    """The step's trace, once updated: the same as a step taken whole."""

    token_rows_moved: tuple[int, ...] = ()  # none before the update (then: the trace's)

    @property
    def fed(self) -> int:
        """Positions fed: the rows each layer's KV cache holds."""
        return len(self.positions)

    @property
    def worst_position(self) -> int:
        """Among the positions fed, the one with the largest loss (the first, on a tie)."""
        worst = max(self.positions, key=lambda p: p.loss, default=None)
        return worst.position if worst is not None else 0

    def rows_in(self, state: RowState) -> int:
        return self.token_row_states.count(state)


StepShown = StepTrace | StepProgress
"""A step as the sentence's views show it: whole, or as far as its stages have got (the
two records share the names of what those views read)."""
