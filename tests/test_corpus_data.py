"""Our default corpus, data/sentences.txt, our fine-tuning corpus, data/questions.txt, our
held-out set, data/heldout.txt, and the script that makes them."""

import importlib.util
import re
from collections import Counter
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = DATA / "sentences.txt"
QUESTIONS = DATA / "questions.txt"
HELD_OUT = DATA / "heldout.txt"
QUESTION_WORDS = {"can", "is", "are", "do", "does", "where", "what", "who", "will", "how"}


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


def test_writing_replaces_the_file_with_the_output(
    make_corpus, regenerated, regenerated_questions, tmp_path, monkeypatch
):
    target, questions = tmp_path / "sentences.txt", tmp_path / "questions.txt"
    held_out = tmp_path / "heldout.txt"
    target.write_text("old\n")
    monkeypatch.setattr(make_corpus, "OUTPUT", str(target))
    monkeypatch.setattr(make_corpus, "QUESTIONS_OUTPUT", str(questions))
    monkeypatch.setattr(make_corpus, "HELD_OUT_OUTPUT", str(held_out))
    monkeypatch.setattr(make_corpus, "generate", lambda: regenerated)
    assert make_corpus.main([]) == 0
    assert target.read_text() == regenerated
    assert questions.read_text() == regenerated_questions
    assert held_out.read_text() == make_corpus.generate_held_out(regenerated)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["heldout.txt", "questions.txt", "sentences.txt"]  # no temp file left


# ---- the questions --------------------------------------------------------------------
@pytest.fixture(scope="module")
def committed_questions() -> bytes:
    return QUESTIONS.read_bytes()


@pytest.fixture(scope="module")
def questions(committed_questions: bytes) -> list[str]:
    return committed_questions.decode("ascii").split("\n")[:-1]


@pytest.fixture(scope="module")
def regenerated_questions(make_corpus) -> str:
    return make_corpus.generate_questions()


def test_regenerating_the_questions_gives_exactly_the_committed_file(
    regenerated_questions, committed_questions
):
    assert regenerated_questions.encode("ascii") == committed_questions


def test_there_are_140_to_160_questions_all_different(questions):
    assert 140 <= len(questions) <= 160
    assert len(set(questions)) == len(questions)


def test_every_question_is_3_to_8_lowercase_words_separated_by_single_spaces(questions):
    bad = [s for s in questions if not re.fullmatch(r"[a-z]+( [a-z]+){2,7}", s)]
    assert bad == []


def test_every_word_of_the_questions_is_a_word_of_the_training_corpus(
    committed_questions, committed
):
    words = set(committed.decode("ascii").split())
    assert sorted(set(committed_questions.decode("ascii").split()) - words) == []


def test_every_question_starts_with_a_question_word(questions):
    assert [s for s in questions if s.split(" ")[0] not in QUESTION_WORDS] == []


def test_questions_end_in_a_single_newline_each_including_the_last(committed_questions):
    assert committed_questions.endswith(b"\n") and not committed_questions.endswith(b"\n\n")
    assert b"\r" not in committed_questions


def test_no_first_word_starts_more_than_35_percent_of_the_questions(questions):
    firsts = Counter(s.split(" ")[0] for s in questions)
    word, count = firsts.most_common(1)[0]
    assert 100 * count <= 35 * len(questions), word


def test_check_mode_names_the_questions_file_when_it_differs(
    make_corpus, regenerated, regenerated_questions, tmp_path, monkeypatch, capsys
):
    sentences, stale = tmp_path / "sentences.txt", tmp_path / "questions.txt"
    sentences.write_text(regenerated)
    stale.write_text(regenerated_questions.replace("\n", "\ncan the cat swim\n", 1))
    monkeypatch.setattr(make_corpus, "OUTPUT", str(sentences))
    monkeypatch.setattr(make_corpus, "QUESTIONS_OUTPUT", str(stale))
    monkeypatch.setattr(make_corpus, "generate", lambda: regenerated)
    assert make_corpus.main(["--check"]) == 1
    errors = [s for s in capsys.readouterr().err.splitlines() if s.startswith("error:")]
    assert errors == [f"error: {stale} differs from the generator's output; regenerate it"]


# ---- the held-out sentences -----------------------------------------------------------
@pytest.fixture(scope="module")
def committed_held_out() -> bytes:
    return HELD_OUT.read_bytes()


@pytest.fixture(scope="module")
def held_out(committed_held_out: bytes) -> list[str]:
    return committed_held_out.decode("ascii").split("\n")[:-1]


def test_regenerating_the_held_out_set_gives_exactly_the_committed_file(
    make_corpus, regenerated, committed_held_out
):
    assert make_corpus.generate_held_out(regenerated).encode("ascii") == committed_held_out


def test_there_are_200_held_out_sentences_all_different(held_out):
    assert len(held_out) == 200
    assert len(set(held_out)) == len(held_out)


def test_no_held_out_sentence_is_a_sentence_of_the_training_corpus(held_out, lines):
    assert sorted(set(held_out) & set(lines)) == []


def test_every_word_of_the_held_out_set_is_a_word_of_the_training_corpus(
    committed_held_out, committed
):
    words = set(committed.decode("ascii").split())
    assert sorted(set(committed_held_out.decode("ascii").split()) - words) == []


def test_every_held_out_sentence_is_1_to_15_lowercase_words_separated_by_single_spaces(held_out):
    bad = [s for s in held_out if not re.fullmatch(r"[a-z]+( [a-z]+){0,14}", s)]
    assert bad == []


def test_held_out_lines_end_in_a_single_newline_each_including_the_last(committed_held_out):
    assert committed_held_out.endswith(b"\n") and not committed_held_out.endswith(b"\n\n")
    assert b"\r" not in committed_held_out


def test_check_mode_names_the_held_out_file_when_it_is_a_training_sentence(
    make_corpus, regenerated, regenerated_questions, tmp_path, monkeypatch, capsys
):
    sentences, questions = tmp_path / "sentences.txt", tmp_path / "questions.txt"
    stale = tmp_path / "heldout.txt"
    sentences.write_text(regenerated)
    questions.write_text(regenerated_questions)
    held_out = make_corpus.generate_held_out(regenerated)
    trained = regenerated.split("\n")[0]
    stale.write_text(held_out.replace("\n", f"\n{trained}\n", 1).rsplit("\n", 2)[0] + "\n")
    monkeypatch.setattr(make_corpus, "OUTPUT", str(sentences))
    monkeypatch.setattr(make_corpus, "QUESTIONS_OUTPUT", str(questions))
    monkeypatch.setattr(make_corpus, "HELD_OUT_OUTPUT", str(stale))
    monkeypatch.setattr(make_corpus, "generate", lambda: regenerated)
    assert make_corpus.main(["--check"]) == 1
    errors = [s for s in capsys.readouterr().err.splitlines() if s.startswith("error:")]
    assert errors == [
        f"error: {stale}: line 2 is a sentence of the training corpus",
        f"error: {stale} differs from the generator's output; regenerate it",
    ]
