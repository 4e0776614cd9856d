"""The attention weights a step records: the packed record reads back what it was given,
and the weights are the softmax the forward pass used, the straightforward port's to the
last bit."""

from collections.abc import Sequence
from pathlib import Path

import pytest

from core.autograd.engine import Value
from core.model.gpt import GPTConfig, Model
from core.model.loss import SentenceForward
from core.model.naive import NaiveGPT
from core.reference.rng import Mulberry32
from core.training.attention import AttentionWeights
from core.training.corpus import load_corpus
from core.training.trace import StepTrace
from core.training.trainer import Trainer

TINY = GPTConfig(n_layer=2, n_embd=4, block_size=4, n_head=2, head_dim=2, vocab_size=3)


def hand_built(n_layer: int, n_head: int, positions: int) -> list[list[tuple[float, ...]]]:
    """Distinct numbers at every place: position t, head k, seen s holds t + k/10 + s/100."""
    return [
        [tuple(t + k / 10 + s / 100 for s in range(t + 1)) for k in range(n_layer * n_head)]
        for t in range(positions)
    ]


def naive_attention(model: Model, tokens: Sequence[int]) -> AttentionWeights:
    """The weights as the one-op-per-node port computes them, position by position."""
    naive = NaiveGPT(model)
    # The attention is all computed before the output layer, which only needs one logit
    # here: keeping a single output row makes the slow port twice as fast.
    naive.matrices["output"] = naive.matrices["output"][:1]
    config = model.config
    keys: list[list[list[Value]]] = [[] for _ in range(config.n_layer)]
    values: list[list[list[Value]]] = [[] for _ in range(config.n_layer)]
    per_position = []
    for pos in range(min(config.block_size, len(tokens) - 1)):
        heads: list[tuple[float, ...]] = []
        naive.gpt(tokens[pos], pos, keys, values, heads)
        per_position.append(heads)
    return AttentionWeights.record(config.n_layer, config.n_head, per_position)


def fused_attention(model: Model, tokens: list[int]) -> AttentionWeights:
    forward = SentenceForward(model, tokens)
    while forward.fed < forward.n:
        forward.feed()
    return AttentionWeights.record(model.config.n_layer, model.config.n_head, forward.attention)


def assert_each_head_sums_to_one(attention: AttentionWeights) -> None:
    for t in range(attention.positions):
        for layer in range(attention.n_layer):
            for head in range(attention.n_head):
                assert sum(attention.at(t, layer, head)) == pytest.approx(1.0, abs=1e-12)


# --- the record ---


def test_the_record_reads_back_each_heads_weights_at_each_position():
    lists = hand_built(n_layer=2, n_head=3, positions=4)
    attention = AttentionWeights.record(2, 3, lists)
    assert attention.positions == 4
    for t in range(4):
        for layer in range(2):
            for head in range(3):
                assert attention.at(t, layer, head) == lists[t][layer * 3 + head]


def test_a_heads_matrix_has_its_weights_at_position_t_as_row_t():
    lists = hand_built(n_layer=2, n_head=3, positions=4)
    matrix = AttentionWeights.record(2, 3, lists).matrix(1, 2)
    assert matrix == tuple(lists[t][5] for t in range(4))
    assert [len(row) for row in matrix] == [1, 2, 3, 4]  # causal: row t sees 0..t


def test_the_record_refuses_a_list_of_the_wrong_shape():
    lists = hand_built(n_layer=1, n_head=2, positions=3)
    with pytest.raises(ValueError, match="position 0"):
        AttentionWeights.record(1, 3, lists)  # two heads given, three expected
    short = [*lists[:2], [lists[2][0], lists[2][1][:2]]]
    with pytest.raises(ValueError, match="position 2"):
        AttentionWeights.record(1, 2, short)  # position 2 must see 3 positions


@pytest.mark.parametrize(
    ("position", "layer", "head"), [(3, 0, 0), (-1, 0, 0), (0, 1, 0), (0, 0, 2)]
)
def test_reading_outside_the_record_raises_index_error(position, layer, head):
    attention = AttentionWeights.record(1, 2, hand_built(n_layer=1, n_head=2, positions=3))
    with pytest.raises(IndexError):
        attention.at(position, layer, head)


# --- a tiny model, every weight checked ---


@pytest.fixture(scope="module")
def tiny_model() -> Model:
    return Model.initialised(TINY, Mulberry32(7))


TINY_TOKENS = [2, 0, 1, 0, 1, 2]  # cut at the block: 4 positions


def test_every_heads_weights_sum_to_one(tiny_model):
    attention = fused_attention(tiny_model, TINY_TOKENS)
    assert attention.positions == TINY.block_size
    assert_each_head_sums_to_one(attention)


def test_the_weights_are_the_naive_ports_bit_for_bit(tiny_model):
    attention = fused_attention(tiny_model, TINY_TOKENS)
    assert attention == naive_attention(tiny_model, TINY_TOKENS)


def test_at_position_zero_every_head_takes_everything_from_it(tiny_model):
    attention = fused_attention(tiny_model, TINY_TOKENS)
    assert all(attention.at(0, layer, head) == (1.0,) for layer in range(2) for head in range(2))


def test_a_head_whose_query_is_zero_spreads_its_attention_evenly(tiny_model):
    # Every score is then 0: each of the t + 1 positions seen gets exp(0) / (t + 1).
    model = tiny_model.copy()
    model.matrix("layers.1.attention.query").data_rows[:] = 0.0
    attention = fused_attention(model, TINY_TOKENS)
    for t in range(attention.positions):
        assert attention.at(t, 1, 0) == attention.at(t, 1, 1) == (1 / (t + 1),) * (t + 1)
    assert attention.at(3, 0, 0) != (0.25,) * 4  # layer 0 still tells the positions apart


# --- steps on the tutorial's corpus ---

REFERENCE_STEPS = (0, 1, 19)  # step 19's sentence, "the baby has the cake", repeats a word


@pytest.fixture(scope="module")
def reference_steps(reference_dir: Path) -> dict[int, tuple[Model, StepTrace]]:
    """The weights before each of those steps, and the step's trace."""
    trainer = Trainer(load_corpus(reference_dir / "grade1_sentences.txt"), seed=42)
    steps = {}
    for step in range(max(REFERENCE_STEPS) + 1):
        before = trainer.model.copy()
        trace = trainer.step()
        if step in REFERENCE_STEPS:
            steps[step] = (before, trace)
    return steps


@pytest.mark.parametrize("step", REFERENCE_STEPS)
def test_a_steps_attention_is_the_naive_ports_on_the_tutorials_corpus(reference_steps, step):
    before, trace = reference_steps[step]
    assert trace.attention.positions == trace.n
    assert (trace.attention.n_layer, trace.attention.n_head) == (2, 4)
    assert_each_head_sums_to_one(trace.attention)
    assert trace.attention == naive_attention(before, trace.tokens)
