"""Model files in the reference's JSON format, `{"config": {...}, "weights": [...]}` with
its camelCase keys and the weights in its parameter order, so that models move freely
between the tutorial's program and this one.

The reference's format carries no vocabulary (its generator rebuilds the tokenizer from
the corpus); ours adds the word list under "vocabulary", which the reference ignores.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from core.autograd.params import BOS_LABEL
from core.errors import ConfigError, ModelFileError, shown
from core.files.inputs import MB, read_json
from core.files.outputs import Output, write_atomic
from core.model.gpt import MAX_PARAMETERS, MAX_VOCABULARY, GPTConfig, Model
from core.model.tokenizer import is_word, js_order

MAX_MODEL_BYTES = 128 * MB  # the largest model microgpt builds, written as JSON
MAX_MODEL_VALUES = MAX_PARAMETERS + MAX_VOCABULARY + 100  # weights, words, config


def model_to_json(model: Model) -> dict[str, Any]:
    data: dict[str, Any] = {
        "config": model.config.to_reference(),
        "weights": model.params.data.tolist(),
    }
    if model.words is not None:
        data["vocabulary"] = list(model.words)
    return data


def save_model(model: Model, output: Output | str | Path) -> None:
    if not all(math.isfinite(w) for w in model.params.data.tolist()):
        name = output.given if isinstance(output, Output) else output
        raise ModelFileError(f"not saving {name}: the model holds NaN or infinite weights")
    write_atomic(output, json.dumps(model_to_json(model)), "model file")


def load_model(path: str | Path) -> Model:
    """Read a model file; the vocabulary is None when the file has none (a reference
    file): the caller then takes it from the corpus."""
    obj = read_json(path, "model file", MAX_MODEL_BYTES, ModelFileError, MAX_MODEL_VALUES)
    return model_from_json(obj, str(path))


def model_from_json(obj: Any, name: str) -> Model:
    if not isinstance(obj, dict) or "config" not in obj or "weights" not in obj:
        raise ModelFileError(
            f'{name} is not a model file: it needs "config" and "weights"; give a file '
            "saved by `microgpt train --save` or by the tutorial's saveModel"
        )
    try:
        config = GPTConfig.from_reference(obj["config"])
    except ConfigError as err:
        raise ModelFileError(f"{name}: {err}") from None
    words = obj.get("vocabulary")
    if words is not None:
        check_vocabulary(words, name)
    weights = obj["weights"]
    if not isinstance(weights, list) or len(weights) != config.parameter_count:
        count = f"{len(weights):,}" if isinstance(weights, list) else "no list of"
        raise ModelFileError(
            f"{name} has {count} weights, but its config {config.to_reference()} needs "
            f"{config.parameter_count:,}; the file is damaged or truncated"
        )
    if not all(type(w) in (int, float) and math.isfinite(w) for w in weights):
        raise ModelFileError(f"{name}: every weight must be a finite number")
    try:
        model = Model(config, words)
    except ConfigError as err:
        raise ModelFileError(f"{name}: {err}") from None
    model.params.data[:] = weights
    return model


def check_vocabulary(words: Any, name: str) -> None:
    """A vocabulary as a tokenizer builds it: distinct words, in JavaScript's sorted
    order (token id = place in the list), each one a word the corpus reader produces."""
    if not isinstance(words, list):
        raise ModelFileError(f'{name}: "vocabulary" must be a list of words')
    for i, word in enumerate(words):
        if not isinstance(word, str):
            raise ModelFileError(f'{name}: "vocabulary" entry {i} is {shown(word)}, not a word')
        if word == BOS_LABEL:
            raise ModelFileError(
                f'{name}: "vocabulary" entry {i} is "{BOS_LABEL}", the name of the '
                "begin/end token, which is not a word"
            )
        if not is_word(word):
            raise ModelFileError(
                f'{name}: "vocabulary" entry {i} is {shown(word)}, which is not one lowercase '
                "word (no spaces, no punctuation, not empty)"
            )
    _check_order(words, name)


def _check_order(words: Sequence[str], name: str) -> None:
    for i in range(1, len(words)):
        before, word = words[i - 1], words[i]
        if before == word:
            raise ModelFileError(
                f'{name}: "vocabulary" has {shown(word)} twice (entries {i - 1} and {i})'
            )
        if js_order(before) > js_order(word):
            raise ModelFileError(
                f'{name}: "vocabulary" is not in sorted order ({shown(before)} comes before '
                f"{shown(word)} at entry {i}); it was edited or not made by a tokenizer"
            )
