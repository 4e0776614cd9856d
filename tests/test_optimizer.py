"""Adam, checked against a step computed by hand."""

import math

import numpy as np
import pytest

from core.training.optimizer import Adam, AdamConfig


def test_first_step_matches_a_hand_computed_update():
    data, grad = np.array([1.0, -2.0]), np.array([0.5, 0.0])
    adam = Adam(2, AdamConfig())
    adam.update(data, grad, step=0)
    m = 0.85 * 0.0 + (1 - 0.85) * 0.5
    v = 0.99 * 0.0 + (1 - 0.99) * (0.5 * 0.5)
    m_hat, v_hat = m / (1 - 0.85), v / (1 - 0.99)
    assert adam.m.tolist() == [m, 0.0] and adam.v.tolist() == [v, 0.0]
    assert data.tolist() == [1.0 - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8), -2.0]
    assert data[0] == pytest.approx(0.99)  # the first step moves by about lr


def test_gradients_are_reset_after_the_update():
    grad = np.array([0.3, -0.1])
    Adam(2, AdamConfig()).update(np.zeros(2), grad, step=0)
    assert grad.tolist() == [0.0, 0.0]


def test_momentum_moves_a_parameter_without_a_gradient():
    data, adam = np.array([0.0]), Adam(1, AdamConfig())
    adam.update(data, np.array([1.0]), step=0)
    before = data[0]
    adam.update(data, np.array([0.0]), step=1)
    assert data[0] != before


def test_learning_rate_decays_linearly_to_zero():
    c = AdamConfig(num_steps=5000)
    assert (c.lr_at(0), c.lr_at(2500), c.lr_at(4999)) == (0.01, 0.005, 0.01 * (1 - 4999 / 5000))


def test_entry_reports_exactly_what_the_vectorised_update_did():
    rng = np.random.default_rng(0)
    data, adam = rng.standard_normal(50), Adam(50, AdamConfig())
    for step in range(3):
        grad = rng.standard_normal(50)
        before = (float(data[7]), float(grad[7]), float(adam.m[7]), float(adam.v[7]))
        update = adam.update(data, grad, step)
        entry = adam.entry(7, step, before, float(data[7]))
        assert entry.update == update[7]
        assert entry.data_after == entry.data_before - entry.update
        assert (entry.m, entry.v) == (adam.m[7], adam.v[7])
