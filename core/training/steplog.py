"""The step log: one JSON object per line, one line per step, holding the plain numbers
and words of a step. `microgpt train --log-jsonl` writes it as it trains, and the
debugger exports a session's steps in the very same format, so that one script reads
both (pandas: `pd.read_json(path, lines=True)`).

Every field but the last three is on every line; floats are written with every digit
(Python's shortest repr), so a loss read back is the loss the step computed, to the bit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.training.trainer import Trainer

FIELDS = {
    "step": "1-based: the step's number, as the status line counts (step k of N)",
    "sentence_index": "0-based place of its sentence in the shuffled corpus",
    "sentence": "the sentence trained on, as read from the corpus",
    "tokens": "its token ids: BOS, the words' ids, BOS",
    "n": "positions trained: min(block size, tokens - 1)",
    "lr": "the learning rate the update used",
    "loss": "the step's loss: the mean of its n positions' −ln p(target)",
    "original_loss": "fine-tuning, where measured: the original corpus's loss after the step",
    "original_rise": "original_loss minus its value before fine-tuning",
    "held_out_loss": "with a held-out set, where measured: its mean loss after the step",
}


def step_record(
    trainer: Trainer,
    step: int,
    loss: float,
    original: tuple[float, float] | None = None,
    held_out: float | None = None,
) -> dict[str, Any]:
    """The line of 0-based `step` of `trainer`'s schedule, whose loss was `loss`; the
    measurements taken after it, if any: (original-corpus loss, its rise), held-out loss.
    The sentence, tokens, n and learning rate follow from the schedule itself."""
    sentence_index, sentence = trainer.sentence_at(step)
    tokens = trainer.tokenizer.encode(sentence)
    record: dict[str, Any] = {
        "step": step + 1,
        "sentence_index": sentence_index,
        "sentence": sentence,
        "tokens": tokens,
        "n": min(trainer.model.config.block_size, len(tokens) - 1),
        "lr": trainer.adam.config.lr_at(step),
        "loss": loss,
    }
    if original is not None:
        record["original_loss"], record["original_rise"] = original
    if held_out is not None:
        record["held_out_loss"] = held_out
    return record


def run_records(
    trainer: Trainer,
    losses: Sequence[float],
    original_losses: Mapping[int, float],
    held_out_losses: Mapping[int, float],
) -> Iterator[dict[str, Any]]:
    """Every step a run has taken, from its losses (step k's at index k) and the losses
    measured once k steps were done (original_losses[0] being the value before
    fine-tuning), as `step_record` gives them while training."""
    baseline = original_losses.get(0)
    for step, loss in enumerate(losses):
        original = original_losses.get(step + 1)
        measured = None if original is None or baseline is None else (original, original - baseline)
        yield step_record(trainer, step, loss, measured, held_out_losses.get(step + 1))


def line(record: Mapping[str, Any]) -> str:
    """A record as one line of the log (words written as they are, not \\u escapes)."""
    return json.dumps(record, ensure_ascii=False) + "\n"
