"""The trainer and its step trace, on a small corpus."""

import dataclasses
import gc

import numpy as np
import pytest

from core.errors import NonFiniteError
from core.training.corpus import load_corpus
from core.training.optimizer import AdamConfig
from core.training.trace import RowState
from core.training.trainer import Trainer

SENTENCES = [
    "the cat eats a muffin",
    "a dog runs to the park",
    "the big red dog sees the cat in the park on a sunny day and then it runs home fast",
    "we eat",
]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "small.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


def test_traces_are_frozen(corpus):
    trace = Trainer(corpus, seed=1).step()
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.loss = 0.0  # type: ignore[misc]


def test_the_same_seed_gives_identical_traces(corpus):
    a, b = Trainer(corpus, seed=3), Trainer(corpus, seed=3)
    assert [a.step() for _ in range(3)] == [b.step() for _ in range(3)]


def test_steps_walk_the_shuffled_sentences_in_order(corpus):
    trainer = Trainer(corpus, seed=3)
    traces = [trainer.step() for _ in range(5)]
    assert [t.sentence_index for t in traces] == [0, 1, 2, 3, 0]
    assert [t.sentence for t in traces[:4]] == list(trainer.sentences)


def test_a_long_sentence_is_cut_at_the_block_and_says_so(corpus):
    trainer = Trainer(corpus, seed=3)
    trainer.step_index = trainer.sentences.index(SENTENCES[2])
    trace = trainer.step()
    assert (trace.n, trace.truncated, len(trace.positions)) == (16, True, 16)
    assert len(trace.tokens) == len(SENTENCES[2].split()) + 2 > 17


def test_the_trace_reports_each_position_consistently(corpus):
    trace = Trainer(corpus, seed=3).step()
    for p in trace.positions:
        dist = p.distribution()
        assert dist[p.target_token] == p.prob
        assert p.rank == 1 + sum(q > p.prob for q in dist)
        assert p.top[0].prob == max(dist)
    loss_sum = 0.0
    for p in trace.positions:
        loss_sum += p.loss
    assert trace.loss_sum == loss_sum and trace.loss == loss_sum * (1 / trace.n)


def test_embedding_rows_with_a_gradient_are_the_inputs_and_positions(corpus):
    trace = Trainer(corpus, seed=3).step()
    assert [r.row for r in trace.token_rows] == sorted(set(trace.tokens[: trace.n]))
    assert [r.row for r in trace.position_rows] == list(range(trace.n))
    assert set(trace.token_rows_moved) == {r.row for r in trace.token_rows}


def test_rows_keep_moving_through_momentum_after_their_gradient_stops(corpus):
    trainer = Trainer(corpus, seed=3)
    first = trainer.step()
    second = trainer.step()
    momentum_only = set(second.token_rows_moved) - {r.row for r in second.token_rows}
    assert momentum_only == {r.row for r in first.token_rows} - {r.row for r in second.token_rows}
    assert second.token_row_hits[first.token_rows[0].row] >= 1


def test_each_token_row_has_the_state_its_gradient_update_and_hits_give(corpus):
    trainer = Trainer(corpus, seed=3)
    for trace in [trainer.step() for _ in range(3)]:
        gradient = {r.row for r in trace.token_rows}
        moved = set(trace.token_rows_moved)
        for row, state in enumerate(trace.token_row_states):
            if row in gradient:
                assert state is RowState.GRADIENT
            elif row in moved:
                assert state is RowState.MOMENTUM
            elif trace.token_row_hits[row]:
                assert state is RowState.RESTING
            else:
                assert state is RowState.NEVER
        assert sum(trace.rows_in(s) for s in RowState) == len(trace.token_row_hits)
        assert trace.rows_in(RowState.GRADIENT) == len(gradient)


def test_rows_whose_momentum_ran_out_are_resting(corpus):
    trainer = Trainer(corpus, seed=3, adam=AdamConfig(beta1=0.0))  # m is this step's gradient
    trainer.step()
    second = trainer.step()
    resting = {r for r, s in enumerate(second.token_row_states) if s is RowState.RESTING}
    assert resting and not resting & set(second.token_rows_moved)


def test_adam_entries_carry_the_runs_constants(corpus):
    config = AdamConfig(beta1=0.9, beta2=0.95, eps=1e-6)
    trainer = Trainer(corpus, seed=3, adam=config)
    entry = trainer.step(watch=[0]).watched[0].adam
    assert (entry.beta1, entry.beta2, entry.eps) == (0.9, 0.95, 1e-6)


def test_watched_parameters_match_the_optimizer_buffers_after_two_steps(corpus):
    trainer = Trainer(corpus, seed=3)
    index = trainer.model.params.index_of("token_embedding[BOS][5]")
    trainer.step(watch=[index])
    entry = trainer.step(watch=[index]).watched[0]
    assert entry.name == "token_embedding[BOS][5]"
    assert (entry.adam.m, entry.adam.v) == (trainer.adam.m[index], trainer.adam.v[index])
    assert entry.adam.data_after == trainer.model.params.data[index]


def test_a_nan_weight_stops_the_step_before_the_update_and_names_the_matrix(corpus):
    trainer = Trainer(corpus, seed=3)
    trainer.step()
    index = trainer.model.params.index_of("layers.1.mlp.hidden[4][2]")
    trainer.model.params.data[index] = np.nan
    data, m = trainer.model.params.data.copy(), trainer.adam.m.copy()
    with pytest.raises(NonFiniteError, match=r"layers\.1\.mlp\.hidden\[4\]\[2\] = nan"):
        trainer.step()
    assert np.array_equal(trainer.model.params.data, data, equal_nan=True)
    assert np.array_equal(trainer.adam.m, m) and trainer.step_index == 1
    assert gc.isenabled()


def test_node_counts_are_reported(corpus):
    trace = Trainer(corpus, seed=3).step()
    assert 0 < trace.nodes < trace.reference_nodes


def test_a_step_leaves_no_reference_cycles_for_the_collector(corpus):
    # The graph must be freed by reference counting alone: a cyclic collector scanning
    # ~20,000 nodes per step would freeze the interface.
    trainer = Trainer(corpus, seed=3)
    gc.collect()
    gc.disable()
    try:
        trainer.step()
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_a_model_whose_config_does_not_fit_the_corpus_is_refused(corpus):
    from core.errors import ModelFileError
    from core.model.gpt import GPTConfig, Model

    with pytest.raises(ModelFileError, match="does not fit"):
        Trainer(corpus, seed=1, model=Model(GPTConfig(vocab_size=99)))


def test_the_worst_position_is_the_one_with_the_largest_loss(corpus):
    trace = Trainer(corpus, seed=3).step()
    losses = [p.loss for p in trace.positions]
    assert trace.worst_position == losses.index(max(losses))
