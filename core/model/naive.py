"""The straightforward port: the tutorial's model and loss built from primitive ops only,
one `Value` per operation and one per parameter, exactly as the reference builds them.

It is slow (seconds per step) and exists to prove the fused engine exact: both must give
the same loss and the same gradient for every parameter, bit for bit. It also counts the
nodes the reference would build, which the debugger reports beside its own count.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from core.autograd.engine import Value, topological_order
from core.model.gpt import Model


def chain_sum(values: Sequence[Value]) -> Value:
    """The reference's vsum: Value(0) + v0 + v1 + ..., one add node per term."""
    total = Value(0.0)
    for v in values:
        total = total.add(v)
    return total


def linear(x: Sequence[Value], w: list[list[Value]]) -> list[Value]:
    return [chain_sum([wi.mul(x[i]) for i, wi in enumerate(row)]) for row in w]


def softmax(logits: Sequence[Value]) -> list[Value]:
    max_val = max(v.data for v in logits)
    exps = [v.sub(max_val).exp() for v in logits]
    total = chain_sum(exps)
    return [e.div(total) for e in exps]


def rmsnorm(x: Sequence[Value]) -> list[Value]:
    ms = chain_sum([xi.mul(xi) for xi in x]).div(len(x))
    scale = ms.add(1e-5).pow(-0.5)
    return [xi.mul(scale) for xi in x]


class NaiveGPT:
    """The model's weights as one leaf `Value` each, in the reference's nested layout."""

    def __init__(self, model: Model) -> None:
        self.model = model
        self.leaves = [Value(float(d)) for d in model.params.data]
        self.matrices: dict[str, list[list[Value]]] = {}
        for spec in model.params.specs:
            flat = self.leaves[spec.offset : spec.offset + spec.size]
            self.matrices[spec.name] = [
                flat[r * spec.cols : (r + 1) * spec.cols] for r in range(spec.rows)
            ]

    def gpt(
        self,
        token: int,
        pos: int,
        keys: list[list[list[Value]]],
        values: list[list[list[Value]]],
        attention: list[tuple[float, ...]] | None = None,
    ) -> list[Value]:
        """As core.model.gpt.gpt, `attention` too: each head's weights are appended to it."""
        config, m = self.model.config, self.matrices
        hd = config.head_dim
        x = [t.add(p) for t, p in zip(m["token_embedding"][token], m["position_embedding"][pos])]
        x = rmsnorm(x)
        for li in range(config.n_layer):
            name = f"layers.{li}"
            residual = x
            x = rmsnorm(x)
            q = linear(x, m[f"{name}.attention.query"])
            k = linear(x, m[f"{name}.attention.key"])
            v = linear(x, m[f"{name}.attention.value"])
            keys[li].append(k)
            values[li].append(v)
            attended: list[Value] = []
            for h in range(config.n_head):
                hs = h * hd
                logits = [
                    chain_sum([qj.mul(kt[hs + j]) for j, qj in enumerate(q[hs : hs + hd])]).div(
                        math.sqrt(hd)
                    )
                    for kt in keys[li]
                ]
                weights = softmax(logits)
                if attention is not None:
                    attention.append(tuple(w.data for w in weights))
                for j in range(hd):
                    attended.append(
                        chain_sum([w.mul(vt[hs + j]) for w, vt in zip(weights, values[li])])
                    )
            x = [
                a.add(b) for a, b in zip(linear(attended, m[f"{name}.attention.output"]), residual)
            ]
            residual = x
            x = rmsnorm(x)
            x = [xi.relu() for xi in linear(x, m[f"{name}.mlp.hidden"])]
            x = [a.add(b) for a, b in zip(linear(x, m[f"{name}.mlp.output"]), residual)]
        return linear(x, m["output"])

    def loss(self, tokens: Sequence[int]) -> Value:
        """The mean cross-entropy of one sentence, as the reference's training step."""
        n = min(self.model.config.block_size, len(tokens) - 1)
        layers = self.model.config.n_layer
        keys: list[list[list[Value]]] = [[] for _ in range(layers)]
        values: list[list[list[Value]]] = [[] for _ in range(layers)]
        losses = []
        for pos in range(n):
            probs = softmax(self.gpt(tokens[pos], pos, keys, values))
            losses.append(probs[tokens[pos + 1]].log().neg())
        return chain_sum(losses).div(n)

    def gradients(self) -> np.ndarray:
        return np.array([leaf.grad for leaf in self.leaves])


def reference_graph_size(model: Model, tokens: Sequence[int]) -> int:
    """How many nodes the reference's backward walks for this sentence's loss."""
    return len(topological_order(NaiveGPT(model).loss(tokens)))
