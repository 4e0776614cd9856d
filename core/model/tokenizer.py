"""The word-level tokenizer: every distinct word of the corpus gets an id (in sorted
order), and one extra token, BOS, marks where a sentence begins and ends."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.autograd.params import BOS_LABEL
from core.errors import UnknownWordError

# The characters JavaScript's String.prototype.trim() removes.
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
SPACES = re.compile(r"[\s\ufeff]+")
# A word: letters and digits, with apostrophes or hyphens inside ("don't", "ice-cream").
WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def words_in(pieces: Iterable[str]) -> list[str]:
    """The words in space-separated pieces of text, punctuation dropped."""
    return [w for piece in pieces for w in WORD.findall(piece)]


def normalise_sentence(text: str) -> str:
    """A sentence typed by the user (a prompt, a sentence to encode), read exactly as a
    corpus line is read: trimmed, lowercased, single-spaced, punctuation dropped."""
    return " ".join(words_in(SPACES.split(text.strip(JS_WHITESPACE).lower())))


def is_word(text: str) -> bool:
    """Whether the corpus reader could produce `text` as one word."""
    return WORD.fullmatch(text) is not None and text == text.lower()


def js_order(word: str) -> bytes:
    """JavaScript sorts strings by UTF-16 code units; big-endian UTF-16 bytes compare the
    same way (Python's own order, by code point, differs beyond the BMP)."""
    return word.encode("utf-16-be", "surrogatepass")


@dataclass(frozen=True)
class Tokenizer:
    """Sorted unique words; token id = position in that list; BOS = number of words."""

    words: tuple[str, ...]
    _ids: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {w: i for i, w in enumerate(self.words)})

    @classmethod
    def from_sentences(cls, sentences: Iterable[str]) -> Tokenizer:
        unique = {w for s in sentences for w in s.split(" ")}
        return cls(tuple(sorted(unique, key=js_order)))

    @property
    def bos(self) -> int:
        return len(self.words)

    @property
    def vocab_size(self) -> int:
        return len(self.words) + 1

    def encode(self, sentence: str) -> list[int]:
        """[BOS, word ids..., BOS]. An unknown word is an error naming it (the reference
        would silently use -1, which indexes nothing)."""
        ids = [self.bos]
        for word in sentence.split(" "):
            token = self._ids.get(word)
            if token is None:
                raise UnknownWordError(word, sentence)
            ids.append(token)
        ids.append(self.bos)
        return ids

    def decode(self, tokens: Sequence[int]) -> str:
        return " ".join(self.label(t) for t in tokens)

    def label(self, token: int) -> str:
        """The word for a token id, or BOS."""
        return BOS_LABEL if token == self.bos else self.words[token]

    def id_of(self, word: str) -> int | None:
        if word == BOS_LABEL:
            return self.bos
        return self._ids.get(word)
