"""Sampling with its draws recorded: the very sentences `generate` gives, and for each word
the filtered distribution it was drawn from; the options typed as text, read as the
command line reads them."""

import math

import pytest

from core.errors import MicrogptError
from core.model.generation import (
    SamplingOptions,
    filtered_probs,
    generate,
    read_count,
    read_options,
    read_seed,
    samples,
)
from core.model.gpt import KVCache, gpt
from core.reference.rng import Mulberry32
from core.training.corpus import load_corpus
from core.training.trainer import Trainer

SENTENCES = [
    "the cat eats a muffin",
    "a dog runs to the park",
    "we play in the yard on monday",
    "the big red dog sees the cat",
    "i can see three birds",
]
OPTIONS = [
    SamplingOptions(),
    SamplingOptions(temperature=1.5),
    SamplingOptions(temperature=0.5, top_k=3),
    SamplingOptions(top_p=0.5),
    SamplingOptions(temperature=1.2, top_k=5, top_p=0.8),
]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """A model after 20 steps on a small corpus, and its tokenizer."""
    path = tmp_path_factory.mktemp("c") / "c.txt"
    path.write_text("\n".join(SENTENCES) + "\n")
    trainer = Trainer(load_corpus(path), seed=4)
    for _ in range(20):
        trainer.step()
    return trainer.model, trainer.tokenizer


def logits_after(model, bos, tokens):
    """The model's scores after BOS and `tokens`, fed one position at a time."""
    cache = KVCache.empty(model.config)
    scores = None
    for pos, token in enumerate([bos, *tokens]):
        scores = gpt(model, token, pos, cache)
    return [v.data for v in scores]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("seed", [1, 7, 2**32 - 1])
def test_the_recorded_sentences_are_generates_for_the_same_seed(trained, options, seed):
    model, tokenizer = trained
    rng_a, rng_b = Mulberry32(seed), Mulberry32(seed)
    expected = list(generate(model, tokenizer, rng_a, 6, options))
    got = list(samples(model, tokenizer, rng_b, 6, options))
    assert [s.text for s in got] == expected
    assert rng_a.state == rng_b.state  # they drew the same numbers, no more


@pytest.mark.parametrize("options", OPTIONS)
def test_each_draw_is_from_the_filtered_distribution_of_its_context(trained, options):
    model, tokenizer = trained
    for sample in samples(model, tokenizer, Mulberry32(3), 4, options):
        for draw in sample.draws:
            context = sample.tokens[: draw.position]
            expected = filtered_probs(logits_after(model, tokenizer.bos, context), options)
            dist = draw.distribution()
            assert list(dist) == expected
            assert math.isclose(math.fsum(dist), 1.0, rel_tol=1e-12)
            assert dist[draw.chosen] == draw.chosen_prob > 0
            assert draw.kept == sum(1 for p in dist if p > 0)
            assert draw.chosen_rank == 1 + sum(1 for p in dist if p > draw.chosen_prob)


def test_the_draws_are_the_sentences_words_then_the_end(trained):
    model, tokenizer = trained
    for sample in samples(model, tokenizer, Mulberry32(11), 8, SamplingOptions()):
        chosen = [d.chosen for d in sample.draws]
        ended = len(sample.tokens) < model.config.block_size
        assert chosen == ([*sample.tokens, tokenizer.bos] if ended else list(sample.tokens))
        assert [d.position for d in sample.draws] == list(range(len(sample.draws)))
        if ended:
            assert sample.draws[-1].chosen_word == "BOS"


def test_words_cut_by_top_k_have_probability_zero(trained):
    model, tokenizer = trained
    k = 3
    plain = SamplingOptions(temperature=0.8)
    for sample in samples(model, tokenizer, Mulberry32(5), 4, SamplingOptions(0.8, top_k=k)):
        for draw in sample.draws:
            full = filtered_probs(
                logits_after(model, tokenizer.bos, sample.tokens[: draw.position]), plain
            )
            cutoff = sorted(full, reverse=True)[k - 1]
            dist = draw.distribution()
            assert all((p > 0) == (q >= cutoff) for p, q in zip(dist, full))
            assert draw.kept >= k and len(draw.likeliest) == min(10, draw.kept)


def test_words_cut_by_top_p_have_probability_zero_and_the_nucleus_is_kept(trained):
    model, tokenizer = trained
    top_p = 0.6
    plain = SamplingOptions(temperature=0.8)
    for sample in samples(model, tokenizer, Mulberry32(5), 4, SamplingOptions(0.8, top_p=top_p)):
        for draw in sample.draws:
            full = filtered_probs(
                logits_after(model, tokenizer.bos, sample.tokens[: draw.position]), plain
            )
            order = sorted(range(len(full)), key=lambda i: -full[i])
            kept = [i for i, p in enumerate(draw.distribution()) if p > 0]
            assert sorted(kept) == sorted(order[: draw.kept])  # the likeliest, in order
            assert sum(full[i] for i in order[: draw.kept - 1]) <= top_p  # none too many
            assert sum(full[i] for i in order[: draw.kept]) > top_p or draw.kept == len(full)


def test_the_likeliest_are_the_distribution_sorted_with_ties_in_vocabulary_order(trained):
    model, tokenizer = trained
    sample = next(samples(model, tokenizer, Mulberry32(2), 1, SamplingOptions(top_k=4)))
    for draw in sample.draws:
        dist = draw.distribution()
        expected = sorted((i for i in range(len(dist)) if dist[i] > 0), key=lambda i: -dist[i])
        assert [c.token for c in draw.likeliest] == expected[:10]
        assert [c.prob for c in draw.likeliest] == [dist[i] for i in expected[:10]]
        assert [c.word for c in draw.likeliest] == [tokenizer.label(i) for i in expected[:10]]


def test_a_prompt_is_given_not_drawn(trained):
    model, tokenizer = trained
    prompt = tokenizer.encode("the dog")[1:-1]
    expected = list(generate(model, tokenizer, Mulberry32(9), 3, SamplingOptions(), prompt))
    got = list(samples(model, tokenizer, Mulberry32(9), 3, SamplingOptions(), prompt))
    assert [s.text for s in got] == expected
    assert all(s.draws[0].position == len(prompt) for s in got)


def test_options_typed_as_text_are_read_as_the_command_line_reads_them():
    assert read_options("1.5", "3", "0.9") == SamplingOptions(1.5, 3, 0.9)
    assert read_seed("4294967295") == 2**32 - 1
    assert read_count("5", 50) == 5


@pytest.mark.parametrize(
    "fields, message",
    [
        (("0", "0", "1"), "--temperature must be a number above 0 (0.8 is the default), not 0.0"),
        (("warm", "0", "1"), "--temperature: 'warm' is not a number"),
        (("nan", "0", "1"), "--temperature must be a number above 0"),
        (("0.8", "2.5", "1"), "--top-k: '2.5' is not a whole number"),
        (("0.8", "-1", "1"), "--top-k: must be 0 or more, not -1"),
        (("0.8", "0", "1.5"), "--top-p must be above 0 and at most 1, not 1.5"),
        (("0.8", "0", "0"), "--top-p must be above 0 and at most 1, not 0.0"),
    ],
)
def test_a_bad_option_says_which_and_why(fields, message):
    with pytest.raises(MicrogptError, match="^" + message.replace("(", r"\(").replace(")", r"\)")):
        read_options(*fields)


def test_a_bad_seed_or_count_says_why():
    with pytest.raises(MicrogptError, match="'one' is not a whole number from 0 to 4,294,967,295"):
        read_seed("one")
    with pytest.raises(MicrogptError, match="4294967296 is out of range"):
        read_seed("4294967296")
    with pytest.raises(MicrogptError, match="must be from 1 to 50, not 0"):
        read_count("0", 50)
    with pytest.raises(MicrogptError, match="must be from 1 to 50, not 51"):
        read_count("51", 50)
