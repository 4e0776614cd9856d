"""Fine-tuning, as the tutorial's last chapter does it: conformance with its script, the
vocabulary a loaded model brings, and the words a fine-tuning corpus may use."""

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from core.errors import CorpusError, ModelFileError
from core.model.generation import generate
from core.model.modelfile import load_model
from core.reference.rng import Mulberry32
from core.training.corpus import DEFAULT_CORPUS, DEFAULT_QUESTIONS, load_corpus
from core.training.finetune import fine_tuning, original_corpus, with_vocabulary
from core.training.forgetting import EVERY
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer

DATA = Path(__file__).parent / "data"
TUTORIAL = AdamConfig(learning_rate=0.001, num_steps=1000)  # the script's options


@pytest.fixture(scope="module")
def tutorial(reference_dir):
    """The script's inputs: the model after 30 steps, its questions, its corpus."""
    return (
        load_model(reference_dir / "model_seed42_after30.json"),
        load_corpus(reference_dir / "questions.txt"),
        load_corpus(reference_dir / "grade1_sentences.txt"),
    )


def tutorial_trainer(tutorial) -> Trainer:
    model, questions, grade1 = tutorial
    return fine_tuning(model, "after30.json", questions, 42, TUTORIAL, grade1).trainer


@pytest.fixture(scope="module")
def expected(reference_dir):
    return json.loads((reference_dir / "finetune_after30.json").read_text())


def test_the_first_50_fine_tuning_losses_are_the_references(tutorial, expected):
    trainer = tutorial_trainer(tutorial)
    traces = [trainer.step() for _ in expected["steps"]]
    assert [t.loss for t in traces] == [s["loss"] for s in expected["steps"]]
    assert [t.n for t in traces] == [s["n"] for s in expected["steps"]]


def test_the_questions_are_shuffled_after_the_draws_of_a_whole_initialisation(tutorial, expected):
    trainer = tutorial_trainer(tutorial)
    shuffled = expected["first_shuffled_questions"]
    assert list(trainer.sentences[: len(shuffled)]) == shuffled
    rng = Mulberry32(42)
    for _ in range(63_296):
        rng.gauss(0.0, 0.08)
    order = list(tutorial[1].sentences)
    rng.shuffle(order)
    assert trainer.sentences == tuple(order) and trainer.rng.state == rng.state


@pytest.mark.slow
def test_the_first_300_fine_tuning_steps_are_the_references(tutorial):
    # From the tutorial's own script, run on Node 20 (tests/data/finetune_after30_1000.json).
    # The scalar engine takes ~15 s for these; the twin (next test, the same numbers as the
    # scalar engine by tests/test_twin*.py) checks all 1,000 and the final weights.
    expected = json.loads((DATA / "finetune_after30_1000.json").read_text())["steps"][:300]
    trainer = tutorial_trainer(tutorial)
    traces = [trainer.step() for _ in expected]
    assert [(t.loss, t.n) for t in traces] == [(s["loss"], s["n"]) for s in expected]


def test_the_twin_fine_tunes_all_1000_steps_as_the_tutorials_script_does(tutorial):
    expected = json.loads((DATA / "finetune_after30_1000.json").read_text())
    trainer = tutorial_trainer(tutorial)
    traces = [trainer.light_step() for _ in expected["steps"]]
    assert [(t.loss, t.n) for t in traces] == [(s["loss"], s["n"]) for s in expected["steps"]]
    weights = np.asarray(trainer.model.params.data, dtype="<f8").tobytes()
    assert hashlib.sha256(weights).hexdigest() == expected["weights_sha256"]


def test_adam_starts_from_zero_and_the_weights_from_the_loaded_model(tutorial):
    trainer = tutorial_trainer(tutorial)
    assert not trainer.adam.m.any() and not trainer.adam.v.any()
    assert trainer.model.params.data.tolist() == tutorial[0].params.data.tolist()
    assert trainer.fine_tuning and trainer.step_index == 0


def test_the_learning_rate_is_the_peak_given_decaying_over_the_schedule(tutorial):
    trainer = tutorial_trainer(tutorial)
    assert [trainer.step().lr for _ in range(3)] == [0.001 * (1 - s / 1000) for s in range(3)]


def test_the_vocabulary_comes_from_the_original_corpus_not_the_questions(tutorial):
    trainer = tutorial_trainer(tutorial)
    assert trainer.tokenizer.vocab_size == 597
    assert len({w for s in tutorial[1].sentences for w in s.split()}) == 116


def test_a_tutorial_model_without_vocab_from_says_what_to_pass(tutorial):
    model, questions, _ = tutorial
    with pytest.raises(ModelFileError, match="pass --vocab-from CORPUS"):
        with_vocabulary(model, "after30.json", questions)


def test_vocab_from_a_corpus_of_another_vocabulary_is_refused(tutorial, tmp_path):
    model, questions, _ = tutorial
    with pytest.raises(ModelFileError, match="was not trained on"):
        with_vocabulary(model, "after30.json", questions, questions)


def test_a_model_file_with_its_vocabulary_needs_no_vocab_from():
    trainer = Trainer(load_corpus(DEFAULT_CORPUS), 42)
    named = with_vocabulary(trainer.model, "ours.json", load_corpus(DEFAULT_QUESTIONS))
    assert named is trainer.model


def test_a_word_outside_the_models_vocabulary_is_named_with_its_line(tmp_path):
    model = Trainer(load_corpus(DEFAULT_CORPUS), 42).model
    corpus = tmp_path / "questions.txt"
    corpus.write_text("can the cat run\n\nwhere is the zeppelin\n")
    with pytest.raises(CorpusError, match=r"questions.txt, line 3: the word 'zeppelin'"):
        Trainer(load_corpus(corpus), 42, model=model, fine_tune=True)


def test_our_models_forget_on_a_sample_of_our_corpus():
    model = Trainer(load_corpus(DEFAULT_CORPUS), 42).model
    questions = load_corpus(DEFAULT_QUESTIONS)
    original = original_corpus(model, questions, None)
    assert original is not None and original.path == str(DEFAULT_CORPUS)
    assert original_corpus(model, load_corpus(DEFAULT_CORPUS), None) is None  # the same


def test_fine_tuning_says_where_the_vocabulary_and_the_forgetting_sample_come_from(tutorial):
    model, questions, grade1 = tutorial
    notes = fine_tuning(model, "after30.json", questions, 42, TUTORIAL, grade1).notes
    assert grade1.path in notes[0]
    assert "watching forgetting" in notes[1] and grade1.path in notes[1]


QUESTION_WORDS = {"can", "is", "are", "do", "does", "where", "what", "who", "will", "how"}


@pytest.fixture(scope="module")
def ours():
    """Our corpus trained 200 steps, then fine-tuned 300 steps on our questions."""
    expected = json.loads((DATA / "own_finetune_seed42.json").read_text())
    pretraining = Trainer(load_corpus(DEFAULT_CORPUS), 42)
    for _ in range(expected["pretrain_steps"]):
        pretraining.light_step()  # the same model as full steps, in a fraction of the time
    run = fine_tuning(pretraining.model, "ours.json", load_corpus(DEFAULT_QUESTIONS), 42, TUTORIAL)
    traces = [run.trainer.step() for _ in expected["steps"]]
    return pretraining, run.trainer, traces, expected


def test_fine_tuning_our_model_on_our_questions_is_the_references(ours):
    _, trainer, traces, expected = ours
    assert [(t.loss, t.n) for t in traces] == [(s["loss"], s["n"]) for s in expected["steps"]]
    shuffled = expected["first_shuffled_questions"]
    assert list(trainer.sentences[: len(shuffled)]) == shuffled


def question_share(trainer: Trainer) -> float:
    sentences = list(generate(trainer.model, trainer.tokenizer, Mulberry32(7), 40))
    return sum(s.split(" ")[0] in QUESTION_WORDS for s in sentences) / len(sentences)


def test_after_fine_tuning_most_generated_sentences_are_questions(ours):
    pretraining, fine_tuned, _, _ = ours
    assert question_share(pretraining) < 0.2
    assert question_share(fine_tuned) > 0.5


def test_the_original_corpus_loss_is_measured_while_fine_tuning_our_model(ours):
    _, trainer, traces, _ = ours
    measured = [t for t in traces if t.original_loss is not None]
    assert [t.step + 1 for t in measured] == list(range(EVERY, len(traces) + 1, EVERY))
    assert trainer.forgetting is not None and trainer.forgetting.sample.corpus.path == str(
        DEFAULT_CORPUS
    )
