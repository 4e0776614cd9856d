"""Watching what fine-tuning forgets: the loss on a fixed sample of the original corpus,
measured without touching the training."""

import pytest

from core.debugging.conditions import ConditionError, parse_condition
from core.debugging.runfile import load_run, save_run
from core.debugging.timeline import Timeline
from core.training.corpus import DEFAULT_CORPUS, DEFAULT_QUESTIONS, load_corpus
from core.training.finetune import fine_tuning
from core.training.forgetting import SAMPLE_SIZE, OriginalSample
from core.training.optimizer import AdamConfig
from core.training.trace import RowState
from core.training.trainer import Trainer

SCHEDULE = AdamConfig(learning_rate=0.001, num_steps=12)


@pytest.fixture(scope="module")
def pretrained():
    trainer = Trainer(load_corpus(DEFAULT_CORPUS), 42)
    for _ in range(3):
        trainer.step()
    return trainer.model


@pytest.fixture(scope="module")
def questions():
    return load_corpus(DEFAULT_QUESTIONS)


def fine_tuner(model, questions, every=4, seed=42) -> Trainer:
    original = OriginalSample.drawn(load_corpus(DEFAULT_CORPUS), 3, every)
    return Trainer(questions, seed, SCHEDULE, model, fine_tune=True, original=original)


def test_the_sample_is_fixed_whatever_the_runs_seed(pretrained, questions):
    corpus = load_corpus(DEFAULT_CORPUS)
    assert OriginalSample.drawn(corpus) == OriginalSample.drawn(corpus)
    assert len(set(OriginalSample.drawn(corpus).sentences)) == SAMPLE_SIZE
    a = fine_tuning(pretrained, "m", questions, 1, SCHEDULE).trainer.forgetting
    b = fine_tuning(pretrained, "m", questions, 2, SCHEDULE).trainer.forgetting
    assert a is not None and b is not None and a.sample == b.sample


def test_the_baseline_is_the_loaded_models_loss_on_the_sample(pretrained, questions):
    trainer = fine_tuner(pretrained, questions)
    assert trainer.forgetting is not None
    sample = trainer.forgetting.sample
    assert trainer.forgetting.baseline == sample.loss(pretrained, trainer.tokenizer)


def test_measuring_changes_neither_the_losses_nor_the_weights_nor_the_generator(
    pretrained, questions
):
    watched, plain = fine_tuner(pretrained, questions), fine_tuner(pretrained, questions)
    plain.forgetting = None
    a = [watched.step() for _ in range(8)]
    b = [plain.step() for _ in range(8)]
    assert [t.loss for t in a] == [t.loss for t in b]
    assert watched.model.params.data.tolist() == plain.model.params.data.tolist()
    assert watched.rng.state == plain.rng.state


def test_it_is_measured_every_few_steps_and_at_the_end_of_the_schedule(pretrained, questions):
    trainer = fine_tuner(pretrained, questions, every=5)
    traces = [trainer.step() for _ in range(12)]
    measured = [t.step + 1 for t in traces if t.original_loss is not None]
    assert measured == [5, 10, 12]
    for t in traces:
        if t.original_loss is not None:
            assert t.original_rise == t.original_loss - trainer.forgetting.baseline


def test_the_timeline_keeps_the_measurements_and_forgets_them_going_back(pretrained, questions):
    timeline = Timeline(fine_tuner(pretrained, questions))
    traces = [timeline.step() for _ in range(9)]
    assert sorted(timeline.original_losses) == [0, 4, 8]
    rewind = timeline.begin_rewind(5)
    assert max(timeline.original_losses) <= rewind.state.step_index
    for _ in range(rewind.replay):
        timeline.step()
    assert sorted(timeline.original_losses) == [0, 4]
    while timeline.steps_done < 8:
        timeline.step()
    assert timeline.original_losses[8] == traces[7].original_loss


def test_rows_the_new_corpus_cannot_touch_are_outside(pretrained, questions):
    trace = fine_tuner(pretrained, questions).step()
    words = {w for s in questions.sentences for w in s.split()}
    outside = [i for i, s in enumerate(trace.token_row_states) if s is RowState.OUTSIDE]
    assert outside and len(outside) == 596 - len(words)
    assert not set(trace.tokens) & set(outside)


def test_a_resumed_fine_tuning_run_goes_on_bit_for_bit(pretrained, questions, tmp_path):
    timeline = Timeline(fine_tuner(pretrained, questions))
    for _ in range(5):
        timeline.step()
    trainer = timeline.trainer
    save_run(tmp_path / "run.json", trainer, [], [], timeline.losses, timeline.original_losses)
    saved = dict(timeline.original_losses)
    rest = [timeline.step() for _ in range(5)]
    run = load_run(tmp_path / "run.json")
    assert run.trainer.fine_tuning and run.trainer.adam.config == SCHEDULE
    resumed = Timeline(run.trainer, losses=run.losses, original_losses=run.original_losses)
    assert resumed.original_losses == saved and sorted(saved) == [0, 4]
    again = [resumed.step() for _ in range(5)]
    assert [t.loss for t in again] == [t.loss for t in rest]
    assert [t.original_loss for t in again] == [t.original_loss for t in rest]


def test_forgetting_pauses_when_the_original_loss_rises_by_more_than_the_limit(
    pretrained, questions
):
    trainer = fine_tuner(pretrained, questions)
    params, tokenizer = trainer.model.params, trainer.tokenizer
    trace = next(t for t in (trainer.step() for _ in range(12)) if t.original_loss is not None)
    below = parse_condition(f"forgetting > {trace.original_rise + 0.01}", tokenizer, params,
                            forgetting=True)  # fmt: skip
    above = parse_condition(f"forgetting > {trace.original_rise - 0.01}", tokenizer, params,
                            forgetting=True)  # fmt: skip
    assert below.check(trace, []) is None
    assert "original-corpus loss rose by" in (above.check(trace, []) or "")


def test_forgetting_is_refused_in_a_run_that_does_not_measure_it():
    trainer = Trainer(load_corpus(DEFAULT_CORPUS), 42)
    with pytest.raises(ConditionError, match="needs a fine-tuning run"):
        parse_condition("forgetting > 0.5", trainer.tokenizer, trainer.model.params)
