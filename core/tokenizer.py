"""The word-level tokenizer: every distinct word of the corpus gets an id (in sorted
order), and one extra token, BOS, marks where a sentence begins and ends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.errors import UnknownWordError
from core.params import BOS_LABEL


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
