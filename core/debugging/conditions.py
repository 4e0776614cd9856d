"""Model-level breakpoints: conditions on a training step that make a run pause.

Written as short text, so they are quick to type and can be saved with a run:
    loss > 4            loss < 3.2          loss > 2x mean   (the running mean: core.training.stats)
    mean < 5            mean > 6            (the running mean itself, this step included)
    p(cat) < 0.01       p(cat) < 1%         (cat is a target with a low probability)
    grad cat            (cat's token-embedding row receives a gradient)
    m flips token_embedding[cat][0]         (a watched parameter's m changes sign)
    forgetting > 0.5    (fine-tuning: the original-corpus loss rose by more than 0.5)
    original > 4        (fine-tuning: the original-corpus loss itself)
NaN or infinity always pauses training; it needs no condition.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from core.autograd.params import Parameters
from core.errors import MicrogptError, ParameterNameError
from core.model.tokenizer import Tokenizer
from core.training.stats import MEAN_WINDOW, recent_mean
from core.training.trace import StepFacts
from core.training.trainer import Trainer

EXAMPLES = (
    "loss > 4",
    "loss < 3.2",
    "loss > 2x mean",
    "mean < 5",
    "p(cat) < 1%",
    "grad cat",
    "m flips token_embedding[cat][0]",
)
FORGETTING_EXAMPLES = ("forgetting > 0.5",)  # for fine-tuning runs only


def examples(forgetting: bool) -> tuple[str, ...]:
    """The conditions to suggest: those about forgetting only to a fine-tuning run."""
    return EXAMPLES + (FORGETTING_EXAMPLES if forgetting else ())


class ConditionError(MicrogptError):
    """A condition that cannot be understood."""


class Condition(Protocol):
    @property
    def text(self) -> str:
        """The condition as the learner wrote it (normalised)."""
        ...

    @property
    def watches(self) -> tuple[int, ...]:
        """Parameters that must be watched for the condition to be checked."""
        ...

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        """Why the step meets the condition, or None. `earlier`: the previous losses."""
        ...


@dataclass(frozen=True)
class LossBeyond:
    limit: float
    above: bool
    text: str
    watches: tuple[int, ...] = ()

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        hit = trace.loss > self.limit if self.above else trace.loss < self.limit
        return f"loss {trace.loss:.4f} {'>' if self.above else '<'} {self.limit:g}" if hit else None


@dataclass(frozen=True)
class LossSpike:
    factor: float
    text: str
    watches: tuple[int, ...] = ()

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        mean = recent_mean(earlier)
        if mean is not None and trace.loss > self.factor * mean.value:
            return (
                f"loss {trace.loss:.4f} > {self.factor:g} x the mean of the last "
                f"{mean.steps} ({mean.value:.4f})"
            )
        return None


@dataclass(frozen=True)
class MeanBeyond:
    """The running mean (this step included) crosses a value: steadier than one step's
    loss, which a single short sentence can swing."""

    limit: float
    above: bool
    text: str
    watches: tuple[int, ...] = ()

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        mean = recent_mean([*earlier[-MEAN_WINDOW:], trace.loss])
        if mean is None:
            return None
        if (mean.value > self.limit) if self.above else (mean.value < self.limit):
            sign = ">" if self.above else "<"
            return f"the mean of the last {mean.steps} is {mean.value:.4f} {sign} {self.limit:g}"
        return None


@dataclass(frozen=True)
class TargetUnlikely:
    token: int
    word: str
    limit: float
    text: str
    watches: tuple[int, ...] = ()

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        for p in trace.targets():
            if p.token == self.token and p.prob < self.limit:
                return f"p({self.word}) = {p.prob:.3g} < {self.limit:g} at position {p.position}"
        return None


@dataclass(frozen=True)
class RowGetsGradient:
    token: int
    word: str
    text: str
    watches: tuple[int, ...] = ()

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        for row in trace.token_rows:
            if row.row == self.token:
                return f"{self.word}'s embedding row got a gradient (norm {row.norm:.3g})"
        return None


@dataclass(frozen=True)
class MomentumFlips:
    index: int
    name: str
    text: str
    watches: tuple[int, ...] = field(default=())

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        for w in trace.watched:
            if w.index == self.index and w.adam.m_before * w.adam.m < 0:
                return f"m of {self.name} changed sign: {w.adam.m_before:+.3e} → {w.adam.m:+.3e}"
        return None


@dataclass(frozen=True)
class Forgets:
    """Fine-tuning: the original-corpus loss, measured every few steps, rose by more than
    `limit` since the model was loaded (`rise`), or is beyond `limit` itself."""

    limit: float
    rise: bool
    above: bool
    text: str
    watches: tuple[int, ...] = ()

    def check(self, trace: StepFacts, earlier: Sequence[float]) -> str | None:
        if trace.original_loss is None or trace.original_rise is None:
            return None  # not measured at this step
        if self.rise:
            if trace.original_rise > self.limit:
                return (
                    f"the original-corpus loss rose by {trace.original_rise:.4f} > "
                    f"{self.limit:g} (now {trace.original_loss:.4f})"
                )
            return None
        value = trace.original_loss
        if value > self.limit if self.above else value < self.limit:
            sign = ">" if self.above else "<"
            return f"the original-corpus loss is {value:.4f} {sign} {self.limit:g}"
        return None


# 4, 3.2, .5, 1e-3. Each digit can belong to one place only: `[0-9]*\.?[0-9]+` could split
# a run of digits anywhere, and a long one that fails to match took quadratic time.
_NUMBER = r"((?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:e-?[0-9]+)?)"


def parse_condition(
    text: str, tokenizer: Tokenizer, params: Parameters, *, forgetting: bool = False
) -> Condition:
    """Read one condition; a ConditionError says what was not understood. `forgetting`:
    whether the run measures the original-corpus loss (a fine-tuning run does)."""
    t = " ".join(text.strip().lower().split())
    if m := re.fullmatch(rf"(forgetting|original) ([<>]) (-?{_NUMBER[1:-1]})", t):
        if not forgetting:
            raise ConditionError(
                f"'{m[1]}' needs a fine-tuning run, which measures the loss on the original "
                "corpus: start one with --model FILE --data CORPUS"
            )
        if m[1] == "forgetting" and m[2] == "<":
            raise ConditionError("forgetting pauses when it rises: write forgetting > a number")
        return Forgets(float(m[3]), m[1] == "forgetting", m[2] == ">", f"{m[1]} {m[2]} {m[3]}")
    if m := re.fullmatch(rf"loss ([<>]) {_NUMBER}", t):
        return LossBeyond(float(m[2]), m[1] == ">", f"loss {m[1]} {m[2]}")
    if m := re.fullmatch(rf"mean ([<>]) {_NUMBER}", t):
        return MeanBeyond(float(m[2]), m[1] == ">", f"mean {m[1]} {m[2]}")
    if m := re.fullmatch(rf"loss > {_NUMBER} ?(?:x|\*) ?mean", t):
        return LossSpike(float(m[1]), f"loss > {m[1]}x mean")
    if m := re.fullmatch(rf"p\((\S+)\) < {_NUMBER}(%?)", t):
        limit = float(m[2]) / (100 if m[3] else 1)
        return TargetUnlikely(_token(tokenizer, m[1]), m[1], limit, f"p({m[1]}) < {m[2]}{m[3]}")
    if m := re.fullmatch(r"grad (\S+)", t):
        return RowGetsGradient(_token(tokenizer, m[1]), m[1], f"grad {m[1]}")
    if m := re.fullmatch(r"m flips (\S+)", text.strip()):
        try:
            index = params.index_of(m[1])
        except ParameterNameError as err:
            raise ConditionError(str(err)) from None
        name = params.name_of(index)
        return MomentumFlips(index, name, f"m flips {name}", (index,))
    raise ConditionError(
        f"'{text.strip()}' is not a condition; try: " + ", ".join(examples(forgetting))
    )


def parse_for(text: str, trainer: Trainer) -> Condition:
    """A condition of this run: in its vocabulary and parameters, about forgetting only
    when it measures it (a fine-tuning run does)."""
    forgetting = trainer.forgetting is not None
    return parse_condition(text, trainer.tokenizer, trainer.model.params, forgetting=forgetting)


def _token(tokenizer: Tokenizer, word: str) -> int:
    token = tokenizer.id_of(word.upper() if word == "bos" else word)
    if token is None:
        raise ConditionError(f"'{word}' is not a word of the vocabulary")
    return token


def check_all(
    conditions: Sequence[Condition], trace: StepFacts, earlier: Sequence[float]
) -> str | None:
    """The reason the first met condition gives, or None."""
    for condition in conditions:
        reason = condition.check(trace, earlier)
        if reason is not None:
            return reason
    return None
