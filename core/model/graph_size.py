"""How big the tutorial's computation graph of one step is, from the model's shape alone:
the number the status bar gives beside our own graph's node count."""

from __future__ import annotations

from core.model.gpt import GPTConfig


def reference_node_count(config: GPTConfig, n: int, distinct_inputs: int) -> int:
    """The same number as `reference_graph_size`, from the shapes alone (O(1)): every node
    the reference's backward walks, parameter leaves included."""
    d, v, f = config.n_embd, config.vocab_size, 4 * config.n_embd
    layers, heads, hd = config.n_layer, config.n_head, config.head_dim
    rmsnorm = 3 * d + 7  # squares, their sum from Value(0), / d, + eps, ** -0.5, scaling
    linears = 4 * d * (2 * d + 1) + f * (2 * d + 1) + d * (2 * f + 1)  # q k v o, mlp
    total = 0
    for t in range(n):
        keys = t + 1
        head = keys * (4 * hd + 12) + hd + 1  # scores, softmax, weighted sums
        layer = linears + 2 * d + f + heads * head  # + residual adds and relus
        loss = v * (2 * d + 1) + 6 * v + 6  # logits, softmax (one prob used), -log
        total += d + (1 + 2 * layers) * rmsnorm + layers * layer + loss
    leaves = (distinct_inputs + n + v) * d + layers * (4 * d * d + 2 * f * d)
    return total + n + 4 + leaves  # + the mean: sum from Value(0), / n
