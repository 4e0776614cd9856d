"""Run files: a whole training run in one JSON file, to stop and resume exactly.

Holds the model (in the reference's format, under "model"), Adam's m and v, the step,
the schedule, the seed, the corpus's identity (path and SHA-256), the watch list, the
run-until conditions and the loss history. JSON numbers round-trip exactly, so a resumed
run continues bit for bit. Written atomically: a crash leaves the old file or the new.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.debugging.conditions import parse_condition
from core.errors import CorpusError, MicrogptError, shown
from core.files.inputs import MB, read_json
from core.files.outputs import Output, write_atomic
from core.model.gpt import MAX_VOCABULARY
from core.model.modelfile import MAX_MODEL_BYTES, MAX_MODEL_VALUES, model_from_json, model_to_json
from core.training.corpus import Corpus, load_corpus
from core.training.optimizer import AdamConfig
from core.training.state import TrainerState
from core.training.trainer import Trainer

FORMAT = "microgpt-run"
VERSION = 1
MAX_RUN_BYTES = 3 * MAX_MODEL_BYTES + 64 * MB  # weights, m and v, and the losses
MAX_RUN_VALUES = 3 * MAX_MODEL_VALUES + 2 * MAX_VOCABULARY + 10_000_000  # ... and losses
UINT32 = 1 << 32  # seeds and the generator's state are 32-bit


class RunFileError(MicrogptError):
    """A run file that cannot be resumed."""


@dataclass(frozen=True)
class SavedRun:
    """A resumed run: the trainer in the saved state, and what the debugger showed."""

    trainer: Trainer
    watch: tuple[str, ...]
    """Watched parameters, by name."""
    conditions: tuple[str, ...]
    """Run-until conditions, as text."""
    losses: tuple[float, ...]
    """The loss of every step so far."""


def save_run(
    output: Output | str | Path,
    trainer: Trainer,
    watch: Sequence[str],
    conditions: Sequence[str],
    losses: Sequence[float],
) -> None:
    """Save the run as it is between two steps: `losses` must hold one loss per step."""
    state = trainer.snapshot()
    name = output.given if isinstance(output, Output) else str(output)
    if len(losses) != state.step_index:
        raise RunFileError(
            f"not saving {name}: {len(losses)} losses for {state.step_index} steps "
            "(the run was caught between steps; save again)"
        )
    arrays = (state.data, state.m, state.v)
    if not all(np.isfinite(a).all() for a in arrays):
        raise RunFileError(f"not saving {name}: the run holds NaN or infinite numbers")
    obj = {
        "format": FORMAT,
        "version": VERSION,
        "corpus": {"path": trainer.corpus.path, "sha256": trainer.corpus.sha256},
        "seed": trainer.seed,
        "schedule": trainer.num_steps,
        "step": state.step_index,
        "rng_state": state.rng_state,
        "model": model_to_json(trainer.model),
        "adam": {"m": state.m.tolist(), "v": state.v.tolist()},
        "token_row_hits": state.token_row_hits.tolist(),
        "watch": list(watch),
        "conditions": list(conditions),
        "losses": [float(x) for x in losses],
    }
    write_atomic(output, json.dumps(obj), "run file")


def load_run(path: str | Path, corpus_path: str | None = None) -> SavedRun:
    """Read a run file and rebuild its trainer. The corpus is read from the path saved in
    the file (or `corpus_path`), and must be the very corpus the run was trained on."""
    name = str(path)
    obj = _read(path, name)
    fields = _Fields(obj, name)
    saved = fields.get("corpus", dict)
    corpus_fields = _Fields(saved, name, "corpus.")
    saved_path = corpus_fields.get("path", str)
    saved_sha = corpus_fields.get("sha256", str)
    try:
        corpus = load_corpus(corpus_path or saved_path)
    except CorpusError as err:
        raise RunFileError(f"{name}: cannot read its corpus: {err}") from None
    if corpus.sha256 != saved_sha:
        raise RunFileError(
            f"{name} was trained on {saved_path} (sha256 {saved_sha[:12]}…), not on "
            f"{corpus.path} (sha256 {corpus.sha256[:12]}…); give the corpus it was trained on"
        )
    return _rebuild(fields, corpus, name)


def _read(path: str | Path, name: str) -> dict[str, Any]:
    obj = read_json(path, "run file", MAX_RUN_BYTES, RunFileError, MAX_RUN_VALUES)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise RunFileError(
            f"{name} is not a run file saved by the debugger (key s); a model file opens "
            "with `microgpt --model FILE`"
        )
    if obj.get("version") != VERSION:
        raise RunFileError(
            f"{name} has run-file version {obj.get('version')!r}; this program "
            f"reads version {VERSION}"
        )
    return obj


class _Fields:
    """Typed access to a run file's fields: a missing or mistyped one is an error naming it."""

    def __init__(self, obj: dict[str, Any], name: str, prefix: str = "") -> None:
        self.obj, self.name, self.prefix = obj, name, prefix

    def fail(self, key: str, why: str) -> RunFileError:
        return RunFileError(f"{self.name} is damaged: {self.prefix}{key} {why}")

    def get(self, key: str, kind: type) -> Any:
        if key not in self.obj:
            raise self.fail(key, "is missing")
        value = self.obj[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise self.fail(key, f"should be {_KINDS[kind]}, not {type(value).__name__}")
        return value

    def whole(self, key: str, low: int, high: int) -> int:
        value: int = self.get(key, int)
        if not low <= value <= high:
            raise self.fail(key, f"is {value:,}; it must be from {low:,} to {high:,}")
        return value

    def numbers(
        self, values: Any, key: str, length: int, needs: str = "the model needs"
    ) -> np.ndarray:
        if not isinstance(values, list) or len(values) != length:
            size = f"{len(values):,}" if isinstance(values, list) else "no list of"
            raise self.fail(key, f"has {size} numbers; {needs} {length:,}")
        if not all(type(x) in (int, float) and math.isfinite(x) for x in values):
            raise self.fail(key, "holds something other than finite numbers")
        return np.array(values, dtype=float)


_KINDS = {int: "a whole number", str: "text", list: "a list", dict: "an object"}


def _rebuild(fields: _Fields, corpus: Corpus, name: str) -> SavedRun:
    seed = fields.whole("seed", 0, UINT32 - 1)
    schedule = fields.whole("schedule", 1, 10**9)
    step = fields.whole("step", 0, schedule)
    rng_state = fields.whole("rng_state", 0, UINT32 - 1)
    model = model_from_json(fields.get("model", dict), name)
    try:
        trainer = Trainer(corpus, seed, AdamConfig(num_steps=schedule), model=model)
    except MicrogptError as err:
        raise RunFileError(f"{name}: {err}") from None
    count = model.params.count
    adam = _Fields(fields.get("adam", dict), name, "adam.")
    m = adam.numbers(adam.get("m", list), "m", count)
    v = adam.numbers(adam.get("v", list), "v", count)
    if (v < 0).any():
        raise adam.fail("v", "holds negative numbers; v averages squares, so it cannot")
    hits = fields.get("token_row_hits", list)
    if len(hits) != model.config.vocab_size or not all(
        type(h) is int and 0 <= h <= step for h in hits
    ):
        raise fields.fail(
            "token_row_hits", f"must be {model.config.vocab_size:,} counts from 0 to the step"
        )
    losses = fields.numbers(
        fields.get("losses", list), "losses", step, f"one per step done: step {step:,} needs"
    )
    trainer.restore(
        TrainerState(
            step, trainer.model.params.data.copy(), m, v, np.array(hits, dtype=np.int64), rng_state
        )
    )
    watch = tuple(_strings(fields, "watch"))
    conditions = tuple(_strings(fields, "conditions"))
    _check_names(trainer, watch, conditions, name)
    return SavedRun(trainer, watch, conditions, tuple(float(x) for x in losses))


def _strings(fields: _Fields, key: str) -> list[str]:
    values = fields.get(key, list)
    if not all(isinstance(v, str) for v in values):
        raise fields.fail(key, "must be a list of text")
    return values


def _check_names(
    trainer: Trainer, watch: Sequence[str], conditions: Sequence[str], name: str
) -> None:
    params, tokenizer = trainer.model.params, trainer.tokenizer
    for text in watch:
        try:
            params.index_of(text)
        except MicrogptError as err:
            raise RunFileError(f"{name}: its watch list names {shown(text)}: {err}") from None
    for text in conditions:
        try:
            parse_condition(text, tokenizer, params)
        except MicrogptError as err:
            raise RunFileError(
                f"{name}: its condition {shown(text)} cannot be read: {err}"
            ) from None
