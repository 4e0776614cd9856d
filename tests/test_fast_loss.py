"""The loss without a graph equals the graph's loss to the last bit."""

from pathlib import Path

import pytest

from core.model.fast_loss import sentence_loss_value
from core.model.loss import sentence_loss
from core.training.corpus import DEFAULT_CORPUS, DEFAULT_QUESTIONS, load_corpus
from core.training.finetune import fine_tuning
from core.training.optimizer import AdamConfig
from core.training.trainer import Trainer

LONG = Path(__file__).parent / "data" / "long_sentences.txt"  # sentences cut at the block


def assert_equal_losses(trainer: Trainer, sentences) -> None:
    for sentence in sentences:
        tokens = trainer.tokenizer.encode(sentence)
        graph = sentence_loss(trainer.model, tokens).loss.data
        assert sentence_loss_value(trainer.model, tokens) == graph, sentence


@pytest.mark.parametrize("corpus", [DEFAULT_CORPUS, LONG], ids=["ours", "cut at the block"])
@pytest.mark.parametrize("steps", [0, 20])
def test_every_sentences_loss_equals_the_graphs(corpus, steps):
    trainer = Trainer(load_corpus(corpus), 42)
    for _ in range(steps):
        trainer.step()
    assert_equal_losses(trainer, trainer.sentences[:60])


def test_it_equals_the_graphs_on_the_tutorials_corpus(reference_dir):
    trainer = Trainer(load_corpus(reference_dir / "grade1_sentences.txt"), 42)
    trainer.step()
    assert_equal_losses(trainer, trainer.sentences[:60])


def test_it_equals_the_graphs_for_a_fine_tuned_model_on_the_original_corpus():
    trainer = Trainer(load_corpus(DEFAULT_CORPUS), 42)
    trainer.step()
    adam = AdamConfig(num_steps=40)
    tuned = fine_tuning(trainer.model, "m", load_corpus(DEFAULT_QUESTIONS), 42, adam).trainer
    for _ in range(30):
        tuned.step()
    assert_equal_losses(tuned, trainer.sentences[:60])
