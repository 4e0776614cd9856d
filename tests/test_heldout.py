"""The held-out loss: the mean loss of sentences never trained on, measured after a step's
update without touching the training."""

from pathlib import Path

import pytest

from core.debugging.session import Session
from core.debugging.timeline import Timeline
from core.errors import CorpusError
from core.model.loss import sentence_loss
from core.training.corpus import DEFAULT_CORPUS, DEFAULT_HELD_OUT, Corpus, load_corpus
from core.training.heldout import HeldOut, HeldOutReading, bundled_held_out, due
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer

SENTENCES = [
    "the cat eats a muffin",
    "a dog runs to the park",
    "the dog sees the cat",
    "we play in the yard",
]
HELD_OUT = ["the dog eats a muffin", "a cat runs to the park", "we play in the park"]  # unseen
SCHEDULE = AdamConfig(num_steps=7)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    path = tmp_path_factory.mktemp("corpus") / "corpus.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    return load_corpus(path)


@pytest.fixture(scope="module")
def held_out_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("held-out") / "held.txt"
    path.write_text("\n".join(HELD_OUT) + "\n")
    return path


def trainer_with(corpus: Corpus, path: Path | None, every: int = 3) -> Trainer:
    plain = Trainer(corpus, 1, SCHEDULE)
    if path is None:
        return plain
    held_out = HeldOut.read(path, plain.tokenizer, corpus.path)
    return Trainer(corpus, 1, SCHEDULE, held_out=held_out, held_out_every=every)


def test_the_loss_is_the_mean_of_the_sentences_graph_losses(corpus, held_out_path):
    trainer = trainer_with(corpus, held_out_path)
    trainer.step()
    total = 0.0
    for sentence in HELD_OUT:
        total += sentence_loss(trainer.model, trainer.tokenizer.encode(sentence)).loss.data
    assert trainer.held_out is not None
    assert trainer.held_out.loss(trainer.model) == total / len(HELD_OUT)


def test_the_sentences_are_encoded_as_a_training_step_encodes_them(corpus, held_out_path):
    trainer = trainer_with(corpus, held_out_path)
    assert trainer.held_out is not None
    assert trainer.held_out.tokens == tuple(tuple(trainer.tokenizer.encode(s)) for s in HELD_OUT)
    assert trainer.held_out.line_numbers == (1, 2, 3)


def test_a_word_outside_the_vocabulary_names_the_file_the_line_and_the_word(corpus, tmp_path):
    path = tmp_path / "held.txt"
    path.write_text("the cat eats a muffin\n\nthe zebra runs\n")
    tokenizer = Trainer(corpus, 1).tokenizer
    with pytest.raises(CorpusError) as caught:
        HeldOut.read(path, tokenizer, corpus.path)
    message = str(caught.value)
    assert f"{path}, line 3: the word 'zebra' is not in the vocabulary of {corpus.path}" in message
    assert "evaluated on words it was trained with: remove or replace it" in message


def test_a_missing_file_is_named_as_a_held_out_file(corpus, tmp_path):
    tokenizer = Trainer(corpus, 1).tokenizer
    with pytest.raises(CorpusError, match="no such file; give the path of a held-out file"):
        HeldOut.read(tmp_path / "none.txt", tokenizer, corpus.path)


def test_it_is_due_every_k_steps_and_after_the_last():
    assert [k for k in range(11) if due(k, 10, 4)] == [0, 4, 8, 10]


def test_the_baseline_is_the_loss_before_the_first_step(corpus, held_out_path):
    trainer = trainer_with(corpus, held_out_path)
    assert trainer.held_out is not None
    assert trainer.held_out_baseline == trainer.held_out.loss(Trainer(corpus, 1).model)


def test_it_is_measured_every_k_steps_and_after_the_last_step(corpus, held_out_path):
    trainer = trainer_with(corpus, held_out_path, every=3)
    traces = [trainer.step() for _ in range(7)]
    assert [t.step + 1 for t in traces if t.held_out_loss is not None] == [3, 6, 7]


def test_a_measurement_is_of_the_model_after_the_steps_update(corpus, held_out_path):
    trainer = trainer_with(corpus, held_out_path, every=1)
    trace = trainer.step()
    assert trainer.held_out is not None
    assert trace.held_out_loss == trainer.held_out.loss(trainer.model)


def test_measuring_changes_neither_the_losses_nor_the_weights_nor_the_generator(
    corpus, held_out_path
):
    measured, plain = trainer_with(corpus, held_out_path, every=1), trainer_with(corpus, None)
    a = [measured.step() for _ in range(5)]
    b = [plain.step() for _ in range(5)]
    assert [t.loss for t in a] == [t.loss for t in b]
    assert measured.model.params.data.tolist() == plain.model.params.data.tolist()
    assert measured.rng.state == plain.rng.state


def test_a_set_encoded_with_another_vocabulary_is_refused(corpus, held_out_path, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("the cat eats a muffin and a pie\n" + "\n".join(SENTENCES) + "\n")
    foreign = HeldOut.read(held_out_path, Trainer(load_corpus(other), 1).tokenizer, str(other))
    with pytest.raises(ValueError, match="another vocabulary"):
        Trainer(corpus, 1, held_out=foreign)


def test_our_corpus_has_our_held_out_set_wherever_it_is_read_from(tmp_path):
    copy = tmp_path / "sentences.txt"
    copy.write_bytes(DEFAULT_CORPUS.read_bytes())
    assert bundled_held_out(load_corpus(DEFAULT_CORPUS)) == DEFAULT_HELD_OUT
    assert bundled_held_out(load_corpus(copy)) == DEFAULT_HELD_OUT


def test_another_corpus_has_no_held_out_set_by_default(corpus):
    assert bundled_held_out(corpus) is None


def test_the_timeline_keeps_the_measurements_and_forgets_them_going_back(corpus, held_out_path):
    timeline = Timeline(trainer_with(corpus, held_out_path, every=2))
    traces = [timeline.step() for _ in range(5)]
    assert sorted(timeline.held_out_losses) == [0, 2, 4]
    rewind = timeline.begin_rewind(3)
    assert max(timeline.held_out_losses) <= rewind.state.step_index
    for _ in range(rewind.replay):
        timeline.step()
    assert sorted(timeline.held_out_losses) == [0, 2]
    while timeline.steps_done < 4:
        timeline.step()
    assert timeline.held_out_losses[4] == traces[3].held_out_loss


def test_a_timeline_restores_the_losses_measured_up_to_its_step(corpus, held_out_path):
    trainer = trainer_with(corpus, held_out_path, every=2)
    for _ in range(3):
        trainer.step()
    saved = {2: 8.0, 4: 7.0}  # 4 is beyond the step: dropped
    timeline = Timeline(trainer, held_out_losses=saved)
    assert timeline.held_out_losses == {0: trainer.held_out_baseline, 2: 8.0}


def test_asking_for_the_loss_now_does_not_change_the_run(corpus, held_out_path):
    session = Session(trainer_with(corpus, held_out_path, every=5))
    session.request_step()
    session.advance()
    measured, losses = dict(session.held_out_losses), list(session.losses)
    reading = session.evaluate_held_out()
    trainer = session.trainer
    assert trainer.held_out is not None
    assert reading == HeldOutReading(1, trainer.held_out.loss(trainer.model), asked=True)
    assert session.held_out_losses == measured and session.losses == losses
    assert session.steps_done == 1 and session.saved_at == 0


def test_the_latest_loss_is_the_later_of_the_last_measurement_and_the_last_reading(
    corpus, held_out_path
):
    session = Session(trainer_with(corpus, held_out_path, every=2))
    baseline = session.trainer.held_out_baseline
    assert session.latest_held_out() == HeldOutReading(0, baseline)
    for _ in range(3):
        session.request_step()
        session.advance()
    reading = session.evaluate_held_out()
    assert session.latest_held_out() == reading
    session.go_to(1)
    while session.wants_step():
        session.advance()
    assert session.latest_held_out() == HeldOutReading(0, baseline)  # the reading is of step 3


def test_a_run_without_a_held_out_set_has_no_loss_to_ask_for(corpus):
    session = Session(Trainer(corpus, 1))
    assert session.evaluate_held_out() is None and session.latest_held_out() is None
    assert session.held_out_losses == {}
