"""Our default corpus, data/sentences.txt, and the script that makes it."""

import importlib.util
import re
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = DATA / "sentences.txt"


@pytest.fixture(scope="module")
def make_corpus():
    spec = importlib.util.spec_from_file_location("make_corpus", DATA / "make_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def committed() -> bytes:
    return CORPUS.read_bytes()


@pytest.fixture(scope="module")
def lines(committed: bytes) -> list[str]:
    return committed.decode("ascii").split("\n")[:-1]


@pytest.fixture(scope="module")
def regenerated(make_corpus) -> str:
    return make_corpus.generate()


def test_the_file_has_exactly_596_distinct_words(committed):
    assert len(set(committed.decode("ascii").split())) == 596


def test_every_line_is_1_to_15_lowercase_words_separated_by_single_spaces(lines):
    bad = [s for s in lines if not re.fullmatch(r"[a-z]+( [a-z]+){0,14}", s)]
    assert bad == []


def test_lines_end_in_a_single_newline_each_including_the_last(committed):
    assert committed.endswith(b"\n") and not committed.endswith(b"\n\n")
    assert b"\r" not in committed


def test_it_contains_the_sentence_the_cat_eats_a_muffin(lines):
    assert "the cat eats a muffin" in lines


def test_it_has_exactly_30000_lines(lines):
    assert len(lines) == 30_000


def test_every_word_occurs_at_least_five_times(committed):
    counts: dict[str, int] = {}
    for word in committed.decode("ascii").split():
        counts[word] = counts.get(word, 0) + 1
    assert min(counts.values()) >= 5


def test_regenerating_gives_exactly_the_committed_file(regenerated, committed):
    assert regenerated.encode("ascii") == committed


def test_check_mode_fails_when_the_file_differs(make_corpus, regenerated, tmp_path, monkeypatch):
    stale = tmp_path / "sentences.txt"
    stale.write_text(regenerated.replace("the cat eats a muffin\n", "the cat eats a cake\n"))
    monkeypatch.setattr(make_corpus, "OUTPUT", str(stale))
    monkeypatch.setattr(make_corpus, "generate", lambda: regenerated)
    assert make_corpus.main(["--check"]) == 1


def test_writing_replaces_the_file_with_the_output(make_corpus, regenerated, tmp_path, monkeypatch):
    target = tmp_path / "sentences.txt"
    target.write_text("old\n")
    monkeypatch.setattr(make_corpus, "OUTPUT", str(target))
    monkeypatch.setattr(make_corpus, "generate", lambda: regenerated)
    assert make_corpus.main([]) == 0
    assert target.read_text() == regenerated
    assert [p.name for p in tmp_path.iterdir()] == ["sentences.txt"]  # no temp file left
