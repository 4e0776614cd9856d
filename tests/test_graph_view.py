"""The graph's views against the engine: for every kind of node, what the explorer reports
(data, grad, the local gradients and contributions to each child, the children
themselves) is the engine's, to the bit; and every fused node opened into primitives is
the reference's graph of the same computation, node for node."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.autograd.engine import Value, dot, vsum
from core.autograd.graph_view import (
    EmbedNode,
    GraphNode,
    LinearRowNode,
    ParameterNode,
    Primitive,
    ProbabilityNode,
    ScaleNode,
    ShiftedExpNode,
    SumNode,
    ValueNode,
    node_of,
)
from core.autograd.linear import linear
from core.autograd.params import MatrixSpec, Parameters
from core.autograd.primitives import embed, scale_down, softmax
from core.model import naive

NO_PARAMS = Parameters([MatrixSpec("unused", 1, 1, 0)])


def assert_is_engine_node(view: GraphNode, value: Value) -> None:
    assert view.key is value
    assert (view.data, view.grad) == (value.data, value.grad)


def assert_same_graph(ours: GraphNode, theirs: Value) -> None:
    """An expansion against the reference's nodes: the same op, data, grad, and for each
    child the same local gradient and contribution, down to the fused node's children
    (real nodes, compared by data only: the reference's copies are other objects)."""
    assert (ours.data, ours.grad) == (theirs.data, theirs.grad)
    if not isinstance(ours, Primitive):
        return
    kind = {"constant": ""}.get(ours.op, ours.op)
    assert kind == theirs._op or (kind == "" and not theirs._children)
    kids = ours.children()
    assert len(kids) == len(theirs._children)
    for child, their_child, local in zip(kids, theirs._children, theirs._local_grads):
        assert child.local == local
        assert child.contribution == local * theirs.grad
        if isinstance(child.node, Primitive):
            assert_same_graph(child.node, their_child)
        else:
            assert child.node.data == their_child.data


def leaves(values: list[float]) -> list[Value]:
    return [Value(v) for v in values]


XS = [0.75, -1.25, 2.5, 0.125]
YS = [-0.5, 1.5, 0.25, -3.0]


# --- primitive nodes ---


@pytest.mark.parametrize(
    ("op", "make"),
    [
        ("+", lambda a, b: a.add(b)),
        ("*", lambda a, b: a.mul(b)),
        ("**-0.5", lambda a, b: a.pow(-0.5)),
        ("log", lambda a, b: a.log()),
        ("exp", lambda a, b: a.exp()),
        ("relu", lambda a, b: a.relu()),
        ("relu", lambda a, b: a.neg().relu()),
    ],
)
def test_a_primitive_node_shows_the_engines_numbers(op, make):
    a, b = Value(1.75), Value(-0.625)
    out = make(a, b)
    out.mul(3.0).backward()
    view = node_of(out, NO_PARAMS)
    assert type(view) is ValueNode and view.op == op
    assert_is_engine_node(view, out)
    kids = view.children()
    assert [c.node.key for c in kids] == list(out._children)
    assert [c.local for c in kids] == list(out._local_grads)
    assert [c.contribution for c in kids] == [lo * out.grad for lo in out._local_grads]
    assert view.primitives() is None and view.fused == ""


def test_a_constant_is_a_leaf_named_so():
    out = Value(2.0).neg()  # Value(2) * Value(-1)
    out.backward()
    constant = node_of(out, NO_PARAMS).children()[1].node
    assert constant.op == "constant" and constant.data == -1.0 and constant.children() == []


def test_a_leaf_used_once_received_exactly_its_parents_contribution():
    a, b = Value(0.3), Value(0.7)
    out = a.mul(b).log()
    out.backward()
    (product,) = node_of(out, NO_PARAMS).children()
    for child, leaf in zip(product.node.children(), (a, b)):
        assert child.contribution == leaf.grad


# --- fused nodes ---


def test_a_sum_shows_its_terms_and_opens_into_the_references_chain():
    xs = leaves(XS)
    total = vsum(xs)
    total.mul(-2.0).backward()
    view = node_of(total, NO_PARAMS)
    assert isinstance(view, SumNode) and view.op == "sum"
    assert_is_engine_node(view, total)
    kids = view.children()
    assert [c.node.key for c in kids] == xs
    assert all(c.local == 1.0 and c.contribution == total.grad == x.grad for c, x in zip(kids, xs))
    theirs = naive.chain_sum(leaves(XS))
    theirs.mul(-2.0).backward()
    assert_same_graph(view.primitives(), theirs)
    assert view.primitive_count == len(XS) + 1


def test_a_dot_product_shows_its_pairs_and_opens_into_muls_and_adds():
    xs, ys = leaves(XS), leaves(YS)
    out = dot(xs, ys)
    out.mul(0.5).backward()
    view = node_of(out, NO_PARAMS)
    assert isinstance(view, SumNode) and view.op == "dot"
    assert_is_engine_node(view, out)
    kids = view.children()
    assert [c.node.key for c in kids] == [v for pair in zip(xs, ys) for v in pair]
    assert [c.local for c in kids] == list(out._local_grads)
    assert all(c.contribution == c.node.grad for c in kids)  # each leaf used once
    theirs_x, theirs_y = leaves(XS), leaves(YS)
    theirs = naive.chain_sum([x.mul(y) for x, y in zip(theirs_x, theirs_y)])
    theirs.mul(0.5).backward()
    assert_same_graph(view.primitives(), theirs)
    assert view.primitive_count == 2 * len(XS) + 1


def test_a_dot_product_of_a_vector_with_itself_lists_each_member_twice():
    xs = leaves(XS)
    out = dot(xs, xs)  # rmsnorm's mean square
    out.backward()
    kids = node_of(out, NO_PARAMS).children()
    for i, x in enumerate(xs):
        first, second = kids[2 * i], kids[2 * i + 1]
        assert first.node.key is second.node.key is x
        assert 0.0 + first.contribution + second.contribution == x.grad


def small_matrix() -> Parameters:
    params = Parameters([MatrixSpec("w", 3, 4, 0, ("a", "[b]", "c"))])
    params.data[:] = np.linspace(-1.1, 0.9, 12)
    return params


def test_a_linear_row_shows_its_inputs_and_weights():
    params = small_matrix()
    xs = leaves(XS)
    rows = linear(xs, params["w"], position=7)
    vsum([r.mul(float(k + 1)) for k, r in enumerate(rows)]).backward()
    view = node_of(rows[1], params)
    assert isinstance(view, LinearRowNode)
    assert (view.matrix, view.row, view.row_label, view.position) == ("w", 1, "[b]", 7)
    assert_is_engine_node(view, rows[1])
    kids = view.children()
    inputs, weights = kids[:4], kids[4:]
    assert [c.node.key for c in inputs] == xs
    assert [c.local for c in inputs] == params.data[4:8].tolist()
    assert [c.contribution for c in inputs] == [w * rows[1].grad for w in params.data[4:8]]
    assert all(isinstance(c.node, ParameterNode) for c in weights)
    assert [c.node.index for c in weights] == [4, 5, 6, 7]  # type: ignore[attr-defined]
    assert [(c.node.data, c.node.grad) for c in weights] == list(
        zip(params.data[4:8], params.grad[4:8])
    )
    assert [c.local for c in weights] == XS
    assert [c.contribution for c in weights] == params.grad[4:8].tolist()  # one use each
    assert weights[2].role == "w[[b]][2]" and weights[2].node.name == "w[[b]][2]"  # type: ignore[attr-defined]
    edge = lambda c: (c.node.key, c.local, c.contribution, c.role)  # noqa: E731
    assert [edge(view.child(k)) for k in range(8)] == [edge(c) for c in kids]


def test_a_linear_row_opens_into_the_references_chain_of_products():
    params = small_matrix()
    rows = linear(leaves(XS), params["w"])
    rows[2].mul(1.5).backward()
    w = [[Value(float(params.data[r * 4 + c])) for c in range(4)] for r in range(3)]
    theirs = naive.linear(leaves(XS), w)[2]
    theirs.mul(1.5).backward()
    assert_same_graph(node_of(rows[2], params).primitives(), theirs)


def test_a_softmax_output_shows_its_exp_and_total():
    logits = leaves(XS)
    probs = softmax(logits)
    p = probs[2]
    p.log().backward()
    view = node_of(p, NO_PARAMS)
    assert isinstance(view, ProbabilityNode)
    assert_is_engine_node(view, p)
    exp, total = view.children()
    assert exp.node.key is probs.exps[2] and total.node.key is probs.total
    assert (exp.role, total.role) == ("exp", "total")
    theirs = naive.softmax(leaves(XS))[2]
    theirs.log().backward()
    assert_same_graph(view.primitives(), theirs)


def test_a_softmaxs_exp_knows_its_max_and_opens_into_the_references_sub_and_exp():
    logits = leaves(XS)
    probs = softmax(logits)
    probs[0].mul(4.0).backward()
    total = node_of(probs[0], NO_PARAMS).children()[1].node
    assert isinstance(total, SumNode)
    exps = [c.node for c in total.children()]
    assert all(isinstance(e, ShiftedExpNode) and e.max == max(XS) for e in exps)
    their_logits = leaves(XS)
    their_probs = naive.softmax(their_logits)
    their_probs[0].mul(4.0).backward()
    their_total = their_probs[0]._children[1]._children[0]  # e * total ** -1
    # ((0 + e0) + e1) + ...: the terms are the adds' second children, last first.
    their_exps = []
    node = their_total
    while node._children:
        node, term = node._children
        their_exps.append(term)
    for ours, theirs in zip(exps, reversed(their_exps)):
        assert_same_graph(ours.primitives(), theirs)
    for logit, their_logit in zip(logits, their_logits):
        assert logit.grad == their_logit.grad


def test_a_scaled_value_opens_into_a_constant_a_pow_and_a_mul():
    v = Value(3.25)
    out = scale_down(v, math.sqrt(8))
    out.exp().backward()
    view = node_of(out, NO_PARAMS)
    assert isinstance(view, ScaleNode) and view.divisor == math.sqrt(8)
    assert_is_engine_node(view, out)
    (child,) = view.children()
    assert child.node.key is v and child.contribution == v.grad
    theirs_v = Value(3.25)
    theirs = theirs_v.div(math.sqrt(8))
    theirs.exp().backward()
    assert_same_graph(view.primitives(), theirs)


def test_an_embedding_sum_shows_its_two_parameters():
    params = Parameters(
        [MatrixSpec("token_embedding", 3, 2, 0), MatrixSpec("position_embedding", 2, 2, 6)]
    )
    params.data[:] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    hidden = embed(params["token_embedding"], 1, params["position_embedding"], 1)
    hidden[1].mul(2.5).backward()
    view = node_of(hidden[1], params)
    assert isinstance(view, EmbedNode) and view.data == 0.4 + 1.0
    token, position = view.children()
    assert (token.node.index, position.node.index) == (3, 9)  # type: ignore[attr-defined]
    assert token.node.name == "token_embedding[1][1]"  # type: ignore[attr-defined]
    for child in (token, position):
        assert child.local == 1.0 and child.contribution == hidden[1].grad == child.node.grad
    assert view.primitives() is None
