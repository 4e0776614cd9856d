"""The loss chart, alone in a test app, read back as the text it displays."""

import math

import numpy as np
from textual.app import App, ComposeResult

from core.training.stats import MEAN_WINDOW
from tui.widgets.loss_chart import LossChart, y_range

GUESS = math.log(597)  # 6.39: the loss of a uniform guess over 597 tokens


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield LossChart()


def decaying(n: int, seed: int = 0) -> list[float]:
    """n noisy losses falling from about 6.4 to about 3.5."""
    steps = np.arange(n)
    noise = np.random.default_rng(seed).normal(0, 0.3, n)
    return (3.5 + 2.9 * np.exp(-steps / (n / 4 + 1)) + noise).tolist()


def screen_lines(widget: LossChart) -> list[str]:
    return ["".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height)]


async def shown(losses: list[float], size: tuple[int, int] = (60, 16)) -> list[str]:
    """The chart's lines after showing `losses`."""
    async with Harness().run_test(size=size) as pilot:
        widget = pilot.app.query_one(LossChart)
        widget.show(losses, GUESS)
        await pilot.pause()
        return screen_lines(widget)


async def test_empty_history_shows_the_hint():
    lines = await shown([])
    assert any(line.strip() == "no steps yet: press space" for line in lines)


async def test_legend_names_the_three_series():
    legend = (await shown(decaying(300)))[0]
    assert legend.rstrip() == f"⠒ loss  ━ mean of last {MEAN_WINDOW}  ┄ random guess 6.39"


async def test_narrow_legend_still_names_the_guess():
    legend = (await shown(decaying(300), size=(38, 12)))[0]
    assert "guess 6.39" in legend


async def test_guess_line_is_dashed_and_labelled_on_the_axis():
    lines = await shown(decaying(300))
    guess_line = next(line for line in lines if line.startswith("6.39┤"))
    assert "┄┄┄" in guess_line


async def test_plot_draws_loss_dots_and_the_mean():
    plot = "".join((await shown(decaying(300)))[1:-2])
    assert any("\u2801" <= c <= "\u28ff" for c in plot)  # braille dots
    assert "━" in plot


async def test_x_axis_numbers_first_middle_and_last_step():
    numbers = (await shown(decaying(300)))[-1].split()
    assert numbers == ["1", "150", "300"]


async def test_five_thousand_steps_fit_the_width():
    lines = await shown(decaying(5000))
    assert all(len(line) == 60 for line in lines)
    assert lines[-1].split() == ["1", "2500", "5000"]


async def test_every_column_of_a_long_history_is_drawn():
    lines = await shown(decaying(5000))
    columns = ["".join(column) for column in zip(*lines[1:-2])]
    drawn = [c for c in columns[5:] if any(ch not in " ┄" for ch in c)]
    assert len(drawn) == len(columns) - 5


async def test_history_that_shrinks_is_redrawn_shorter():
    async with Harness().run_test(size=(60, 16)) as pilot:
        widget = pilot.app.query_one(LossChart)
        losses = decaying(300)
        widget.show(losses, GUESS)
        await pilot.pause()
        widget.show(losses[:120], GUESS)  # the learner rewound
        await pilot.pause()
        assert screen_lines(widget)[-1].split() == ["1", "60", "120"]


async def test_showing_the_same_history_again_does_not_repaint(monkeypatch):
    async with Harness().run_test(size=(60, 16)) as pilot:
        widget = pilot.app.query_one(LossChart)
        losses = decaying(300)
        widget.show(losses, GUESS)
        await pilot.pause()
        repaints: list[object] = []
        monkeypatch.setattr(widget, "refresh", lambda *a, **k: repaints.append(a))
        widget.show(list(losses), GUESS)
        assert repaints == []


async def test_single_step_is_drawn():
    lines = await shown([6.45])
    assert lines[-1].split() == ["1"]
    assert any("\u2801" <= c <= "\u28ff" for c in "".join(lines[1:-2]))


async def test_equal_losses_get_a_readable_range():
    lines = await shown([4.0] * 20)
    labels = [float(line.split("┤")[0]) for line in lines[1:-2] if "┤" in line]
    assert min(labels) < 4.0 < max(labels)


async def test_nan_and_infinite_losses_are_skipped():
    losses = decaying(100)
    losses[10], losses[20], losses[30] = math.nan, math.inf, -math.inf
    lines = await shown(losses)
    labels = [float(line.split("┤")[0]) for line in lines[1:-2] if "┤" in line]
    assert all(math.isfinite(v) for v in labels)
    assert lines[-1].split() == ["1", "50", "100"]


def test_y_range_includes_the_guess_and_stays_positive():
    lo, hi = y_range(np.array([0.1, 0.2]), GUESS)
    assert 0.0 <= lo < 0.1
    assert hi > GUESS
