"""The word-level tokenizer."""

import pytest

from core.errors import UnknownWordError
from core.model.tokenizer import Tokenizer


def test_words_are_sorted_and_unique():
    tok = Tokenizer.from_sentences(["the dog runs", "a cat runs"])
    assert tok.words == ("a", "cat", "dog", "runs", "the")


def test_bos_is_the_number_of_words():
    tok = Tokenizer.from_sentences(["b a"])
    assert (tok.bos, tok.vocab_size) == (2, 3)


def test_encode_wraps_the_sentence_in_bos():
    tok = Tokenizer.from_sentences(["the cat"])
    assert tok.encode("the cat") == [2, 1, 0, 2]


def test_unknown_word_names_the_word():
    tok = Tokenizer.from_sentences(["the cat"])
    with pytest.raises(UnknownWordError, match="'dog'"):
        tok.encode("the dog")


def test_decode_names_bos():
    tok = Tokenizer.from_sentences(["the cat"])
    assert tok.decode([2, 1, 0, 2]) == "BOS the cat BOS"


def test_order_follows_javascript_utf16_sort_beyond_the_bmp():
    # U+1F600 sorts before U+FF5E in UTF-16 (surrogates 0xD83D...), after it by code point.
    tok = Tokenizer.from_sentences(["\uff5e \U0001f600"])
    assert tok.words == ("\U0001f600", "\uff5e")
