"""Turning a step's live values into the plain data of its trace (`core.trace`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from core.engine import Value
from core.primitives import Softmax
from core.tokenizer import Tokenizer
from core.trace import Guess, PositionTrace, RowGradient

TOP_GUESSES = 10


def position_traces(
    tokens: Sequence[int],
    words: Sequence[str],
    probs: Sequence[Softmax],
    losses: Sequence[Value],
    tokenizer: Tokenizer,
) -> tuple[PositionTrace, ...]:
    traces = []
    for pos, (softmax, loss) in enumerate(zip(probs, losses)):
        dist = softmax.values()
        target = tokens[pos + 1]
        p = float(dist[target])
        top = np.argsort(-dist, kind="stable")[:TOP_GUESSES].tolist()
        traces.append(
            PositionTrace(
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
        )
    return tuple(traces)


def row_gradients(grad_rows: np.ndarray, label: Callable[[int], str]) -> tuple[RowGradient, ...]:
    """The rows of a gradient matrix that are not all zero, with their norms."""
    rows = np.flatnonzero(np.any(grad_rows != 0.0, axis=1))
    touched = grad_rows[rows]
    norms = np.sqrt(np.add.reduce(touched * touched, axis=1))
    return tuple(RowGradient(int(r), label(int(r)), float(x)) for r, x in zip(rows, norms))


def norm(values: np.ndarray) -> float:
    """Euclidean norm, without BLAS (np.linalg.norm calls BLAS, whose threads were seen
    to take a millisecond per call on a busy machine). For display only."""
    return float(np.sqrt(np.add.reduce(values * values)))
