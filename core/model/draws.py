"""What sampling drew, word by word: for each draw, the distribution it was drawn from
(after temperature, top-k and top-p) and the word chosen. Plain frozen data, made by
`core.model.generation.samples`, for an interface to show."""

from __future__ import annotations

from array import array
from dataclasses import dataclass, field

LIKELIEST = 10  # words of each draw's distribution kept by name, most likely first


@dataclass(frozen=True)
class Candidate:
    """A word a draw could pick, and its probability in the filtered distribution."""

    token: int
    word: str
    """The word, or BOS (the end of the sentence)."""
    prob: float


@dataclass(frozen=True)
class Draw:
    """One sampled word: having seen the sentence so far, the model's scores were turned
    into the filtered distribution, and `chosen` was drawn from it."""

    position: int
    """0-based position fed (its input is the word before; BOS at 0)."""
    chosen: int
    """The token drawn (BOS: the sentence ends here)."""
    chosen_word: str
    chosen_prob: float
    """p(chosen) in the filtered distribution (always > 0)."""
    chosen_rank: int
    """Where the chosen word stands in that distribution, 1 = the likeliest."""
    kept: int
    """How many tokens the filter left a probability above 0 (the vocabulary, unfiltered)."""
    likeliest: tuple[Candidate, ...]
    """The most likely tokens of the filtered distribution (ten, or fewer if fewer were
    kept), most likely first; ties in vocabulary order."""
    probs: bytes = field(repr=False)
    """The whole filtered distribution over the vocabulary, as float64s; see
    `distribution()`."""

    def distribution(self) -> tuple[float, ...]:
        """p(token) for every token id, 0 for the tokens the filter cut."""
        return tuple(array("d", self.probs))

    @property
    def vocab_size(self) -> int:
        """Tokens the model scores (the words and BOS): what the filter kept `kept` of."""
        return len(self.probs) // 8  # float64s

    @property
    def ends(self) -> bool:
        """BOS was drawn: the sentence ends here."""
        return self.chosen == self.vocab_size - 1  # BOS is the last id


@dataclass(frozen=True)
class Sample:
    """One generated sentence and every draw that made it."""

    text: str
    """The sentence, as `generate` yields it (prompt included)."""
    tokens: tuple[int, ...]
    """Its word ids, prompt included, BOS excluded (as `sample_tokens` returns them)."""
    draws: tuple[Draw, ...]
    """One per word drawn, in order, then the draw of BOS that ended it (none when the
    sentence filled the block); the prompt's words were given, not drawn."""

    def context(self, draw: Draw) -> str:
        """What the model had seen when it drew `draw`: BOS, then the words before it."""
        words = self.text.split(" ") if self.text else []
        return " ".join(["BOS", *words[: draw.position]])
