"""The fused engine against the straightforward port (one node per primitive op): the
same loss and the same gradient for every parameter, to the last bit."""

import numpy as np
import pytest

from core.autograd.engine import Value, vsum
from core.autograd.linear import linear
from core.autograd.params import MatrixSpec, Parameters
from core.autograd.primitives import scale_down, softmax
from core.model.gpt import GPTConfig, KVCache, Model, gpt
from core.model.graph_size import reference_node_count
from core.model.naive import NaiveGPT, reference_graph_size
from core.model.naive import linear as naive_linear
from core.reference.rng import Mulberry32


def fused_loss(model, tokens):
    n = min(model.config.block_size, len(tokens) - 1)
    cache = KVCache.empty(model.config)
    losses = []
    for pos in range(n):
        probs = softmax(gpt(model, tokens[pos], pos, cache))
        losses.append(probs[tokens[pos + 1]].log().neg())
    return scale_down(vsum(losses), n)


@pytest.fixture(scope="module")
def small_model():
    return Model.initialised(GPTConfig(vocab_size=12), Mulberry32(5))


@pytest.mark.parametrize(
    "tokens",
    [
        [11, 3, 4, 3, 11],  # a repeated word
        [11, *range(11), *range(8), 11],  # longer than the block: cut at 16 positions
    ],
)
def test_fused_gradients_equal_the_naive_port_bit_for_bit(small_model, tokens):
    naive = NaiveGPT(small_model)
    naive_loss = naive.loss(tokens)
    naive_loss.backward()
    loss = fused_loss(small_model, tokens)
    loss.backward()
    try:
        assert loss.data == naive_loss.data
        assert np.array_equal(small_model.params.grad, naive.gradients())
    finally:
        small_model.params.grad[:] = 0.0


def test_a_linear_input_with_another_consumer_keeps_gradient_order():
    # x[0] feeds the layer and a product of its own. The product's contributions (2e16)
    # arrive first; added one at a time, each row's 1.5 rounds away, while their sum (4.5)
    # would not: batching the rows past the product would change the last bits.
    params = Parameters([MatrixSpec("w", 3, 2, 0)])
    params.data[:] = [1.5, 0.25, 1.5, -0.5, 1.5, 2.0]
    xs = [1e16, 1.0]

    def x0_grad(layer):
        x = [Value(v) for v in xs]
        vsum(layer(x)).add(x[0].mul(x[0])).backward()
        return x[0].grad

    rows = [[Value(w) for w in params.data[r * 2 : r * 2 + 2]] for r in range(3)]
    expected = x0_grad(lambda x: naive_linear(x, rows))
    assert expected == 2e16
    assert x0_grad(lambda x: linear(x, params["w"])) == expected


def test_reference_node_count_formula_matches_the_naive_graph(small_model):
    tokens = [11, 2, 5, 2, 7, 11]
    assert reference_node_count(small_model.config, 5, 4) == reference_graph_size(
        small_model, tokens
    )


def test_calls_on_one_matrix_with_interleaved_rows_keep_weight_gradient_order():
    # Three inputs through the same matrix, their rows summed so that the backward pass
    # meets the calls' rows interleaved. w[0][0] receives 1.0, -1e16 and 1e16, in that
    # order (which sums to 0.0); call by call (1e16, -1e16, 1.0) would give 1.0.
    params = Parameters([MatrixSpec("w", 2, 1, 0)])
    params.data[:] = [0.5, 0.25]
    inputs = [[1e16], [-1e16], [1.0]]

    def weight_grads(layer):
        outs = [layer([Value(v) for v in x]) for x in inputs]
        vsum([outs[0][0], outs[1][0], outs[2][0], outs[2][1], outs[1][1], outs[0][1]]).backward()

    leaves = [[Value(0.5)], [Value(0.25)]]
    weight_grads(lambda x: naive_linear(x, leaves))
    weight_grads(lambda x: linear(x, params["w"]))
    assert leaves[0][0].grad == 0.0
    assert params.grad.tolist() == [leaves[0][0].grad, leaves[1][0].grad]
