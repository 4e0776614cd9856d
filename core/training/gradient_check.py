"""A gradient check: the engine's gradient of a parameter against the slope of the loss
measured around it, (L(θ + ε) − L(θ − ε)) / 2ε, on one sentence. The tutorial says what a
gradient is ("if I increase this parameter by a tiny amount, how much does the loss
change?"); this measures it. Nothing of the run changes: each weight is put back as it was,
bit for bit, the gradients are left as they were found, and no generator is drawn from."""

from __future__ import annotations

import random
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from core.model.gpt import Model
from core.model.loss import sentence_loss
from core.training.staged_step import collector_paused

EPSILON = 1e-5
"""The step either side: small enough that the loss is nearly a line over 2ε (the error of
the central difference shrinks as ε²), large enough that float64 rounding of the loss
(about 1e-16 of it) stays far below the change measured."""
AGREES_BELOW = 1e-6  # relative error under which the two count as the same number
KINK_RATIO = 0.01  # the two one-sided slopes differ by more than this share: not smooth


@dataclass(frozen=True)
class GradientCheck:
    """One parameter's gradient, from the engine and from the loss's slope."""

    index: int
    name: str
    value: float
    """θ, the parameter as it is (and is again after the check)."""
    epsilon: float
    loss: float
    """L(θ): the sentence's loss with the weights as they are."""
    loss_plus: float
    """L(θ + ε)."""
    loss_minus: float
    """L(θ − ε)."""
    numeric: float
    """(L(θ + ε) − L(θ − ε)) / 2ε, with 2ε the distance between the two weights as floats."""
    engine: float
    """∂L/∂θ from the scalar engine's backward pass on the same sentence and weights."""
    noise: float
    """The slope's rounding floor: float64's relative precision of the loss, over 2ε."""

    @property
    def relative_error(self) -> float:
        """|numeric − engine| / max(|numeric|, |engine|); 0 when both are 0."""
        scale = max(abs(self.numeric), abs(self.engine))
        return abs(self.numeric - self.engine) / scale if scale else 0.0

    @property
    def agrees(self) -> bool:
        return self.relative_error < AGREES_BELOW

    @property
    def below_noise(self) -> bool:
        """The gradient is too small for float64 to measure its slope to 1e-6: the loss's
        rounding alone, over 2ε, is more than that share of it."""
        return self.noise > AGREES_BELOW * abs(self.engine)

    @property
    def kink(self) -> bool:
        """The slope is not the same either side of θ: the loss bends sharply within ε
        (a ReLU switching on or off), where a central difference averages two slopes."""
        h = self.epsilon
        right, left = (self.loss_plus - self.loss) / h, (self.loss - self.loss_minus) / h
        return abs(right - left) > KINK_RATIO * max(abs(right), abs(left), self.noise)

    @property
    def verdict(self) -> str:
        """In words: agreed, or why not."""
        if self.agrees:
            return "agrees"
        if self.kink:
            return "at a kink: the slope differs either side (a ReLU switched within ε)"
        if self.below_noise:
            return (
                f"too small to check to {AGREES_BELOW:g}: float64's rounding of the loss over "
                f"2ε (±{self.noise:.1e}) is that much of it"
            )
        return "disagrees"


@dataclass(frozen=True)
class GradientReport:
    """Checks on the sentence the coming update learns from."""

    step: int
    """0-based: the step whose gradients these are (its sentence, the weights before its
    update)."""
    sentence: str
    which: str
    """"walked": the step walked stage by stage; "shown": the step shown, whose trace has
    these gradients; "next": the step space would take; "what-if": the what-if step shown,
    on the user's sentence."""
    checks: tuple[GradientCheck, ...]

    @property
    def agreed(self) -> int:
        return sum(c.agrees for c in self.checks)


def check_gradients(
    model: Model, tokens: Sequence[int], indices: Sequence[int], epsilon: float = EPSILON
) -> tuple[GradientCheck, ...]:
    """Check the parameters `indices` on the encoded sentence `tokens`, with the weights as
    they are. Call it where steps are taken (it moves weights for a moment)."""
    from core.model.twin import Twin  # imported here: it loads numba

    params = model.params
    found = params.grad.copy()  # a step walked to its backward pass keeps its gradient
    tokens = list(tokens)
    try:
        params.grad[:] = 0.0
        with collector_paused(), np.errstate(all="ignore"):
            sentence_loss(model, tokens).loss.backward()
            engine = params.grad.copy()
        twin = Twin(model)  # the forward passes: the same floats, without a graph
        loss = twin.loss(tokens)
        checks = []
        for i in indices:
            value = params.data[i]
            up, down = value + epsilon, value - epsilon
            try:
                params.data[i] = up
                loss_plus = twin.loss(tokens)
                params.data[i] = down
                loss_minus = twin.loss(tokens)
            finally:
                params.data[i] = value  # the very float it was
            width = float(up - down)
            checks.append(
                GradientCheck(
                    index=int(i),
                    name=params.name_of(int(i)),
                    value=float(value),
                    epsilon=epsilon,
                    loss=loss,
                    loss_plus=loss_plus,
                    loss_minus=loss_minus,
                    numeric=(loss_plus - loss_minus) / width,
                    engine=float(engine[i]),
                    noise=2 * sys.float_info.epsilon * abs(loss) / width,
                )
            )
        return tuple(checks)
    finally:
        params.grad[:] = found


def sample_of(
    model: Model, matrix: str, k: int, seed: int = 0, rows: Iterable[int] | None = None
) -> list[int]:
    """k flat indices of one weight matrix (of its `rows` only, when given), drawn with a
    generator of their own (never the run's), in order."""
    spec = model.params[matrix].spec
    chosen = sorted(set(rows)) if rows is not None else range(spec.rows)
    cells = [r * spec.cols + c for r in chosen for c in range(spec.cols)]
    picked = random.Random(seed).sample(cells, min(k, len(cells)))
    return sorted(spec.offset + j for j in picked)
