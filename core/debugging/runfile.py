"""Run files: a whole training run in one JSON file, to stop and resume exactly.

Holds the model (in the reference's format, under "model"), Adam's m and v, the step,
the schedule, the peak learning rate, the seed, the corpus's identity (path and SHA-256),
whether the run fine-tunes a loaded model (which orders the generator's draws), the watch
list, the run-until conditions and the loss history; when fine-tuning, also the original
corpus's identity and the losses measured on its sample; with a held-out set, its file's
identity, how often it is measured and its losses. JSON numbers round-trip exactly, so a
resumed run continues bit for bit. Written atomically: a crash leaves the old file or the
new. Version 1 files (before fine-tuning) are read as runs from scratch at the default
learning rate, which they were; versions 1 and 2 (before held-out sets) as runs without one.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from core.debugging.conditions import parse_for
from core.errors import CorpusError, MicrogptError, shown
from core.files.inputs import MB, read_json
from core.files.outputs import Output, write_atomic
from core.model.gpt import MAX_VOCABULARY
from core.model.modelfile import MAX_MODEL_BYTES, MAX_MODEL_VALUES, model_from_json, model_to_json
from core.model.tokenizer import Tokenizer
from core.training.corpus import Corpus, load_corpus
from core.training.forgetting import OriginalSample
from core.training.heldout import HELD_OUT_EVERY, HeldOut
from core.training.optimizer import AdamConfig
from core.training.state import TrainerState
from core.training.trainer import Trainer

FORMAT = "microgpt-run"
VERSION = 3
READS = (1, 2, 3)
MAX_RUN_BYTES = 3 * MAX_MODEL_BYTES + 64 * MB  # weights, m and v, and the losses
MAX_RUN_VALUES = 3 * MAX_MODEL_VALUES + 2 * MAX_VOCABULARY + 10_000_000  # ... and losses
UINT32 = 1 << 32  # seeds and the generator's state are 32-bit
MAX_LEARNING_RATE = 10.0  # as the command line allows


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
    original_losses: dict[int, float] = field(default_factory=dict)
    """When fine-tuning: the original-corpus loss after k steps, for the k measured."""
    held_out_losses: dict[int, float] = field(default_factory=dict)
    """With a held-out set: its loss after k steps, for the k measured."""
    warnings: tuple[str, ...] = ()
    """What could not be restored, though the run can go on."""


def save_run(
    output: Output | str | Path,
    trainer: Trainer,
    watch: Sequence[str],
    conditions: Sequence[str],
    losses: Sequence[float],
    original_losses: Mapping[int, float] | None = None,
    held_out_losses: Mapping[int, float] | None = None,
) -> None:
    """Save the run as it is between two steps: `losses` must hold one loss per step;
    `original_losses`, when fine-tuning, the original-corpus loss after k steps;
    `held_out_losses`, with a held-out set, its loss after k steps."""
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
        "learning_rate": trainer.adam.config.learning_rate,
        "fine_tune": trainer.fine_tuning,
        "original": _original_to_json(trainer, original_losses or {}),
        "held_out": _held_out_to_json(trainer, held_out_losses or {}),
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


def _original_to_json(trainer: Trainer, losses: Mapping[int, float]) -> dict[str, Any] | None:
    watch = trainer.forgetting
    if watch is None:
        return None
    sample = watch.sample
    return {
        "path": sample.corpus.path,
        "sha256": sample.corpus.sha256,
        "sample_size": len(sample.sentences),
        "every": sample.every,
        "baseline": watch.baseline,
        "losses": _pairs_to_json(losses),
    }


def _held_out_to_json(trainer: Trainer, losses: Mapping[int, float]) -> dict[str, Any] | None:
    held_out, baseline = trainer.held_out, trainer.held_out_baseline
    if held_out is None or baseline is None:
        return None
    return {
        "path": held_out.path,
        "sha256": held_out.sha256,
        "every": trainer.held_out_every,
        "baseline": baseline,
        "losses": _pairs_to_json(losses),
    }


def _pairs_to_json(losses: Mapping[int, float]) -> list[list[int | float]]:
    return [[k, float(x)] for k, x in sorted(losses.items())]


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
    if obj.get("version") not in READS:
        raise RunFileError(
            f"{name} has run-file version {obj.get('version')!r}; this program "
            f"reads versions {READS[0]} to {READS[-1]}"
        )
    return obj


class _Fields:
    """Typed access to a run file's fields: a missing or mistyped one is an error naming it."""

    def __init__(self, obj: dict[str, Any], name: str, prefix: str = "") -> None:
        self.obj, self.name, self.prefix = obj, name, prefix

    def fail(self, key: str, why: str) -> RunFileError:
        return RunFileError(f"{self.name} is damaged: {self.prefix}{key} {why}")

    def get(self, key: str, kind: type | tuple[type, ...]) -> Any:
        if key not in self.obj:
            raise self.fail(key, "is missing")
        value = self.obj[key]
        numeric = kind is int or kind == (int, float)
        if not isinstance(value, kind) or (numeric and isinstance(value, bool)):
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

    def rate(self, key: str, default: float) -> float:
        """A learning rate: a finite number above 0 (missing in version 1 files)."""
        if key not in self.obj and self.obj.get("version") == 1:
            return default
        value = self.get(key, (int, float))
        if not math.isfinite(value) or not 0 < value <= MAX_LEARNING_RATE:
            most = MAX_LEARNING_RATE
            raise self.fail(key, f"is {value!r}; it must be above 0 and at most {most:g}")
        return float(value)


_KINDS = {
    int: "a whole number",
    str: "text",
    list: "a list",
    dict: "an object",
    bool: "true or false",
    (int, float): "a number",
}


def _rebuild(fields: _Fields, corpus: Corpus, name: str) -> SavedRun:
    seed = fields.whole("seed", 0, UINT32 - 1)
    schedule = fields.whole("schedule", 1, 10**9)
    step = fields.whole("step", 0, schedule)
    rng_state = fields.whole("rng_state", 0, UINT32 - 1)
    rate = fields.rate("learning_rate", AdamConfig.learning_rate)
    version_1 = fields.obj.get("version") == 1
    fine_tune = False if version_1 else fields.get("fine_tune", bool)
    model = model_from_json(fields.get("model", dict), name)
    if fine_tune and model.words is None:
        raise fields.fail("model", "has no vocabulary, which a fine-tuning run needs")
    original, warnings = (None, ()) if version_1 else _original(fields, name)
    vocabulary = (
        Tokenizer(model.words)
        if fine_tune and model.words is not None
        else Tokenizer.from_sentences(corpus.sentences)
    )
    held_out, held_out_warnings = _held_out(fields, name, vocabulary)
    try:
        trainer = Trainer(
            corpus,
            seed,
            AdamConfig(learning_rate=rate, num_steps=schedule),
            model=model,
            fine_tune=fine_tune,
            original=original.sample if original else None,
            baseline=original.baseline if original else None,
            held_out=held_out.held_out if held_out else None,
            held_out_every=held_out.every if held_out else HELD_OUT_EVERY,
            held_out_baseline=held_out.baseline if held_out else None,
        )
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
    return SavedRun(
        trainer,
        watch,
        conditions,
        tuple(float(x) for x in losses),
        original.losses_to(step) if original else {},
        held_out.losses_to(step) if held_out else {},
        (*warnings, *held_out_warnings),
    )


@dataclass(frozen=True)
class _Original:
    sample: OriginalSample
    baseline: float
    losses: dict[int, float]

    def losses_to(self, step: int) -> dict[int, float]:
        return {k: x for k, x in self.losses.items() if k <= step}


@dataclass(frozen=True)
class _HeldOut:
    held_out: HeldOut
    every: int
    baseline: float
    losses: dict[int, float]

    def losses_to(self, step: int) -> dict[int, float]:
        return {k: x for k, x in self.losses.items() if k <= step}


def _original(fields: _Fields, name: str) -> tuple[_Original | None, tuple[str, ...]]:
    """The original corpus's sample and losses of a fine-tuning run, or None (with a
    warning saying why, when the corpus cannot be read any more: the training itself does
    not need it, only the watch on forgetting)."""
    if fields.obj.get("original", None) is None:
        if "original" not in fields.obj:
            raise fields.fail("original", "is missing")
        return None, ()
    saved = _Fields(fields.get("original", dict), name, "original.")
    path, sha = saved.get("path", str), saved.get("sha256", str)
    size = saved.whole("sample_size", 1, 10**6)
    every = saved.whole("every", 1, 10**9)
    baseline, losses = _measured(saved)
    try:
        corpus = load_corpus(path)
    except CorpusError as err:
        return None, (f"{name}: not watching forgetting: cannot read the original corpus: {err}",)
    if corpus.sha256 != sha:
        return None, (f"{name}: not watching forgetting: {_changed(path, sha, corpus.sha256)}",)
    sample = OriginalSample.drawn(corpus, size, every)
    return _Original(sample, baseline, losses), ()


def _held_out(
    fields: _Fields, name: str, tokenizer: Tokenizer
) -> tuple[_HeldOut | None, tuple[str, ...]]:
    """The held-out set and its losses, or None: in a file before version 3, in a run
    without one, or (with a warning saying why) when its file cannot be read any more or
    changed: the training does not need it, only the measurement."""
    if fields.obj.get("version") in (1, 2):
        return None, ()
    if fields.obj.get("held_out", None) is None:
        if "held_out" not in fields.obj:
            raise fields.fail("held_out", "is missing")
        return None, ()
    saved = _Fields(fields.get("held_out", dict), name, "held_out.")
    path, sha = saved.get("path", str), saved.get("sha256", str)
    every = saved.whole("every", 1, 10**9)
    baseline, losses = _measured(saved)
    try:
        held_out = HeldOut.read(path, tokenizer, "the run's model")
    except CorpusError as err:
        return None, (f"{name}: no held-out loss: cannot read the held-out file: {err}",)
    if held_out.sha256 != sha:
        return None, (f"{name}: no held-out loss: {_changed(path, sha, held_out.sha256)}",)
    return _HeldOut(held_out, every, baseline, losses), ()


def _measured(saved: _Fields) -> tuple[float, dict[int, float]]:
    """A measurement's baseline and its [step, loss] pairs, checked."""
    baseline = saved.get("baseline", (int, float))
    pairs = saved.get("losses", list)
    if not math.isfinite(baseline) or not all(
        isinstance(p, list)
        and len(p) == 2
        and type(p[0]) is int
        and type(p[1]) in (int, float)
        and math.isfinite(p[1])
        for p in pairs
    ):
        raise saved.fail("losses", "must be [step, loss] pairs of finite numbers")
    return float(baseline), {k: float(x) for k, x in pairs}


def _changed(path: str, saved_sha: str, sha: str) -> str:
    return f"{path} changed since the run was saved (sha256 {saved_sha[:12]}…, now {sha[:12]}…)"


def _strings(fields: _Fields, key: str) -> list[str]:
    values = fields.get(key, list)
    if not all(isinstance(v, str) for v in values):
        raise fields.fail(key, "must be a list of text")
    return values


def _check_names(
    trainer: Trainer, watch: Sequence[str], conditions: Sequence[str], name: str
) -> None:
    params = trainer.model.params
    for text in watch:
        try:
            params.index_of(text)
        except MicrogptError as err:
            raise RunFileError(f"{name}: its watch list names {shown(text)}: {err}") from None
    for text in conditions:
        try:
            parse_for(text, trainer)
        except MicrogptError as err:
            raise RunFileError(
                f"{name}: its condition {shown(text)} cannot be read: {err}"
            ) from None
