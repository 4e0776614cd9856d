"""Adam, as the tutorial's training loop writes it: moment buffers m and v per parameter,
bias correction, a learning rate that decays linearly to zero over the schedule, and
gradients reset to zero after every update.

The update is computed for all parameters at once with elementwise numpy operations,
which are exact IEEE operations in the reference's order, so each parameter gets
the very number the reference's per-parameter loop gives it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from core.reference import jsmath


@dataclass(frozen=True)
class AdamConfig:
    """The tutorial's training settings."""

    learning_rate: float = 0.01
    beta1: float = 0.85  # decay of m, the running mean of gradients
    beta2: float = 0.99  # decay of v, the running mean of squared gradients
    eps: float = 1e-8  # keeps the step finite where v is ~0
    num_steps: int = 5000  # schedule length: the learning rate reaches 0 here

    def lr_at(self, step: int) -> float:
        """The learning rate used at `step` (0-based)."""
        return self.learning_rate * (1 - step / self.num_steps)

    def bias_corrections(self, step: int) -> tuple[float, float]:
        """1 - beta1^t and 1 - beta2^t for t = step + 1 (JavaScript's ** is fdlibm's pow)."""
        return _bias_corrections(self.beta1, self.beta2, step + 1)


@lru_cache(maxsize=16)
def _bias_corrections(beta1: float, beta2: float, t: int) -> tuple[float, float]:
    # Remembered: a step asks for them once per watched parameter, and fdlibm's pow in
    # Python costs some 20 microseconds, as much as a third of a twin step.
    return 1 - jsmath.pow(beta1, t), 1 - jsmath.pow(beta2, t)


@dataclass(frozen=True)
class AdamEntry:
    """One parameter's journey through one Adam update."""

    data_before: float
    data_after: float
    grad: float
    m_before: float
    v_before: float
    m: float
    """beta1 * m_before + (1 - beta1) * grad"""
    v: float
    """beta2 * v_before + (1 - beta2) * grad²"""
    bias1: float
    """1 - beta1^t"""
    bias2: float
    """1 - beta2^t"""
    m_hat: float
    """m / bias1"""
    v_hat: float
    """v / bias2"""
    lr: float
    """the learning rate of this step"""
    update: float
    """lr * m_hat / (sqrt(v_hat) + eps): what was subtracted from the parameter"""
    beta1: float
    """the run's decay of m, which this update used"""
    beta2: float
    """the run's decay of v"""
    eps: float
    """the run's epsilon"""

    # Numbers derived from the fields, each computed by the very expression the update
    # used, so that what a screen shows is what Adam used.

    @property
    def grad_weight_m(self) -> float:
        """1 - beta1: how much of this step's gradient goes into m."""
        return 1 - self.beta1

    @property
    def grad_weight_v(self) -> float:
        """1 - beta2: how much of this step's squared gradient goes into v."""
        return 1 - self.beta2

    @property
    def sqrt_v_hat(self) -> float:
        """√v̂, the update's denominator before eps is added."""
        return math.sqrt(self.v_hat)

    def beta_powers(self, t: int) -> tuple[float, float]:
        """beta1^t and beta2^t at the 1-based step t, by the pow that made bias1 and bias2
        (1 - beta1^t rounds to exactly 1 once beta1^t is below ~1e-16: this says what was
        lost)."""
        return jsmath.pow(self.beta1, t), jsmath.pow(self.beta2, t)


class Adam:
    """The optimizer state: m and v, one entry per parameter."""

    def __init__(self, count: int, config: AdamConfig) -> None:
        self.config = config
        self.m = np.zeros(count)
        self.v = np.zeros(count)

    def update(self, data: np.ndarray, grad: np.ndarray, step: int) -> np.ndarray:
        """Apply one update in place (data, m, v; grad is zeroed) and return the update
        that was subtracted from each parameter."""
        c = self.config
        lr = c.lr_at(step)
        bias1, bias2 = c.bias_corrections(step)
        self.m[:] = c.beta1 * self.m + (1 - c.beta1) * grad
        self.v[:] = c.beta2 * self.v + (1 - c.beta2) * (grad * grad)  # grad ** 2 is grad * grad
        m_hat = self.m / bias1
        v_hat = self.v / bias2
        update = lr * m_hat / (np.sqrt(v_hat) + c.eps)
        data -= update
        grad[:] = 0.0
        return update

    def apply(self, data: np.ndarray, grad: np.ndarray, step: int) -> None:
        """The same update as `update`, to the same bits, compiled into one pass over the
        parameters (the twin engine's; about 6 times faster), without returning it."""
        from core.model.twin_kernel import adam_update  # imports numba: only when used

        c = self.config
        bias1, bias2 = c.bias_corrections(step)
        adam_update(
            data,
            grad,
            self.m,
            self.v,
            c.lr_at(step),
            c.beta1,
            c.beta2,
            1 - c.beta1,
            1 - c.beta2,
            bias1,
            bias2,
            c.eps,
        )

    def entry(
        self, index: int, step: int, before: tuple[float, float, float, float], data_after: float
    ) -> AdamEntry:
        """Everything about parameter `index`'s update at `step`, given what it was before
        (data, grad, m, v), recomputed as scalars exactly as the vectorised update did."""
        c = self.config
        data_before, grad, m_before, v_before = before
        lr = c.lr_at(step)
        bias1, bias2 = c.bias_corrections(step)
        m = float(self.m[index])
        v = float(self.v[index])
        m_hat, v_hat = m / bias1, v / bias2
        update = lr * m_hat / (math.sqrt(v_hat) + c.eps)
        return AdamEntry(
            data_before,
            data_after,
            grad,
            m_before,
            v_before,
            m,
            v,
            bias1,
            bias2,
            m_hat,
            v_hat,
            lr,
            update,
            c.beta1,
            c.beta2,
            c.eps,
        )
