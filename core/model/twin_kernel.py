"""The twin's kernel: one sentence's forward and backward pass on whole arrays, compiled
by numba, giving the scalar engine's floats to the last bit.

The scalar engine (core.autograd) builds the reference's graph of Values and walks it
back; this computes the same numbers without the graph. Two things make that exact:
- every operation is the one the reference performs, in its order: sums start at +0 and
  add left to right, x / y is x * y**-1, powers, exponentials and logarithms are V8's
  (core.reference.jitmath), and nothing is fused (numba compiles without fastmath);
- every gradient adds its contributions in the order the reference's backward delivers
  them, the reverse of its depth-first topological order. That order is regular, and
  each rule below is where it shows (tests compare every gradient with the engine's):
  * positions from last to first: each position's nodes are first reached from its own
    loss, and the losses are summed first to last, so every weight's gradient sums its
    positions last to first, and a cached key or value hears from later positions first;
  * a linear layer's input hears from its rows last row first, and in the output layer
    the target's row comes last (the loss reaches it through p before the softmax total);
  * the input shared by query, key and value hears, head by head from the last, from the
    value rows, then the key rows, then the query rows, each last row first; at position
    0, where the query meets its own key first, key and query rows alternate;
  * an RMSNorm input hears from the residual first, then the scale term, then x·x twice;
    its scale hears from the outputs last first;
  * in attention, each weight hears from the value entries last first; the softmax total
    hears from the weights of the latest position first; a query hears from the scores
    of the latest position first.

Activations are kept twice where that lets the compiler vectorise a loop without
reordering any sum: (position, feature) for sums over features and (feature, position)
for the forward products, which add across positions at once.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from core.reference.jitmath import exp, log, pow

# Compiled once per install (cached beside the source), without fastmath, and releasing
# the GIL, so that a fast-forward on a worker thread leaves the interface responsive.
compiled = njit(cache=True, nogil=True, error_model="numpy", boundscheck=False)
RMSNORM_EPS = 1e-5  # as core.autograd.primitives.RMSNORM_EPS (a test checks they agree)

# Where each matrix starts in `offsets` (the reference's order of matrices).
TOKEN, POSITION, OUTPUT, LAYERS = 0, 1, 2, 3
QUERY, KEY, VALUE, ATTENTION_OUTPUT, MLP_HIDDEN, MLP_OUTPUT = range(6)
# What a layer's forward keeps for its backward, each [position, feature].
LAYER_IN, NORMED, QUERIES, KEYS, VALUES, ATTENDED, MIDDLE, MLP_NORMED = range(8)
SAVED = 8
_EXPONENT = np.uint64(0x7FF0000000000000)  # a double's exponent bits


@compiled
def _matrix(flat, offsets, which, rows, cols):
    start = offsets[which]
    return flat[start : start + rows * cols].reshape(rows, cols)


@compiled
def _js_max(values):
    """Math.max(...values): NaN as soon as one is NaN."""
    best = -np.inf
    for v in values:
        if v != v:
            return v
        if v > best:
            best = v
    return best


@compiled
def _linear(w_t, x):
    """y[t, r] = Σ_i w[r, i] x[t, i], from +0, i ascending, from the transposed matrix
    w_t[i, r] (see `transposed`): each position's sums for all rows at once."""
    n = x.shape[0]
    cols, rows = w_t.shape
    y = np.zeros((n, rows))
    for t in range(n):
        acc = y[t]
        for i in range(cols):
            xi = x[t, i]
            wi = w_t[i]
            for r in range(rows):
                acc[r] += wi[r] * xi
    return y


@compiled
def _rmsnorm(x, inverse_width):
    """x * (mean(x²) + eps) ** -0.5 per position; also the scale and mean(x²) + eps."""
    n, cols = x.shape
    y = np.empty_like(x)
    scale = np.empty(n)
    shifted = np.empty(n)
    for t in range(n):
        acc = 0.0
        for i in range(cols):
            acc += x[t, i] * x[t, i]
        shifted[t] = acc * inverse_width + RMSNORM_EPS
        scale[t] = pow(shifted[t], -0.5)
        for i in range(cols):
            y[t, i] = x[t, i] * scale[t]
    return y, scale, shifted


@compiled
def _rmsnorm_back(x, scale, shifted, gy, inverse_width, gx):
    """Adds, per position, the RMSNorm's contributions to gx (which may already hold the
    residual's): the scale term, then x·x's two."""
    n, cols = x.shape
    for t in range(n):
        g_scale = 0.0
        for i in range(cols - 1, -1, -1):
            g_scale += x[t, i] * gy[t, i]
        g_shifted = 0.0 + (-0.5 * pow(shifted[t], -1.5)) * g_scale
        g_mean = 0.0 + 1.0 * g_shifted
        g_dot = 0.0 + inverse_width * g_mean
        for i in range(cols):
            gx[t, i] += scale[t] * gy[t, i]
            term = x[t, i] * g_dot
            gx[t, i] += term
            gx[t, i] += term


@compiled
def _weight_grads(gw, gy, x):
    """gw[r, i] += gy[t, r] * x[t, i], positions last to first."""
    n, cols = x.shape
    for r in range(gw.shape[0]):
        row = gw[r]
        for t in range(n - 1, -1, -1):
            g = gy[t, r]
            xt = x[t]
            for i in range(cols):
                row[i] += g * xt[i]


@compiled
def _add_row(acc, w, r, g):
    """acc[i] += w[r, i] * g: one row's contributions to a layer's input gradient."""
    wr = w[r]
    for i in range(acc.shape[0]):
        acc[i] += wr[i] * g


@compiled
def _input_grads(w, gy):
    """gx[t, i] = Σ_r w[r, i] gy[t, r], last row first."""
    n = gy.shape[0]
    rows, cols = w.shape
    gx = np.zeros((n, cols))
    for t in range(n):
        for r in range(rows - 1, -1, -1):
            _add_row(gx[t], w, r, gy[t, r])
    return gx


@compiled
def _qkv_input_grads(wq, wk, wv, gq, gk, gv, n_head, head_dim):
    """The gradient of the input shared by query, key and value (see the module's rules)."""
    n, cols = gq.shape[0], wq.shape[1]
    gx = np.zeros((n, cols))
    for t in range(n):
        acc = gx[t]
        for h in range(n_head - 1, -1, -1):
            first = h * head_dim
            for r in range(first + head_dim - 1, first - 1, -1):
                _add_row(acc, wv, r, gv[t, r])
            if t == 0:
                for r in range(first + head_dim - 1, first - 1, -1):
                    _add_row(acc, wk, r, gk[t, r])
                    _add_row(acc, wq, r, gq[t, r])
            else:
                for r in range(first + head_dim - 1, first - 1, -1):
                    _add_row(acc, wk, r, gk[t, r])
                for r in range(first + head_dim - 1, first - 1, -1):
                    _add_row(acc, wq, r, gq[t, r])
    return gx


@compiled
def _softmax(scores, exps):
    """exps = exp(s - max) (as s + -max); returns their total (from +0) and total ** -1."""
    top = _js_max(scores)
    total = 0.0
    for s in range(scores.shape[0]):
        exps[s] = exp(scores[s] + (-top))
        total += exps[s]
    return total, pow(total, -1.0)


@compiled
def _attention(q, k, v, n_head, head_dim, inverse_sqrt, weights, exps, totals, inverses):
    """Each position's heads over the positions up to its own; fills the softmax arrays
    [head, t, s] and returns the concatenated head outputs [t, feature]."""
    n, cols = q.shape
    out = np.zeros((n, cols))
    scores = np.empty(n)
    for h in range(n_head):
        first = h * head_dim
        for t in range(n):
            for s in range(t + 1):
                acc = 0.0
                for j in range(first, first + head_dim):
                    acc += q[t, j] * k[s, j]
                scores[s] = acc * inverse_sqrt
            total, inverse = _softmax(scores[: t + 1], exps[h, t, : t + 1])
            totals[h, t] = total
            inverses[h, t] = inverse
            for s in range(t + 1):
                weights[h, t, s] = exps[h, t, s] * inverse
            for j in range(first, first + head_dim):
                acc = 0.0
                for s in range(t + 1):
                    acc += weights[h, t, s] * v[s, j]
                out[t, j] = acc
    return out


@compiled
def _attention_back(
    q, k, v, weights, exps, totals, inverses, g_out, t, n_head, head_dim, inverse_sqrt, gq, gk, gv
):
    """Position t's attention backward: adds to gq[t] and to gk, gv of positions ≤ t."""
    for h in range(n_head - 1, -1, -1):
        first = h * head_dim
        g_weight = np.zeros(t + 1)
        for j in range(first + head_dim - 1, first - 1, -1):
            g = g_out[t, j]
            for s in range(t, -1, -1):
                gv[s, j] += weights[h, t, s] * g
                g_weight[s] += v[s, j] * g
        inverse = inverses[h, t]
        local = -1.0 * pow(totals[h, t], -2.0)
        g_total = 0.0
        for s in range(t, -1, -1):
            g_total += local * (exps[h, t, s] * g_weight[s])
        for s in range(t, -1, -1):
            g_exp = (0.0 + inverse * g_weight[s]) + g_total
            g_score = 0.0 + exps[h, t, s] * g_exp
            g_dot = 0.0 + inverse_sqrt * g_score
            for j in range(first + head_dim - 1, first - 1, -1):
                gk[s, j] += q[t, j] * g_dot
                gq[t, j] += k[s, j] * g_dot


@compiled
def _output_input_grads(w, g_logits, targets):
    """The output layer's input gradient: rows last first, the target's row last."""
    n = g_logits.shape[0]
    rows, cols = w.shape
    gx = np.zeros((n, cols))
    for t in range(n):
        acc = gx[t]
        target = targets[t]
        for r in range(rows - 1, -1, -1):
            if r != target:
                _add_row(acc, w, r, g_logits[t, r])
        _add_row(acc, w, target, g_logits[t, target])
    return gx


@compiled
def _relu(a):
    """Math.max(0, x): NaN stays NaN."""
    r = np.empty_like(a)
    for t in range(a.shape[0]):
        for i in range(a.shape[1]):
            r[t, i] = a[t, i] if (a[t, i] > 0.0 or a[t, i] != a[t, i]) else 0.0
    return r


@compiled
def _layer_forward(data_t, offsets, base, x, shape, kept):
    """One transformer layer on every position (data_t: the weights as `transposed` gives
    them; shape: n_head, head_dim, 1 / width, 1 / √head_dim), keeping in `kept` what its
    backward needs: saved[k] (k: LAYER_IN ... MLP_NORMED), the attention's weights and
    exps (softmax[0], softmax[1], each [head, t, s]), their totals and inverses (sums[0],
    sums[1], [head, t]), and the two RMSNorms' scales and mean(x²) + eps (norms[0..3])."""
    n_head, head_dim, inverse_width, inverse_sqrt = shape
    saved, softmax, sums, norms = kept
    width = x.shape[1]
    saved[LAYER_IN] = x
    xn, norms[0], norms[1] = _rmsnorm(x, inverse_width)
    saved[NORMED] = xn
    saved[QUERIES] = _linear(_matrix(data_t, offsets, base + QUERY, width, width), xn)
    saved[KEYS] = _linear(_matrix(data_t, offsets, base + KEY, width, width), xn)
    saved[VALUES] = _linear(_matrix(data_t, offsets, base + VALUE, width, width), xn)
    saved[ATTENDED] = _attention(
        saved[QUERIES], saved[KEYS], saved[VALUES], n_head, head_dim, inverse_sqrt,
        softmax[0], softmax[1], sums[0], sums[1],
    )  # fmt: skip
    wo = _matrix(data_t, offsets, base + ATTENTION_OUTPUT, width, width)
    saved[MIDDLE] = _linear(wo, saved[ATTENDED]) + x
    xn, norms[2], norms[3] = _rmsnorm(saved[MIDDLE], inverse_width)
    saved[MLP_NORMED] = xn
    hidden = _linear(_matrix(data_t, offsets, base + MLP_HIDDEN, width, 4 * width), xn)
    relu = _relu(hidden)
    w2 = _matrix(data_t, offsets, base + MLP_OUTPUT, 4 * width, width)
    return _linear(w2, relu) + saved[MIDDLE], hidden, relu


@compiled
def _layer_backward(data, grad, offsets, base, g, shape, kept, hidden, relu):
    """The gradient of the layer's input from that of its output `g`, adding the
    gradients of its six matrices to `grad` (shape and kept: as `_layer_forward`'s)."""
    n_head, head_dim, inverse_width, inverse_sqrt = shape
    saved, softmax, sums, norms = kept
    n, width = g.shape
    # The MLP block: out = mlp(rmsnorm(middle)) + middle.
    g_mlp_out = g + 0.0
    _weight_grads(_matrix(grad, offsets, base + MLP_OUTPUT, width, 4 * width), g_mlp_out, relu)
    g_relu = _input_grads(_matrix(data, offsets, base + MLP_OUTPUT, width, 4 * width), g_mlp_out)
    g_hidden = np.empty_like(g_relu)
    for t in range(n):
        for i in range(4 * width):
            g_hidden[t, i] = 0.0 + (1.0 if hidden[t, i] > 0.0 else 0.0) * g_relu[t, i]
    mlp_normed = saved[MLP_NORMED]
    _weight_grads(_matrix(grad, offsets, base + MLP_HIDDEN, 4 * width, width), g_hidden, mlp_normed)
    g_normed = _input_grads(_matrix(data, offsets, base + MLP_HIDDEN, 4 * width, width), g_hidden)
    g_middle = 0.0 + 1.0 * g  # the residual's contribution comes first
    _rmsnorm_back(saved[MIDDLE], norms[2], norms[3], g_normed, inverse_width, g_middle)

    # The attention block: middle = attention(rmsnorm(layer_in)) + layer_in.
    g_projected = g_middle + 0.0
    wo_grad = _matrix(grad, offsets, base + ATTENTION_OUTPUT, width, width)
    _weight_grads(wo_grad, g_projected, saved[ATTENDED])
    wo = _matrix(data, offsets, base + ATTENTION_OUTPUT, width, width)
    g_attended = _input_grads(wo, g_projected)
    g_queries = np.zeros((n, width))
    g_keys = np.zeros((n, width))
    g_values = np.zeros((n, width))
    for t in range(n - 1, -1, -1):
        _attention_back(
            saved[QUERIES], saved[KEYS], saved[VALUES], softmax[0], softmax[1], sums[0],
            sums[1], g_attended, t, n_head, head_dim, inverse_sqrt, g_queries, g_keys, g_values,
        )  # fmt: skip
    normed = saved[NORMED]
    _weight_grads(_matrix(grad, offsets, base + QUERY, width, width), g_queries, normed)
    _weight_grads(_matrix(grad, offsets, base + KEY, width, width), g_keys, normed)
    _weight_grads(_matrix(grad, offsets, base + VALUE, width, width), g_values, normed)
    g_normed = _qkv_input_grads(
        _matrix(data, offsets, base + QUERY, width, width),
        _matrix(data, offsets, base + KEY, width, width),
        _matrix(data, offsets, base + VALUE, width, width),
        g_queries, g_keys, g_values, n_head, head_dim,
    )  # fmt: skip
    g_in = 0.0 + 1.0 * g_middle
    _rmsnorm_back(saved[LAYER_IN], norms[0], norms[1], g_normed, inverse_width, g_in)
    return g_in


@compiled
def _output_backward(out_exps, out_totals, out_inverses, probs, targets, inverse_n):
    """The logits' gradient: through the mean, −log p, p = exp · total⁻¹ and the total."""
    n, vocab = out_exps.shape
    g_loss_sum = 0.0 + inverse_n * 1.0
    g_logits = np.zeros((n, vocab))
    for t in range(n):
        g_loss_t = 0.0 + g_loss_sum
        g_log = 0.0 + -1.0 * g_loss_t
        g_p = 0.0 + (1.0 / probs[t]) * g_log
        target = targets[t]
        g_target_exp = 0.0 + out_inverses[t] * g_p  # p's contribution comes first
        g_total = 0.0 + (-1.0 * pow(out_totals[t], -2.0)) * (out_exps[t, target] * g_p)
        for r in range(vocab):
            g_logits[t, r] = 0.0 + out_exps[t, r] * (0.0 + g_total)
        g_logits[t, target] = 0.0 + out_exps[t, target] * (g_target_exp + g_total)
    return g_logits


@compiled
def run(data, data_t, grad, offsets, tokens, n, n_layer, n_head, head_dim, backward, probs, losses):
    """One sentence (tokens: BOS, ids, BOS) over its first n positions: returns the mean
    loss and fills each position's p(target) and loss; with `backward`, adds the loss's
    gradient to `grad` (zero before a step, as the scalar engine expects it). data_t: the
    weights as `transposed` gives them, for the forward pass."""
    width = n_head * head_dim
    vocab = (offsets[POSITION] - offsets[TOKEN]) // width
    block = (offsets[OUTPUT] - offsets[POSITION]) // width
    inverse_width = pow(float(width), -1.0)
    inverse_sqrt = pow(math.sqrt(head_dim), -1.0)
    shape = (n_head, head_dim, inverse_width, inverse_sqrt)
    token_rows = _matrix(data, offsets, TOKEN, vocab, width)
    position_rows = _matrix(data, offsets, POSITION, block, width)

    # Forward, every position at once (a position never sees a later one).
    embedded = np.empty((n, width))
    for t in range(n):
        for i in range(width):
            embedded[t, i] = token_rows[tokens[t], i] + position_rows[t, i]
    x, scale0, shifted0 = _rmsnorm(embedded, inverse_width)
    saved = np.empty((n_layer, SAVED, n, width))
    softmax = np.zeros((n_layer, 2, n_head, n, n))
    sums = np.empty((n_layer, 2, n_head, n))
    norms = np.empty((n_layer, 4, n))
    hidden = np.empty((n_layer, n, 4 * width))
    relu = np.empty((n_layer, n, 4 * width))
    for li in range(n_layer):
        kept = (saved[li], softmax[li], sums[li], norms[li])
        x, hidden[li], relu[li] = _layer_forward(data_t, offsets, LAYERS + 6 * li, x, shape, kept)
    final = x
    w_out = _matrix(data, offsets, OUTPUT, vocab, width)
    logits = _linear(_matrix(data_t, offsets, OUTPUT, width, vocab), final)
    out_exps = np.empty((n, vocab))
    out_inverses = np.empty(n)
    out_totals = np.empty(n)
    targets = np.empty(n, dtype=np.int64)
    loss_sum = 0.0
    for t in range(n):
        targets[t] = tokens[t + 1]
        out_totals[t], out_inverses[t] = _softmax(logits[t], out_exps[t])
        probs[t] = out_exps[t, targets[t]] * out_inverses[t]
        losses[t] = log(probs[t]) * -1.0
        loss_sum += losses[t]
    inverse_n = pow(float(n), -1.0)
    loss = loss_sum * inverse_n
    if not backward:
        return loss

    # Backward: every sum in the reference's order (see the module's rules).
    g_logits = _output_backward(out_exps, out_totals, out_inverses, probs, targets, inverse_n)
    _weight_grads(_matrix(grad, offsets, OUTPUT, vocab, width), g_logits, final)
    g = _output_input_grads(w_out, g_logits, targets)
    for li in range(n_layer - 1, -1, -1):
        kept = (saved[li], softmax[li], sums[li], norms[li])
        g = _layer_backward(
            data, grad, offsets, LAYERS + 6 * li, g, shape, kept, hidden[li], relu[li]
        )

    # The first RMSNorm (no residual around it), then the embedding lookup.
    g_embedded = np.zeros((n, width))
    _rmsnorm_back(embedded, scale0, shifted0, g, inverse_width, g_embedded)
    token_grads = _matrix(grad, offsets, TOKEN, vocab, width)
    position_grads = _matrix(grad, offsets, POSITION, block, width)
    for t in range(n - 1, -1, -1):
        for i in range(width):
            token_grads[tokens[t], i] += g_embedded[t, i]
            position_grads[t, i] += g_embedded[t, i]
    return loss


@compiled
def _transpose_into(data, data_t, offsets, which, rows, cols):
    data_t_block = _matrix(data_t, offsets, which, cols, rows)
    data_t_block[:, :] = _matrix(data, offsets, which, rows, cols).T


@compiled
def transposed(data, offsets, n_layer, width, data_t):
    """Fills data_t with every matrix a linear layer uses, each transposed where it lies in
    data (the embeddings are left out): the forward pass's sums then add along rows."""
    vocab = (offsets[POSITION] - offsets[TOKEN]) // width
    _transpose_into(data, data_t, offsets, OUTPUT, vocab, width)
    for li in range(n_layer):
        base = LAYERS + 6 * li
        for part in (QUERY, KEY, VALUE, ATTENTION_OUTPUT):
            _transpose_into(data, data_t, offsets, base + part, width, width)
        _transpose_into(data, data_t, offsets, base + MLP_HIDDEN, 4 * width, width)
        _transpose_into(data, data_t, offsets, base + MLP_OUTPUT, width, 4 * width)


@compiled
def mean_loss(data, offsets, tokens, starts, block, n_layer, n_head, head_dim):
    """The mean loss of many sentences (sentence k: tokens[starts[k]:starts[k + 1]]), each
    its mean over positions, summed left to right from +0 and divided by their number."""
    data_t = np.empty_like(data)
    transposed(data, offsets, n_layer, n_head * head_dim, data_t)
    grad = np.empty(0)
    probs = np.empty(block)
    losses = np.empty(block)
    total = 0.0
    count = starts.shape[0] - 1
    for k in range(count):
        sentence = tokens[starts[k] : starts[k + 1]]
        n = min(block, sentence.shape[0] - 1)
        total += run(
            data, data_t, grad, offsets, sentence, n, n_layer, n_head, head_dim, False,
            probs, losses,
        )  # fmt: skip
    return total / count


@compiled
def _any_not_finite(a):
    # An infinity or a NaN has every exponent bit set; counting them is an integer sum,
    # which the compiler vectorises (an early return, or a float test, it does not).
    bits = a.view(np.uint64)
    count = 0
    for i in range(bits.shape[0]):
        count += (bits[i] & _EXPONENT) == _EXPONENT
    return count != 0


@compiled
def all_finite(a, b):
    """Whether every number of a and b is finite."""
    return not (_any_not_finite(a) or _any_not_finite(b))


@compiled
def adam_update(data, grad, m, v, lr, beta1, beta2, keep1, keep2, bias1, bias2, eps):
    """core.training.optimizer.Adam.update in one pass: the same IEEE operations on each
    parameter (keep1 and keep2 are 1 - beta1 and 1 - beta2, computed by the caller as
    the vectorised update computes them), grad zeroed after."""
    for i in range(data.shape[0]):
        g = grad[i]
        m[i] = beta1 * m[i] + keep1 * g
        v[i] = beta2 * v[i] + keep2 * (g * g)
        m_hat = m[i] / bias1
        v_hat = v[i] / bias2
        data[i] -= lr * m_hat / (math.sqrt(v_hat) + eps)
        grad[i] = 0.0
