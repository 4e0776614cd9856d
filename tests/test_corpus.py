"""Reading corpora: as the reference reads them, and clear messages for bad files."""

import pytest

from core.errors import CorpusError
from core.training.corpus import load_corpus


def write(tmp_path, content: bytes):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    return path


def test_lines_are_trimmed_lowercased_and_blank_ones_skipped(tmp_path):
    corpus = load_corpus(write(tmp_path, b"  The Cat eats\r\n\n\ta dog runs  \n"))
    assert corpus.sentences == ("the cat eats", "a dog runs")
    assert corpus.line_numbers == (1, 3)
    assert corpus.warnings == ()


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(CorpusError, match=r"nope\.txt: no such file"):
        load_corpus(tmp_path / "nope.txt")


def test_an_empty_file_says_it_has_no_sentences(tmp_path):
    with pytest.raises(CorpusError, match="has no sentences"):
        load_corpus(write(tmp_path, b" \n\n"))


def test_a_binary_file_is_refused(tmp_path):
    with pytest.raises(CorpusError, match="binary"):
        load_corpus(write(tmp_path, b"the cat\x00\x01\x02"))


def test_non_utf8_names_the_line(tmp_path):
    with pytest.raises(CorpusError, match="line 3 is not valid UTF-8"):
        load_corpus(write(tmp_path, b"a b\nc d\ne \xff f\n"))


def test_repeated_spaces_and_tabs_become_one_space_with_a_warning(tmp_path):
    corpus = load_corpus(write(tmp_path, b"a b\nthe  cat\tsits\n"))
    assert corpus.sentences == ("a b", "the cat sits")
    assert len(corpus.warnings) == 1 and "first: line 2" in corpus.warnings[0]


def test_punctuation_is_dropped_with_a_warning_naming_the_line(tmp_path):
    corpus = load_corpus(write(tmp_path, b"a b\nc d\nthe cat, it's big.\n"))
    assert corpus.sentences[2] == "the cat it's big"
    assert "first: line 3" in corpus.warnings[0] and "',.'" in corpus.warnings[0]


def test_a_line_of_punctuation_only_is_skipped(tmp_path):
    assert load_corpus(write(tmp_path, b"a b\n...\n")).sentences == ("a b",)


def test_the_hash_identifies_the_file_bytes(tmp_path):
    a = load_corpus(write(tmp_path, b"a b\n")).sha256
    assert a == load_corpus(write(tmp_path, b"a b\n")).sha256
    assert a != load_corpus(write(tmp_path, b"a c\n")).sha256


@pytest.mark.parametrize(
    "name, shown",
    [("a\x00b.txt", r"'a\\x00b\.txt'"), ("\ud800.txt", r"'\\ud800\.txt'")],
    ids=["nul", "lone-surrogate"],
)
def test_a_name_no_file_can_have_is_refused_naming_it(name, shown):
    with pytest.raises(CorpusError, match=shown):
        load_corpus(name)
