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

from core.corpus import Corpus, load_corpus
from core.errors import CorpusError, MicrogptError
from core.files import write_atomic
from core.modelfile import model_from_json, model_to_json
from core.optimizer import AdamConfig
from core.trainer import Trainer, TrainerState

FORMAT = "microgpt-run"
VERSION = 1


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
    path: str | Path,
    trainer: Trainer,
    watch: Sequence[str],
    conditions: Sequence[str],
    losses: Sequence[float],
) -> None:
    state = trainer.snapshot()
    arrays = (state.data, state.m, state.v)
    if not all(np.isfinite(a).all() for a in arrays):
        raise RunFileError(f"not saving {path}: the run holds NaN or infinite numbers")
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
    write_atomic(path, json.dumps(obj))


def load_run(path: str | Path, corpus_path: str | None = None) -> SavedRun:
    """Read a run file and rebuild its trainer. The corpus is read from the path saved in
    the file (or `corpus_path`), and must be the very corpus the run was trained on."""
    name = str(path)
    obj = _read_json(Path(path), name)
    try:
        corpus = load_corpus(corpus_path or obj["corpus"]["path"])
        return _rebuild(obj, corpus, name)
    except (KeyError, TypeError, ValueError) as err:
        raise RunFileError(f"{name} is damaged or not a run file ({_what(err)})") from None
    except CorpusError as err:
        raise RunFileError(f"{name}: cannot read its corpus: {err}") from None


def _read_json(path: Path, name: str) -> dict[str, Any]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RunFileError(f"{name}: no such run file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise RunFileError(f"{name} cannot be read: {getattr(err, 'strerror', err)}") from None
    except json.JSONDecodeError as err:
        raise RunFileError(
            f"{name} is not a run file: it is not complete JSON (line "
            f"{err.lineno}, column {err.colno}: {err.msg}); it may be "
            "truncated"
        ) from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise RunFileError(f"{name} is not a run file saved by the debugger (key s)")
    if obj.get("version") != VERSION:
        raise RunFileError(
            f"{name} has run-file version {obj.get('version')}; this program "
            f"reads version {VERSION}"
        )
    return obj


def _rebuild(obj: dict[str, Any], corpus: Corpus, name: str) -> SavedRun:
    saved = obj["corpus"]
    if corpus.sha256 != saved["sha256"]:
        raise RunFileError(
            f"{name} was trained on {saved['path']} (sha256 {saved['sha256'][:12]}…), not on "
            f"{corpus.path} (sha256 {corpus.sha256[:12]}…); give the corpus it was trained on"
        )
    model = model_from_json(obj["model"], name)
    trainer = Trainer(
        corpus, int(obj["seed"]), AdamConfig(num_steps=int(obj["schedule"])), model=model
    )
    count = model.params.count
    m, v, hits = (
        np.array(obj["adam"]["m"], dtype=float),
        np.array(obj["adam"]["v"], dtype=float),
        np.array(obj["token_row_hits"], dtype=np.int64),
    )
    if m.shape != (count,) or v.shape != (count,) or hits.shape != (model.config.vocab_size,):
        raise RunFileError(f"{name} is damaged: its Adam buffers do not fit its model")
    losses = tuple(float(x) for x in obj["losses"])
    step = int(obj["step"])
    if len(losses) != step or not all(math.isfinite(x) for x in losses):
        raise RunFileError(f"{name} is damaged: {len(losses)} losses for {step} steps")
    trainer.restore(
        TrainerState(step, trainer.model.params.data.copy(), m, v, hits, int(obj["rng_state"]))
    )
    watch = tuple(str(w) for w in obj["watch"])
    conditions = tuple(str(c) for c in obj["conditions"])
    return SavedRun(trainer, watch, conditions, losses)


def _what(err: Exception) -> str:
    if isinstance(err, KeyError):
        return f"missing {err.args[0]!r}"
    return str(err)
