"""The RNG against values printed by the reference's own code on Node 20."""

import math

import pytest

from core.reference.rng import Mulberry32

# Printed by the reference's rng.ts functions on Node v20.20.2.
NODE_RANDOM = {
    42: [
        0.6011037519201636,
        0.44829055899754167,
        0.8524657934904099,
        0.6697340414393693,
        0.17481389874592423,
    ],
    0: [
        0.26642920868471265,
        0.0003297457005828619,
        0.2232720274478197,
        0.1462021479383111,
        0.46732782293111086,
    ],
    -1: [
        0.8964226141106337,
        0.189478256739676,
        0.7156526781618595,
        0.9440599093213677,
        0.8452364315744489,
    ],
    4294967301: [
        0.6897749109193683,
        0.7727432732935995,
        0.21976301027461886,
        0.6231788222212344,
        0.08513720124028623,
    ],
    2147483647: [
        0.4290980885270983,
        0.12713524978607893,
        0.3852774982806295,
        0.39639189024455845,
        0.11962746665813029,
    ],
}


@pytest.mark.parametrize("seed", sorted(NODE_RANDOM))
def test_random_matches_the_reference_with_32_bit_wraparound(seed):
    rng = Mulberry32(seed)
    assert [rng.random() for _ in range(5)] == NODE_RANDOM[seed]


def test_gauss_matches_the_reference():
    rng = Mulberry32(42)
    assert [rng.gauss(0, 0.08) for _ in range(5)] == [
        -0.07649297835073192,
        -0.021842088390608833,
        -0.14733017478268776,
        -0.09127056567632193,
        -0.042354703497313226,
    ]


def test_shuffle_is_fisher_yates_from_the_end_as_the_reference():
    items = list(range(10))
    Mulberry32(7).shuffle(items)
    assert items == [6, 5, 8, 1, 2, 3, 4, 7, 9, 0]


def test_weighted_choice_matches_the_reference():
    rng = Mulberry32(3)
    assert [rng.weighted_choice([0.1, 0.5, 0.2, 0.2]) for _ in range(8)] == [2, 0, 1, 0, 2, 1, 1, 1]


def test_weighted_choice_falls_back_to_the_last_index_on_nan():
    assert Mulberry32(3).weighted_choice([math.nan, 1.0, 1.0]) == 2


def test_same_seed_gives_the_same_sequence():
    a, b = Mulberry32(1234), Mulberry32(1234)
    assert [a.random() for _ in range(100)] == [b.random() for _ in range(100)]


def test_state_can_be_saved_and_restored():
    rng = Mulberry32(9)
    rng.random()
    saved = rng.state
    ahead = [rng.random() for _ in range(3)]
    rng.state = saved
    assert [rng.random() for _ in range(3)] == ahead
