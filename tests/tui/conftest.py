"""Fixtures for the interface tests: real step traces from small, fast runs."""

from pathlib import Path

import pytest

from core.training.corpus import Corpus, load_corpus
from core.training.trace import StepTrace
from core.training.trainer import Trainer

TINY_SENTENCES = [
    "the cat eats a muffin",
    "a dog runs to the park",
    "we play in the yard on monday",
    "the big red dog sees the cat",
    "i can see three birds",
    "mom and dad like to read",
    "the sun is hot today",
    "is the cat in the box",
]


@pytest.fixture(scope="session")
def tiny_corpus_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "tiny.txt"
    path.write_text("\n".join(TINY_SENTENCES) + "\n")
    return path


@pytest.fixture(scope="session")
def tiny_corpus(tiny_corpus_path: Path) -> Corpus:
    return load_corpus(tiny_corpus_path)


@pytest.fixture(scope="session")
def tiny_traces(tiny_corpus: Corpus) -> list[StepTrace]:
    """Three steps on the tiny corpus (seed 1), watching two parameters."""
    trainer = Trainer(tiny_corpus, seed=1)
    watch = [
        trainer.model.params.index_of("token_embedding[cat][0]"),
        trainer.model.params.index_of("layers.0.attention.query[0][0]"),
    ]
    return [trainer.step(watch) for _ in range(3)]


@pytest.fixture(scope="session")
def wide_traces() -> list[StepTrace]:
    """Three steps on the bundled corpus (597 tokens), for full-size views."""
    trainer = Trainer(load_corpus(), seed=42)
    return [trainer.step() for _ in range(3)]


LONG_SENTENCE_WORDS = 15  # a full block: 17 tokens, 16 positions


@pytest.fixture(scope="session")
def tutorial_words_corpus_path(reference_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """A corpus in the tutorial's words (all 596 of them, so 597 tokens as in the tutorial)
    whose sentences alternate between the tutorial's own and 15-word ones made by joining
    its sentences: the tutorial's corpus has none longer than 8 words, and a long sentence
    is what tests the screen's room."""
    lines = (reference_dir / "grade1_sentences.txt").read_text().split("\n")
    lines = [line for line in lines if line]
    cover, seen = [], set()
    for line in lines:  # every word at least once
        if set(line.split(" ")) - seen:
            cover.append(line)
            seen.update(line.split(" "))
    joined = " ".join(lines[: 4 * len(cover)]).split(" ")  # 15 words from every ~3 lines
    long = [
        " ".join(joined[k : k + LONG_SENTENCE_WORDS])
        for k in range(0, len(joined) - LONG_SENTENCE_WORDS, LONG_SENTENCE_WORDS)
    ][: len(cover)]
    path = tmp_path_factory.mktemp("tutorial-words") / "sentences.txt"
    path.write_text("".join(f"{a}\n{b}\n" for a, b in zip(cover, long)))
    return path
