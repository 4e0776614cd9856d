"""The GPT: its configuration, its weights (in the reference's order), and `gpt()`, which
runs one token at one position through the network and returns next-token logits.

Follows the tutorial (GPT-2 simplified: RMSNorm instead of LayerNorm, no biases, ReLU).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from core.autograd.engine import Value, dot
from core.autograd.params import BOS_LABEL, Matrix, MatrixSpec, Parameters
from core.autograd.primitives import embed, linear, rmsnorm, scale_down, softmax
from core.errors import ConfigError
from core.reference.rng import Mulberry32

INIT_STD = 0.08  # every weight starts as a draw from N(0, 0.08)
MAX_PARAMETERS = 4_000_000  # 63 times the tutorial's model: beyond the scalar engine's reach
MAX_SIZE = {"nLayer": 64, "nEmbd": 4096, "blockSize": 4096, "nHead": 4096, "headDim": 4096}
MAX_VOCABULARY = 1_000_000


@dataclass(frozen=True)
class GPTConfig:
    """The model's shape. The defaults are the tutorial's."""

    n_layer: int = 2
    n_embd: int = 32  # width of the hidden state
    block_size: int = 16  # longest context: positions 0..block_size-1
    n_head: int = 4
    head_dim: int = 8  # n_embd / n_head
    vocab_size: int = 597  # words + BOS

    _REFERENCE_KEYS = ("nLayer", "nEmbd", "blockSize", "nHead", "headDim", "vocabSize")

    def __post_init__(self) -> None:
        for key, value in zip(self._REFERENCE_KEYS, self._values()):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ConfigError(f"config {key} must be a positive whole number, not {value!r}")
        for key, value in zip(self._REFERENCE_KEYS, self._values()):
            most = MAX_SIZE.get(key, MAX_VOCABULARY)
            if value > most:
                raise ConfigError(f"config {key} is {value:,}; at most {most:,} is allowed")
        if self.n_head * self.head_dim != self.n_embd:
            raise ConfigError(
                f"config nHead x headDim must equal nEmbd ({self.n_head} x {self.head_dim} "
                f"!= {self.n_embd})"
            )
        if self.parameter_count > MAX_PARAMETERS:
            raise ConfigError(
                f"config {self.to_reference()} has {self.parameter_count:,} parameters; "
                f"microgpt builds models of at most {MAX_PARAMETERS:,}"
            )

    @property
    def parameter_count(self) -> int:
        """How many weights this shape has (computed, nothing allocated)."""
        d = self.n_embd
        per_layer = 4 * d * d + 2 * (4 * d * d)  # attention q, k, v, output; the MLP
        return 2 * self.vocab_size * d + self.block_size * d + self.n_layer * per_layer

    def _values(self) -> tuple[int, ...]:
        return (
            self.n_layer,
            self.n_embd,
            self.block_size,
            self.n_head,
            self.head_dim,
            self.vocab_size,
        )

    def to_reference(self) -> dict[str, int]:
        """The reference's camelCase config object."""
        return dict(zip(self._REFERENCE_KEYS, self._values()))

    @classmethod
    def from_reference(cls, obj: Any) -> GPTConfig:
        if not isinstance(obj, dict):
            raise ConfigError("the config must be an object with " + ", ".join(cls._REFERENCE_KEYS))
        missing = [k for k in cls._REFERENCE_KEYS if k not in obj]
        if missing:
            raise ConfigError("the config lacks " + ", ".join(missing))
        return cls(*(obj[k] for k in cls._REFERENCE_KEYS))


def matrix_specs(config: GPTConfig, words: Sequence[str] | None) -> list[MatrixSpec]:
    """Every weight matrix, in the reference's order (which is also the order of
    initialisation and of the saved file's flat weight list)."""
    labels = (*words, BOS_LABEL) if words is not None else None
    d = config.n_embd
    shapes: list[tuple[str, int, int, tuple[str, ...] | None]] = [
        ("token_embedding", config.vocab_size, d, labels),
        ("position_embedding", config.block_size, d, None),
        ("output", config.vocab_size, d, labels),
    ]
    for i in range(config.n_layer):
        for part in ("query", "key", "value", "output"):
            shapes.append((f"layers.{i}.attention.{part}", d, d, None))
        shapes.append((f"layers.{i}.mlp.hidden", 4 * d, d, None))
        shapes.append((f"layers.{i}.mlp.output", d, 4 * d, None))
    specs, offset = [], 0
    for name, rows, cols, row_labels in shapes:
        specs.append(MatrixSpec(name, rows, cols, offset, row_labels))
        offset += rows * cols
    return specs


class Model:
    """The weights (and their gradients) of one GPT."""

    def __init__(self, config: GPTConfig, words: Sequence[str] | None = None) -> None:
        if words is not None and len(words) + 1 != config.vocab_size:
            raise ConfigError(
                f"the vocabulary has {len(words)} words + BOS = {len(words) + 1} tokens, "
                f"but the model's vocabSize is {config.vocab_size}"
            )
        self.config = config
        self.words = tuple(words) if words is not None else None
        self.params = Parameters(matrix_specs(config, words))

    @classmethod
    def initialised(
        cls, config: GPTConfig, rng: Mulberry32, words: Sequence[str] | None = None
    ) -> Model:
        """A new model, every weight drawn from N(0, 0.08) in order, as the reference."""
        model = cls(config, words)
        model.params.data[:] = [rng.gauss(0.0, INIT_STD) for _ in range(model.params.count)]
        return model

    def copy(self, words: Sequence[str] | None = None) -> Model:
        """A copy of the weights, naming the tokens `words` (by default, its own)."""
        model = Model(self.config, self.words if words is None else words)
        model.params.data[:] = self.params.data
        return model

    def matrix(self, name: str) -> Matrix:
        return self.params[name]

    def layer(self, i: int) -> LayerWeights:
        m = self.params
        return LayerWeights(
            m[f"layers.{i}.attention.query"],
            m[f"layers.{i}.attention.key"],
            m[f"layers.{i}.attention.value"],
            m[f"layers.{i}.attention.output"],
            m[f"layers.{i}.mlp.hidden"],
            m[f"layers.{i}.mlp.output"],
        )


@dataclass(frozen=True)
class LayerWeights:
    query: Matrix
    key: Matrix
    value: Matrix
    attention_output: Matrix
    mlp_hidden: Matrix
    mlp_output: Matrix


@dataclass
class KVCache:
    """Keys and values of the positions seen so far, per layer: attention at position t
    looks back at all of them. Fresh for every sentence."""

    keys: list[list[list[Value]]] = field(default_factory=list)
    values: list[list[list[Value]]] = field(default_factory=list)

    @classmethod
    def empty(cls, config: GPTConfig) -> KVCache:
        return cls([[] for _ in range(config.n_layer)], [[] for _ in range(config.n_layer)])


def gpt(
    model: Model,
    token: int,
    pos: int,
    cache: KVCache,
    attention: list[tuple[float, ...]] | None = None,
) -> list[Value]:
    """Logits over the vocabulary for the token after `token` at position `pos`. Given an
    `attention` list, each head's weights over positions 0..pos are appended to it (layer
    by layer, head by head): the very numbers the weighted sum of the values used."""
    config = model.config
    nh, hd = config.n_head, config.head_dim

    # 1) Embedding: what word is this, plus where it stands.
    hidden = embed(model.matrix("token_embedding"), token, model.matrix("position_embedding"), pos)
    hidden = rmsnorm(hidden)

    # 2) Transformer layers: attention gathers context, the MLP processes it.
    for li in range(config.n_layer):
        layer = model.layer(li)
        before_attention = hidden
        hidden = rmsnorm(hidden)
        query = linear(hidden, layer.query, pos)
        key = linear(hidden, layer.key, pos)
        value = linear(hidden, layer.value, pos)
        cache.keys[li].append(key)
        cache.values[li].append(value)

        attention_output: list[Value] = []
        for h in range(nh):
            start = h * hd
            head_query = query[start : start + hd]
            # Scaled dot-product attention over every cached position: (q · k) / √head_dim.
            scores = [
                scale_down(dot(head_query, cached_key[start : start + hd]), math.sqrt(hd))
                for cached_key in cache.keys[li]
            ]
            weights = softmax(scores)
            head_values = [cached[start : start + hd] for cached in cache.values[li]]
            for j in range(hd):
                attention_output.append(dot(weights, [v[j] for v in head_values]))
            if attention is not None:
                attention.append(tuple(w.data for w in weights))

        hidden = linear(attention_output, layer.attention_output, pos)
        hidden = [a.add(b) for a, b in zip(hidden, before_attention)]  # residual

        before_mlp = hidden
        hidden = rmsnorm(hidden)
        hidden = linear(hidden, layer.mlp_hidden, pos)  # 4x wider
        hidden = [h.relu() for h in hidden]
        hidden = linear(hidden, layer.mlp_output, pos)  # and back
        hidden = [a.add(b) for a, b in zip(hidden, before_mlp)]  # residual

    # 3) Output: one score (logit) per word of the vocabulary.
    return linear(hidden, model.matrix("output"), pos)
