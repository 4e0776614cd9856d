"""Turning a step's live values into the plain data of its trace (`core.training.trace`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from core.autograd.engine import Value
from core.autograd.params import MatrixSpec, Parameters
from core.autograd.primitives import Softmax
from core.model.tokenizer import Tokenizer
from core.training.trace import Guess, PositionTrace, RowGradient, RowState

TOP_GUESSES = 10


def position_trace(
    pos: int,
    tokens: Sequence[int],
    words: Sequence[str],
    softmax: Softmax,
    loss: Value,
    tokenizer: Tokenizer,
) -> PositionTrace:
    """The prediction at `pos`, from its distribution and its loss node."""
    dist = softmax.values()
    target = tokens[pos + 1]
    p = float(dist[target])
    top = np.argsort(-dist, kind="stable")[:TOP_GUESSES].tolist()
    return PositionTrace(
        position=pos,
        input_token=tokens[pos],
        input_word=words[pos],
        target_token=target,
        target_word=words[pos + 1],
        prob=p,
        rank=1 + int(np.count_nonzero(dist > p)),
        loss=loss.data,
        top=tuple(Guess(t, tokenizer.label(t), float(dist[t])) for t in top),
        probs=dist.tobytes(),
    )


def row_gradients(grad_rows: np.ndarray, label: Callable[[int], str]) -> tuple[RowGradient, ...]:
    """The rows of a gradient matrix that are not all zero, with their norms."""
    rows = np.flatnonzero(np.any(grad_rows != 0.0, axis=1))
    touched = grad_rows[rows]
    norms = np.sqrt(np.add.reduce(touched * touched, axis=1))
    return tuple(RowGradient(int(r), label(int(r)), float(x)) for r, x in zip(rows, norms))


def candidate_row_gradients(
    grad_rows: np.ndarray, candidates: Sequence[int], label: Callable[[int], str]
) -> tuple[RowGradient, ...]:
    """`row_gradients` when only the `candidates` rows can be non-zero (the rows of a
    sentence's tokens): the same rows and norms, without scanning the others."""
    rows = np.array(sorted(set(candidates)), dtype=np.intp)
    found = row_gradients(grad_rows[rows], lambda i: "")
    return tuple(RowGradient(int(rows[r.row]), label(int(rows[r.row])), r.norm) for r in found)


def norm(values: np.ndarray) -> float:
    """Euclidean norm, without BLAS (np.linalg.norm calls BLAS, whose threads were seen
    to take a millisecond per call on a busy machine). For display only."""
    return float(np.sqrt(np.add.reduce(values * values)))


class GradientReport:
    """What a trace reports of the gradients, read before Adam resets them."""

    def __init__(
        self,
        token_rows: tuple[RowGradient, ...],
        position_rows: tuple[RowGradient, ...],
        matrix_norms: tuple[tuple[str, float], ...],
    ) -> None:
        self.token_rows = token_rows
        self.position_rows = position_rows
        self.matrix_norms = matrix_norms

    @classmethod
    def read(cls, params: Parameters, tokenizer: Tokenizer) -> GradientReport:
        return cls(
            row_gradients(params["token_embedding"].grad_rows, tokenizer.label),
            row_gradients(params["position_embedding"].grad_rows, str),
            tuple((s.name, norm(params.grad[s.offset : s.offset + s.size])) for s in params.specs),
        )


def moved_rows(update: np.ndarray, spec: MatrixSpec) -> tuple[int, ...]:
    """The rows of a matrix whose values this update changed."""
    rows = update[spec.offset : spec.offset + spec.size].reshape(spec.rows, spec.cols)
    return tuple(np.flatnonzero(np.any(rows != 0.0, axis=1)).tolist())


_STATES = tuple(RowState)  # by value


def row_states(
    hits: np.ndarray,
    moved: Sequence[int],
    gradient: Sequence[RowGradient],
    in_corpus: np.ndarray | None = None,
) -> tuple[RowState, ...]:
    """Each row's state: GRADIENT if it got one this step, else MOMENTUM if the update
    moved it, else RESTING if it got a gradient before (`hits` counts this step), else
    OUTSIDE if its word is not in the corpus (`in_corpus`, per row), else NEVER."""
    states = np.where(hits > 0, RowState.RESTING, RowState.NEVER)
    if in_corpus is not None:
        states[(hits == 0) & ~in_corpus] = RowState.OUTSIDE
    states[np.asarray(moved, dtype=np.intp)] = RowState.MOMENTUM
    states[np.asarray([r.row for r in gradient], dtype=np.intp)] = RowState.GRADIENT
    return tuple(map(_STATES.__getitem__, states.tolist()))
