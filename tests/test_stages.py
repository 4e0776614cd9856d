"""A step walked stage by stage: the same trace and state as a step taken whole, what each
stage shows, and nothing trained before the update."""

from __future__ import annotations

import numpy as np
import pytest

from core.training.corpus import Corpus, load_corpus
from core.training.stages import Stage
from core.training.state import TrainerState
from core.training.trainer import Trainer

LONG = " ".join(["the", "cat", "sat", "on", "a", "mat", "and", "the", "dog", "ran"] * 2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    """Short sentences, one with a repeated word, and one longer than the block."""
    path = tmp_path_factory.mktemp("stages") / "corpus.txt"
    path.write_text(f"the cat sat on the mat\n{LONG}\na dog ran\nthe mat and the cat\n")
    return load_corpus(path)


def _same_state(a: TrainerState, b: TrainerState) -> bool:
    return (
        a.step_index == b.step_index
        and a.rng_state == b.rng_state
        and all(
            np.array_equal(getattr(a, f), getattr(b, f))
            for f in ("data", "m", "v", "token_row_hits")
        )
    )


def _watch(trainer: Trainer) -> list[int]:
    params = trainer.model.params
    return [params.index_of("token_embedding[cat][0]"), params.index_of("output[the][3]")]


def test_stage_by_stage_gives_the_trace_and_state_of_a_whole_step(corpus: Corpus) -> None:
    whole, staged = Trainer(corpus, seed=3), Trainer(corpus, seed=3)
    for _ in range(6):  # every sentence, the long one and the repeated words included
        expected = whole.step(_watch(whole))
        step = staged.begin_step(_watch(staged))
        while not step.done:
            step.advance()
        assert step.trace == expected
        assert _same_state(staged.snapshot(), whole.snapshot())
        assert not staged.model.params.grad.any()


def test_the_stages_come_in_the_tutorials_order(corpus: Corpus) -> None:
    trainer = Trainer(corpus, seed=3)
    step = trainer.begin_step()
    seen = [step.stage]
    while not step.done:
        seen.append(step.advance())
    n = step.n
    assert seen == [Stage.TOKENIZE, *[Stage.FORWARD] * n, Stage.LOSS, Stage.BACKWARD, Stage.UPDATE]


def test_each_forward_stage_feeds_one_position_and_grows_the_cache(corpus: Corpus) -> None:
    trainer = Trainer(corpus, seed=3)
    step = trainer.begin_step()
    expected = Trainer(corpus, seed=3).step()
    for fed in range(1, step.n + 1):
        step.advance()
        progress = step.progress()
        assert progress.fed == fed == progress.attention.positions
        assert progress.positions == expected.positions[:fed]
        assert progress.loss is None and progress.gradient_count is None
        assert all(len(layer) == fed for layer in step.forward.cache.keys)


def test_the_loss_stage_has_the_sum_and_the_mean(corpus: Corpus) -> None:
    trainer = Trainer(corpus, seed=3)
    expected = Trainer(corpus, seed=3).step()
    step = trainer.begin_step()
    while step.stage is not Stage.LOSS:
        step.advance()
    progress = step.progress()
    assert (progress.loss_sum, progress.loss) == (expected.loss_sum, expected.loss)
    assert progress.gradient_count is None


def test_the_backward_stage_lights_the_rows_the_sentence_touched(corpus: Corpus) -> None:
    trainer = Trainer(corpus, seed=3)
    expected = Trainer(corpus, seed=3).step()
    step = trainer.begin_step()
    while step.stage is not Stage.BACKWARD:
        step.advance()
    progress = step.progress()
    assert progress.token_rows == expected.token_rows
    assert progress.position_rows == expected.position_rows
    assert progress.gradient_count == expected.gradient_count
    assert 0 < expected.gradient_count <= trainer.model.params.count
    assert progress.token_row_hits == expected.token_row_hits
    assert progress.trace is None and progress.token_rows_moved == ()


def test_a_long_sentence_is_cut_at_the_block(corpus: Corpus) -> None:
    trainer = Trainer(corpus, seed=3)
    cut = None
    for _ in range(4):
        step = trainer.begin_step()
        if step.progress().truncated:
            cut = step.progress()
        step.finish()
    assert cut is not None and cut.n == trainer.model.config.block_size
    assert len(cut.tokens) == len(LONG.split()) + 2


def test_abandoning_before_the_update_leaves_the_run_as_it_was(corpus: Corpus) -> None:
    trainer = Trainer(corpus, seed=3)
    trainer.step()
    before = trainer.snapshot()
    for stages in range(1, 12):  # tokenize, each position, the loss, the backward pass
        step = trainer.begin_step()
        for _ in range(stages):
            if step.stage is Stage.BACKWARD:
                break
            step.advance()
        step.abandon()
        assert _same_state(trainer.snapshot(), before)
        assert not trainer.model.params.grad.any()
    untouched = Trainer(corpus, seed=3)
    untouched.step()
    assert trainer.step() == untouched.step()


def test_the_bundled_corpus_walks_the_same() -> None:
    corpus = load_corpus()
    whole, staged = Trainer(corpus), Trainer(corpus)
    for _ in range(2):
        expected = whole.step()
        assert staged.begin_step().finish() == expected
        # Of the embeddings, only the sentence's rows get a gradient.
        assert expected.gradient_count < whole.model.params.count
