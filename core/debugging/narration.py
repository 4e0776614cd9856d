"""The narration: one plain sentence, in the tutorial's words and with the real numbers, of
what the shown step or stage is doing, for a presenter's screen (or anyone reading along).
Words only: an interface draws the sentence, and never computes a number of it again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from core.debugging.session_state import Mode, SessionState
from core.training.stages import Stage, StepProgress
from core.training.stats import recent_mean
from core.training.trace import PositionTrace, RowState, StepTrace

CONTEXT_WORDS = 8  # words of the context the long form quotes (the nearest ones)
SHORT_CONTEXT_WORDS = 2  # and the short form


@dataclass(frozen=True)
class Narration:
    """What is going on, said once in full and once short."""

    text: str
    """The whole sentence."""
    short: str
    """The same thing in fewer words (the same numbers, fewer of them), for one line of an
    80-column screen (76 cells, with a margin and a mark) where the corpus's words allow."""


def narrate(
    shown: StepTrace | StepProgress | None,
    state: SessionState,
    losses: Sequence[float] = (),
) -> Narration:
    """The sentence for `shown` (a step walked stage by stage, a whole step's trace, or
    nothing yet), given what the session is doing (`state`) and every step's loss so far
    (`losses[k]` is step k + 1's, for the running mean)."""
    if state.mode is Mode.RUNNING:
        return _running(state, losses)
    if state.mode in (Mode.GOING, Mode.REWINDING) and state.goal is not None:
        return _heading(state)
    if isinstance(shown, StepProgress):
        return _stage(shown)
    if isinstance(shown, StepTrace):
        return _whole(shown)
    return _nothing_yet(state)


def percent(p: float, digits: int = 3) -> str:
    """A probability as the debugger's panels write it: a percentage with `digits`
    significant digits (one decimal above 10%)."""
    value = 100 * p
    if value <= 0:
        return "0%"
    if value >= 10:
        return f"{value:.1f}%" if digits >= 3 else f"{value:.0f}%"
    return f"{value:.{digits}g}%"


# --- what the session is doing ---


def _running(state: SessionState, losses: Sequence[float]) -> Narration:
    at = f"step {state.step:,} of {state.num_steps:,}"
    mean = recent_mean(losses)
    if mean is None:
        return Narration(f"Running: {at}, one sentence a step", f"Running: {at}")
    window = "the last step" if mean.steps == 1 else f"the last {mean.steps:,} steps"
    return Narration(
        f"Running: {at}, mean loss {mean.value:.4f} over {window}",
        f"Running: {at}, mean loss {mean.value:.4f} (last {mean.steps:,})",
    )


def _heading(state: SessionState) -> Narration:
    goal, done = state.goal, f"{state.step:,} of {state.num_steps:,} done"
    if state.mode is Mode.REWINDING:
        return Narration(
            f"Going back to step {goal:,}: the nearest state kept before it is restored, "
            "then the steps after it are replayed, to the same numbers",
            f"Going back to step {goal:,}: restore, then replay",
        )
    return Narration(
        f"Going to step {goal:,}: {done}, on the array twin (the same numbers, faster); "
        "its last step is shown whole",
        f"Going to step {goal:,}: {done}",
    )


def _nothing_yet(state: SessionState) -> Narration:
    if state.step == 0:
        return Narration(
            "Press space to train on the first sentence, or . to walk its step stage by stage",
            "Press space to train on the first sentence",
        )
    at = f"{state.step:,} of {state.num_steps:,} steps done"
    return Narration(
        f"{at}: press space to train step {state.step + 1:,}, or . to walk it stage by stage",
        f"{at}: space trains step {state.step + 1:,}",
    )


# --- a step ---


def _whole(t: StepTrace) -> Narration:
    step = f"Step {t.step + 1:,}"
    worst = t.positions[t.worst_position]
    wrong = f"p({_quoted(worst.target_word)}) = {percent(worst.prob)}"
    return Narration(
        f"{step}: one sentence forward, backward and one Adam update: loss {t.loss:.4f} "
        f"over {t.n} positions, most wrong at position {worst.position} ({wrong})",
        f"{step}: loss {t.loss:.4f} over {t.n} positions; worst: position "
        f"{worst.position}, p = {percent(worst.prob)}",
    )


def _stage(p: StepProgress) -> Narration:
    step = f"Step {p.step + 1:,}"
    if p.stage is Stage.TOKENIZE:
        return _tokenized(p, step)
    if p.stage is Stage.FORWARD:
        return _fed(p, step, p.positions[-1])
    if p.stage is Stage.LOSS:
        return _loss(p, step)
    if p.stage is Stage.BACKWARD:
        return _backward(p, step)
    return _update(p, step)


def _tokenized(p: StepProgress, step: str) -> Narration:
    tokens, predictions = len(p.tokens), len(p.tokens) - 1
    which = f"sentence {p.sentence_index + 1:,} of {p.num_sentences:,}"
    if p.truncated:
        fit = f"{predictions} positions, of which the first {p.n} fit the block"
        return Narration(
            f"{step}: {which} is split into {tokens} tokens, BOS at both ends: {fit}",
            f"{step}: {tokens} tokens, BOS at both ends: {p.n} of {predictions} positions fit",
        )
    return Narration(
        f"{step}: {which} is split into {tokens} tokens, BOS at both ends: "
        f"{p.n} positions to predict",
        f"{step}: {tokens} tokens, BOS at both ends: {p.n} positions to predict",
    )


def _fed(p: StepProgress, step: str, last: PositionTrace) -> Narration:
    words = p.words[: last.position + 1]  # position t reads tokens 0..t
    gives = f"gives {_quoted(last.target_word)} p = {percent(last.prob)}"
    where = f"{step}, position {last.position}"
    return Narration(
        f"{where}: the model reads {_quoted(_tail(words, CONTEXT_WORDS))} and {gives} "
        f"(rank {last.rank:,}, loss {last.loss:.2f})",
        f"{where}: {_quoted(_tail(words, SHORT_CONTEXT_WORDS))} {gives} (loss {last.loss:.2f})",
    )


def _loss(p: StepProgress, step: str) -> Narration:
    assert p.loss_sum is not None and p.loss is not None  # the loss stage computed them
    mean = f"{p.loss_sum:.4f} / {p.n} = {p.loss:.4f}"
    return Narration(
        f"{step}: the loss is the mean of {p.n} position losses (−log p of each target): {mean}",
        f"{step}: loss = the mean of {p.n} position losses = {mean}",
    )


def _backward(p: StepProgress, step: str) -> Narration:
    assert p.gradient_count is not None  # the backward stage counted them
    got = f"{p.gradient_count:,} of {p.parameter_count:,} parameters"
    tokens, positions = len(p.token_rows), len(p.position_rows)
    return Narration(
        f"{step}: backward() runs the chain rule from the loss: {got} get a gradient; of the "
        f"embeddings, only the sentence's {_count(tokens, 'token row')} and "
        f"{_count(positions, 'position row')}",
        f"{step}: backward(): {got} got a gradient",
    )


def _update(p: StepProgress, step: str) -> Narration:
    trace = p.trace
    assert trace is not None  # the update made it
    gradient, momentum = trace.rows_in(RowState.GRADIENT), trace.rows_in(RowState.MOMENTUM)
    lr = f"lr_t = {trace.lr:.6g}"
    return Narration(
        f"{step}: Adam moves every parameter by lr_t·m̂/(√v̂ + ε), {lr}: "
        f"{_count(gradient, 'token row')} by their gradient, {momentum} by momentum alone",
        f"{step}: Adam: lr_t {trace.lr:.6g}, {gradient} rows by gradient, {momentum} by momentum",
    )


# --- pieces ---


def _quoted(words: str) -> str:
    return f"“{words}”"


def _tail(words: Sequence[str], count: int) -> str:
    """The last `count` words: the nearest matter most to the next word."""
    return " ".join(words) if len(words) <= count else "… " + " ".join(words[-count:])


def _count(count: int, thing: str) -> str:
    return f"{count} {thing}" if count == 1 else f"{count} {thing}s"
