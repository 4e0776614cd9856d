"""Reading a training corpus: one sentence per line, read as the reference reads it
(lines trimmed, blank ones skipped, lowercased), with checks the reference lacks.

Lines the reference would mangle are normalised, with a warning naming the first such
line: runs of whitespace (a tab or two spaces would make it learn an empty word) become
one space, and punctuation (which it would glue onto words: "cat." beside "cat") is
dropped; apostrophes and hyphens inside a word are kept ("don't", "ice-cream").
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from core.errors import CorpusError
from core.files.inputs import MB, read_bytes
from core.model.tokenizer import JS_WHITESPACE, SPACES, Tokenizer, words_in

MAX_CORPUS_BYTES = 64 * MB  # 60 times the tutorial's corpus


@dataclass(frozen=True)
class Corpus:
    """A corpus as training sees it."""

    path: str
    """The file it was read from, as given."""
    sentences: tuple[str, ...]
    """In file order, trimmed, lowercased and normalised."""
    line_numbers: tuple[int, ...]
    """The file line each sentence came from (1-based)."""
    sha256: str
    """Hash of the file's bytes: identifies the corpus a run was trained on."""
    warnings: tuple[str, ...] = ()
    """What was normalised, naming the first line affected."""


# Our own corpus, shipped as package data: found from a checkout and from a wheel.
DEFAULT_CORPUS = Path(str(resources.files("data").joinpath("sentences.txt")))
# Our own fine-tuning corpus: questions about the same world, in the same words.
DEFAULT_QUESTIONS = Path(str(resources.files("data").joinpath("questions.txt")))
# Our own held-out set: sentences of the default corpus's kind that it does not contain.
DEFAULT_HELD_OUT = Path(str(resources.files("data").joinpath("heldout.txt")))


def load_corpus(path: str | Path = DEFAULT_CORPUS, what: str = "corpus") -> Corpus:
    """Read and check a corpus file; a CorpusError says what is wrong and where (`what`
    names the kind of file: a corpus, or sentences read as one, as a held-out file)."""
    name = str(path)
    raw = read_bytes(path, what, MAX_CORPUS_BYTES, CorpusError)
    if b"\x00" in raw:
        raise CorpusError(
            f"{name} looks like a binary file (it contains NUL bytes); "
            "give a text file with one sentence per line"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise CorpusError(
            f"{name}: line {line} is not valid UTF-8 text (byte {err.start}); "
            "save the file as UTF-8"
        ) from None
    sentences, numbers, warnings = _sentences(text, name)
    if not sentences:
        if text.strip(JS_WHITESPACE):
            raise CorpusError(
                f"{name} has no sentences: its lines hold no words, only punctuation or "
                "symbols; give a text file with one sentence per line"
            )
        raise CorpusError(f"{name} has no sentences: it is empty or only blank lines")
    return Corpus(
        name, tuple(sentences), tuple(numbers), hashlib.sha256(raw).hexdigest(), tuple(warnings)
    )


def _sentences(text: str, name: str) -> tuple[list[str], list[int], list[str]]:
    sentences: list[str] = []
    numbers: list[int] = []
    spaced: list[int] = []
    punctuated: list[tuple[int, str]] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.strip(JS_WHITESPACE).lower()
        if not line:
            continue
        words = SPACES.split(line)
        if " ".join(words) != line:
            spaced.append(number)
        clean = words_in(words)
        if clean != words:
            dropped = "".join(sorted(set(line) - set(" ".join(clean)) - set(" \t")))
            punctuated.append((number, dropped))
        if clean:
            sentences.append(" ".join(clean))
            numbers.append(number)
    warnings = []
    if spaced:
        warnings.append(
            f"{name}: {_lines(spaced)} had tabs or repeated spaces (first: line {spaced[0]}); "
            "they were read as single spaces (the tutorial's program would learn an empty word)"
        )
    if punctuated:
        first, chars = punctuated[0]
        warnings.append(
            f"{name}: {_lines([n for n, _ in punctuated])} had punctuation (first: line "
            f"{first}: {chars!r}); it was dropped (the tutorial's program would glue it onto "
            "words, learning 'cat.' beside 'cat')"
        )
    return sentences, numbers, warnings


def _lines(numbers: list[int]) -> str:
    return "1 line" if len(numbers) == 1 else f"{len(numbers)} lines"


def check_covered(
    tokenizer: Tokenizer, corpus: Corpus, vocabulary_source: str, purpose: str = "fine-tuned on"
) -> None:
    """Every word of `corpus` must be in the vocabulary: a model has no row for a word it
    was not trained with. The error names the first unknown word and its line, and says
    what the corpus is for (`purpose`: a model can only be ... words it was trained with)."""
    for sentence, line in zip(corpus.sentences, corpus.line_numbers):
        for word in sentence.split(" "):
            if tokenizer.id_of(word) is None:  # the corpus is lowercase: never "BOS"
                raise CorpusError(
                    f"{corpus.path}, line {line}: the word '{word}' is not in the vocabulary "
                    f"of {vocabulary_source} ({tokenizer.vocab_size - 1:,} words); a model can "
                    f"only be {purpose} words it was trained with: remove or replace it"
                )
