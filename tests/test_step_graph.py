"""A step's graph, rebuilt to be explored: the step's own gradient; a summary that counts
the reference's nodes; a path from the loss to any parameter the step used; and every
parameter's gradient as the terms the engine added, one per position, which sum (`==`, in
the engine's order, the reference's) to the gradient the optimizer used."""

from __future__ import annotations

import numpy as np
import pytest

from core.autograd.graph_view import ParameterNode
from core.model.gpt import GPTConfig, Model
from core.model.naive import reference_graph_size
from core.reference.rng import Mulberry32
from core.training.corpus import load_corpus
from core.training.step_graph import StepGraph
from core.training.trainer import Trainer

KINDS = [
    "token_embedding",
    "position_embedding",
    "layers.0.attention.query",
    "layers.0.attention.key",
    "layers.0.attention.value",
    "layers.0.attention.output",
    "layers.1.mlp.hidden",
    "layers.1.mlp.output",
    "output",
]


@pytest.fixture(scope="module")
def reference_step(reference_dir):
    """Step 4 on the tutorial's corpus: the graph rebuilt from the weights before it, and
    the trace of the step itself, watching an entry of every kind of matrix."""
    trainer = Trainer(load_corpus(reference_dir / "grade1_sentences.txt"), seed=42)
    for _ in range(3):
        trainer.step()
    _, sentence = trainer.sentence_at(trainer.step_index)
    tokens = trainer.tokenizer.encode(sentence)
    params = trainer.model.params
    watch = []
    for name in KINDS:
        spec = params[name].spec
        row = {"token_embedding": tokens[2], "position_embedding": 1}.get(name, 5 % spec.rows)
        watch.append(spec.offset + row * spec.cols + 3)
    graph = StepGraph(trainer.model, 3, sentence, tokens, "shown")
    trace = trainer.step(watch)
    return graph, trace, tokens


def test_the_graph_has_the_gradient_the_step_used(reference_step):
    graph, trace, _ = reference_step
    for watched in trace.watched:
        assert graph.model.params.grad[watched.index] == watched.adam.grad
        assert graph.model.params.data[watched.index] == watched.adam.data_before
    assert graph.loss_value.data == trace.loss


@pytest.mark.parametrize("kind", KINDS)
def test_a_gradients_terms_sum_to_the_gradient_in_the_trace(reference_step, kind):
    graph, trace, tokens = reference_step
    watched = trace.watched[KINDS.index(kind)]
    terms = graph.gradient_terms(watched.index)
    assert terms.total == watched.adam.grad == terms.gradient
    n = min(16, len(tokens) - 1)
    positions = [t.position for t in terms.terms]
    if kind == "token_embedding":
        used = [p for p in range(n) if tokens[p] == tokens[2]]
        assert sorted(positions) == used and {t.via for t in terms.terms} == {"embed"}
    elif kind == "position_embedding":
        assert positions == [1]
    else:  # one term per position: the matrix is applied once at each
        assert sorted(positions) == list(range(n)) and {t.via for t in terms.terms} == {"linear"}


def test_a_parameter_the_step_did_not_use_has_no_terms_and_no_path(reference_step):
    graph, _, tokens = reference_step
    params = graph.model.params
    unused = next(t for t in range(params["token_embedding"].spec.rows) if t not in tokens)
    index = params["token_embedding"].offset + unused * params["token_embedding"].cols
    assert graph.gradient_terms(index).terms == ()
    assert graph.path_to(index) is None
    assert graph.main_paths(index) == []


@pytest.mark.parametrize("kind", KINDS)
def test_the_path_to_a_parameter_reaches_its_leaf(reference_step, kind):
    graph, trace, _ = reference_step
    index = trace.watched[KINDS.index(kind)].index
    path = graph.path_to(index)
    assert path is not None
    leaf = graph.node_at(path)
    assert isinstance(leaf, ParameterNode) and leaf.index == index
    assert leaf.grad == trace.watched[KINDS.index(kind)].adam.grad


def test_the_summary_counts_the_references_nodes():
    model = Model.initialised(GPTConfig(vocab_size=9, block_size=4), Mulberry32(3))
    for tokens in ([8, 1, 2, 1, 8], [8, *range(8), 8]):
        graph = StepGraph(model, 0, "", tokens, "next")
        assert graph.summary.primitive_nodes == reference_graph_size(model, tokens)
        assert graph.summary.nodes == len(graph.nodes)
        assert sum(count for _, count in graph.summary.by_op) == graph.summary.nodes
        assert graph.summary.primitive_depth > graph.summary.depth > 10


def test_building_the_graph_leaves_the_model_untouched():
    model = Model.initialised(GPTConfig(vocab_size=9, block_size=4), Mulberry32(3))
    data = model.params.data.copy()
    model.params.grad[:] = 7.0
    StepGraph(model, 0, "", [8, 1, 2, 8], "next")
    assert np.array_equal(model.params.data, data) and (model.params.grad == 7.0).all()


@pytest.mark.parametrize(
    "matrix", ["layers.0.attention.key", "layers.0.attention.value", "layers.0.mlp.output"]
)
def test_the_paths_of_a_small_graph_account_for_its_whole_gradient(matrix):
    # Small enough to follow every path (hundreds to thousands): their shares, each the
    # product of its edges' shares of the gradient below them, sum to the whole.
    config = GPTConfig(n_layer=1, n_embd=2, n_head=1, head_dim=2, vocab_size=3, block_size=2)
    model = Model.initialised(config, Mulberry32(11))
    graph = StepGraph(model, 0, "", [2, 0, 1], "next")
    index = model.params[matrix].offset + 1
    paths = graph.main_paths(index, count=100_000, beam=100_000)
    assert 1 < len(paths) < 100_000
    assert sum(p.share for p in paths) == pytest.approx(1.0, abs=1e-12)
    shares = [abs(p.share) for p in paths]
    assert shares == sorted(shares, reverse=True)
    assert all(p.hops[-1].label.startswith("the loss") for p in paths)


def test_main_paths_name_the_layers_and_positions_they_pass(reference_step):
    graph, trace, _ = reference_step
    index = trace.watched[0].index  # a token-embedding entry
    paths = graph.main_paths(index)
    assert 1 <= len(paths) <= 5
    assert paths[0].hops[0].label == trace.watched[0].name
    labels = [h.label for p in paths for h in p.hops]
    assert any(label.startswith("the embedding at position") for label in labels)
    assert any(label.startswith("output[") for label in labels)


def test_an_embedding_rows_positions_share_its_gradient(reference_step):
    graph, _, tokens = reference_step
    params = graph.model.params
    token = tokens[2]
    shares = graph.embedding_row("token_embedding", token)
    n = min(16, len(tokens) - 1)
    assert [s.position for s in shares] == [p for p in range(n) if tokens[p] == token]
    assert sum(s.share for s in shares) == pytest.approx(1.0)
    row = params["token_embedding"].grad_rows[token]
    if len(shares) == 1:
        assert shares[0].norm == pytest.approx(float(np.linalg.norm(row)))
    (position,) = graph.embedding_row("position_embedding", 3)
    assert position.position == 3 and position.share == pytest.approx(1.0)
