"""Model files in the reference's JSON format, `{"config": {...}, "weights": [...]}` with
its camelCase keys and the weights in its parameter order, so that models move freely
between the tutorial's program and this one.

The reference's format carries no vocabulary (its generator rebuilds the tokenizer from
the corpus); ours adds the word list under "vocabulary", which the reference ignores.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from core.errors import ConfigError, ModelFileError
from core.files import write_atomic
from core.model import GPTConfig, Model


def model_to_json(model: Model) -> dict[str, Any]:
    data: dict[str, Any] = {
        "config": model.config.to_reference(),
        "weights": model.params.data.tolist(),
    }
    if model.words is not None:
        data["vocabulary"] = list(model.words)
    return data


def save_model(model: Model, path: str | Path) -> None:
    if not all(math.isfinite(w) for w in model.params.data.tolist()):
        raise ModelFileError(f"not saving {path}: the model holds NaN or infinite weights")
    write_atomic(path, json.dumps(model_to_json(model)))


def load_model(path: str | Path) -> Model:
    """Read a model file; the vocabulary is None when the file has none (a reference
    file): the caller then takes it from the corpus."""
    name = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelFileError(f"{name}: no such model file") from None
    except (OSError, UnicodeDecodeError) as err:
        reason = getattr(err, "strerror", None) or "it is not UTF-8 text"
        raise ModelFileError(f"{name} cannot be read: {reason}") from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as err:
        raise ModelFileError(
            f"{name} is not a model file: it is not JSON (line {err.lineno}, column "
            f"{err.colno}: {err.msg}); give a file saved by `microgpt train --save` or by "
            "the tutorial's saveModel"
        ) from None
    return model_from_json(obj, name)


def model_from_json(obj: Any, name: str) -> Model:
    if not isinstance(obj, dict) or "config" not in obj or "weights" not in obj:
        raise ModelFileError(f'{name} is not a model file: it needs "config" and "weights"')
    try:
        config = GPTConfig.from_reference(obj["config"])
    except ConfigError as err:
        raise ModelFileError(f"{name}: {err}") from None
    words = obj.get("vocabulary")
    if words is not None and (
        not isinstance(words, list) or not all(isinstance(w, str) for w in words)
    ):
        raise ModelFileError(f'{name}: "vocabulary" must be a list of words')
    weights = obj["weights"]
    try:
        model = Model(config, words)
    except ConfigError as err:
        raise ModelFileError(f"{name}: {err}") from None
    if not isinstance(weights, list) or len(weights) != model.params.count:
        count = len(weights) if isinstance(weights, list) else "no list of"
        raise ModelFileError(
            f"{name} has {count} weights, but its config {config.to_reference()} needs "
            f"{model.params.count:,}; the file is damaged or truncated"
        )
    if not all(type(w) in (int, float) and math.isfinite(w) for w in weights):
        raise ModelFileError(f"{name}: every weight must be a finite number")
    model.params.data[:] = weights
    return model
