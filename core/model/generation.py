"""Sampling sentences from a model, as the reference's `generate`: start from BOS, and
at each position scale the logits by the temperature, keep the top-k, keep the top-p
nucleus, softmax, and draw; stop at BOS or at the block size.

The reference's tie and cut-off behaviour is kept, because a learner compares against
its output: top-k keeps every score >= the k-th largest (more than k words on ties);
top-p walks the words from most to least likely (ties in vocabulary order) and keeps
them up to and including the one whose probability carries the running total past p.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from core.autograd.engine import Value, js_divide
from core.errors import MicrogptError
from core.model.draws import LIKELIEST, Candidate, Draw, Sample
from core.model.gpt import KVCache, Model, gpt
from core.model.tokenizer import Tokenizer
from core.reference import jsmath
from core.reference.rng import Mulberry32

NEG_INF = -math.inf
MAX_SEED = 2**32 - 1  # the reference's generator keeps 32 bits of its seed
SEED_HELP = f"a whole number from 0 to {MAX_SEED:,} (the generator keeps 32 bits)"

Recorder = Callable[[int, list[float], int], None]
"""Told of each draw: the position, the filtered distribution, the token drawn."""


@dataclass(frozen=True)
class SamplingOptions:
    """How to turn logits into a draw; the reference's defaults."""

    temperature: float = 0.8  # < 1 sharpens the distribution, > 1 flattens it
    top_k: int = 0  # 0: off
    top_p: float = 1.0  # 1.0: off

    def __post_init__(self) -> None:
        if not (self.temperature > 0 and math.isfinite(self.temperature)):
            raise MicrogptError(
                f"--temperature must be a number above 0 (0.8 is the default), not "
                f"{self.temperature}"
            )
        if self.top_k < 0:
            raise MicrogptError(f"--top-k must be 0 (off) or more, not {self.top_k}")
        if not 0 < self.top_p <= 1:
            raise MicrogptError(f"--top-p must be above 0 and at most 1, not {self.top_p}")


def generate(
    model: Model,
    tokenizer: Tokenizer,
    rng: Mulberry32,
    count: int,
    options: SamplingOptions = SamplingOptions(),
    prompt: Sequence[int] = (),
) -> Iterator[str]:
    """`count` sentences, one at a time, each continuing `prompt` (word ids; empty:
    from scratch)."""
    for _ in range(count):
        yield tokenizer.decode(sample_tokens(model, tokenizer.bos, rng, options, prompt))


def samples(
    model: Model,
    tokenizer: Tokenizer,
    rng: Mulberry32,
    count: int,
    options: SamplingOptions = SamplingOptions(),
    prompt: Sequence[int] = (),
) -> Iterator[Sample]:
    """`generate`'s sentences, each with the draws that made it: the same code draws
    them, so the same seed gives the same sentences."""
    for _ in range(count):
        draws: list[Draw] = []
        record = _recorder(draws, tokenizer)
        tokens = sample_tokens(model, tokenizer.bos, rng, options, prompt, record)
        yield Sample(tokenizer.decode(tokens), tuple(tokens), tuple(draws))


def sample_tokens(
    model: Model,
    bos: int,
    rng: Mulberry32,
    options: SamplingOptions,
    prompt: Sequence[int] = (),
    record: Recorder | None = None,
) -> list[int]:
    """One sentence as word ids (prompt included, BOS excluded); `record`, if given, is
    told of every draw."""
    cache = KVCache.empty(model.config)
    tokens = list(prompt)
    token = bos
    for pos in range(model.config.block_size):
        logits = _logits(model, token, pos, cache)
        if pos < len(prompt):
            token = prompt[pos]  # the prompt is given, not drawn
            continue
        probs = filtered_probs([v.data for v in logits], options)
        token = rng.weighted_choice(probs)
        if record is not None:
            record(pos, probs, token)
        if token == bos:
            break
        tokens.append(token)
    return tokens


def _recorder(draws: list[Draw], tokenizer: Tokenizer) -> Recorder:
    """A recorder that keeps each draw in `draws`."""

    def record(pos: int, probs: list[float], chosen: int) -> None:
        draws.append(_draw(pos, probs, chosen, tokenizer))

    return record


def _draw(pos: int, probs: list[float], chosen: int, tokenizer: Tokenizer) -> Draw:
    dist = np.array(probs, dtype=np.float64)
    p = float(dist[chosen])
    kept = int(np.count_nonzero(dist > 0))
    order = np.argsort(-dist, kind="stable")[: min(LIKELIEST, kept)].tolist()
    return Draw(
        position=pos,
        chosen=chosen,
        chosen_word=tokenizer.label(chosen),
        chosen_prob=p,
        chosen_rank=1 + int(np.count_nonzero(dist > p)),
        kept=kept,
        likeliest=tuple(Candidate(t, tokenizer.label(t), float(dist[t])) for t in order),
        probs=dist.tobytes(),
    )


def _logits(model: Model, token: int, pos: int, cache: KVCache) -> list[Value]:
    """The model's scores, or an error when its numbers overflow (weights too large)."""
    try:
        with np.errstate(all="ignore"):
            logits = gpt(model, token, pos, cache)
    except (OverflowError, ValueError, ZeroDivisionError):
        logits = []
    if not logits or not all(math.isfinite(v.data) for v in logits):
        largest = float(np.max(np.abs(model.params.data))) if model.params.count else 0.0
        raise MicrogptError(
            f"the model's scores overflow at position {pos} (NaN or infinity; its largest "
            f"weight is {largest:.3g}): it cannot generate; train it again or load "
            "another model"
        )
    return logits


def filtered_probs(logits: Sequence[float], options: SamplingOptions) -> list[float]:
    """The distribution a token is drawn from, after temperature, top-k and top-p."""
    scores = [x / options.temperature for x in logits]
    if 0 < options.top_k < len(scores):
        cutoff = sorted(scores, reverse=True)[options.top_k - 1]
        scores = [s if s >= cutoff else NEG_INF for s in scores]
    if options.top_p < 1.0:
        probs = _softmax(scores)
        order = sorted(range(len(scores)), key=lambda i: -scores[i])  # stable, as V8's sort
        running, exceeded = 0.0, False
        for i in order:
            if exceeded:
                scores[i] = NEG_INF
            running += probs[i]
            exceeded = exceeded or running > options.top_p
    return _softmax(scores)


def _softmax(scores: Sequence[float]) -> list[float]:
    """The reference's plain-number softmax, -Infinity counting as probability 0."""
    finite = [s for s in scores if s != NEG_INF]
    max_s = max(finite) if finite else NEG_INF
    exps = [0.0 if s == NEG_INF else jsmath.exp(s - max_s) for s in scores]
    total = 0.0
    for e in exps:
        total += e
    return [js_divide(e, total) for e in exps]


# --- options typed as text (the debugger's fields), read as the command line reads them ---


def read_options(temperature: str, top_k: str, top_p: str) -> SamplingOptions:
    """The options from their text, or a MicrogptError saying what is wrong with which."""
    return SamplingOptions(
        _number("--temperature", temperature), _whole("--top-k", top_k), _number("--top-p", top_p)
    )


def read_seed(text: str) -> int:
    """A seed for Mulberry32, as `microgpt generate --seed` takes it."""
    try:
        value = int(text)
    except ValueError:
        raise MicrogptError(f"--seed: '{text}' is not {SEED_HELP}") from None
    if not 0 <= value <= MAX_SEED:
        raise MicrogptError(f"--seed: {text} is out of range: the seed is {SEED_HELP}")
    return value


def read_count(text: str, most: int) -> int:
    """How many sentences: 1 or more, at most `most`."""
    value = _whole("--num", text)
    if not 1 <= value <= most:
        raise MicrogptError(f"--num: must be from 1 to {most}, not {value}")
    return value


def _number(option: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise MicrogptError(f"{option}: '{text}' is not a number") from None


def _whole(option: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise MicrogptError(f"{option}: '{text}' is not a whole number") from None
    if value < 0:
        raise MicrogptError(f"{option}: must be 0 or more, not {value}")
    return value
