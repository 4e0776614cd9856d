"""The running mean of the loss: the last window's mean and the per-step series."""

import math

import numpy as np
import pytest

from core.training.stats import MEAN_WINDOW, RecentMean, recent_mean, running_mean


def test_running_mean_covers_the_last_window_and_skips_nan():
    values = np.array([1.0, 2.0, math.nan, 4.0, 5.0])
    assert running_mean(values, 2).tolist() == pytest.approx([1.0, 1.5, 2.0, 4.0, 4.5])


def test_recent_mean_is_none_before_the_first_step():
    assert recent_mean([]) is None


def test_recent_mean_takes_every_step_while_there_are_fewer_than_the_window():
    assert recent_mean([1.0, 2.0, 6.0]) == RecentMean(3.0, 3)


def test_recent_mean_takes_only_the_last_window():
    losses = [100.0] * 7 + [2.0] * MEAN_WINDOW
    assert recent_mean(losses) == RecentMean(2.0, MEAN_WINDOW)


def test_recent_mean_is_the_last_point_of_the_running_mean():
    losses = np.random.default_rng(0).uniform(2.0, 6.0, 3 * MEAN_WINDOW + 7)
    mean = recent_mean(losses.tolist())
    assert mean is not None
    assert mean.value == pytest.approx(running_mean(losses)[-1], rel=1e-12)


def test_recent_mean_skips_non_finite_losses_as_the_series_does():
    losses = [1.0, math.nan, 3.0]
    assert recent_mean(losses) == RecentMean(2.0, 3)
    assert running_mean(np.array(losses))[-1] == 2.0


def test_the_random_guess_line_is_ln_of_the_vocabulary():
    from core.training.stats import guess_loss

    assert guess_loss(597) == math.log(597) and round(guess_loss(597), 2) == 6.39
