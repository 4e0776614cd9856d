"""The loss chart, alone in a test app, read back as the text it displays."""

import math
import re

import numpy as np
from rich.style import Style
from textual.app import App, ComposeResult

from core.training.stats import MEAN_WINDOW, running_mean
from tui.widgets.loss_chart import LossChart, y_range

GUESS = math.log(597)  # 6.39: the loss of a uniform guess over 597 tokens
MEAN_GLYPHS = set("━┃┏┓┗┛")
NARROW = (33, 17)  # the loss panel's inside in the wide layout at 120×40


class Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield LossChart()


def decaying(n: int, seed: int = 0, noise: float = 0.3) -> list[float]:
    """n noisy losses falling from about 6.4 to about 3.5 (real runs: noise ≈ 0.8)."""
    steps = np.arange(n)
    scatter = np.random.default_rng(seed).normal(0, noise, n)
    return (3.5 + 2.9 * np.exp(-steps / (n / 4 + 1)) + scatter).tolist()


def screen_lines(widget: LossChart) -> list[str]:
    return ["".join(s.text for s in widget.render_line(y)) for y in range(widget.size.height)]


def screen_cells(widget: LossChart) -> list[list[tuple[str, Style | None]]]:
    """Each line as (character, style) cells."""
    return [
        [(ch, s.style) for s in widget.render_line(y) for ch in s.text]
        for y in range(widget.size.height)
    ]


async def shown(losses: list[float], size: tuple[int, int] = (60, 16)) -> list[str]:
    """The chart's lines after showing `losses`."""
    async with Harness().run_test(size=size) as pilot:
        widget = pilot.app.query_one(LossChart)
        widget.show(losses, GUESS)
        await pilot.pause()
        return screen_lines(widget)


def plot_rows(lines: list[str]) -> list[str]:
    """The plot's lines, with their y axis: between the legend and the x axis."""
    return [line for line in lines[:-2] if re.match(r" *[\d.]*[┤│]", line)]


def plot_of(lines: list[str]) -> list[str]:
    """The plot's cells right of the y axis."""
    return [re.split("[┤│]", line, maxsplit=1)[1] for line in plot_rows(lines)]


async def test_empty_history_shows_the_hint():
    lines = await shown([])
    assert any(line.strip() == "no steps yet: press space" for line in lines)


async def test_wide_legend_names_every_mark_on_one_line():
    losses = decaying(100)
    legend = (await shown(losses, size=(115, 30)))[0]
    assert legend.rstrip() == (
        f"⠒ loss of a step  ━ mean of last {MEAN_WINDOW} steps  "
        f"┄ random guess ln(597) = 6.39  ● last step {losses[-1]:.2f}"
    )


async def test_narrow_legend_explains_the_dots_in_words_on_two_lines():
    losses = decaying(50)
    lines = await shown(losses, size=NARROW)
    assert [line.rstrip() for line in lines[:2]] == [
        f"⠒ step's loss  ━ mean of last {MEAN_WINDOW}",
        f"┄ random guess 6.39  ● last {losses[-1]:.2f}",
    ]


async def test_narrow_legend_explains_the_band_in_words_on_two_lines():
    losses = decaying(3000, noise=0.8)
    lines = await shown(losses, size=NARROW)
    assert [line.rstrip() for line in lines[:2]] == [
        f"━ mean, ░ 80% of last {MEAN_WINDOW} steps",
        f"┄ random guess 6.39  ● last {losses[-1]:.2f}",
    ]


async def test_guess_line_is_dashed_and_labelled_on_the_axis():
    lines = await shown(decaying(300))
    guess_line = next(line for line in lines if line.startswith("6.39┤"))
    assert "┄┄┄" in guess_line


async def test_few_steps_per_column_are_single_dots_under_the_mean():
    plot = "".join(plot_of(await shown(decaying(100))))
    assert any("\u2801" <= c <= "\u28ff" for c in plot)  # braille dots
    assert "━" in plot
    assert "░" not in plot


async def test_thousands_of_steps_draw_a_band_that_leaves_the_plot_open():
    lines = await shown(decaying(3000, noise=0.8), size=NARROW)
    cells = "".join(plot_of(lines))
    assert not any("\u2801" <= c <= "\u28ff" for c in cells)  # no dots to merge
    assert 0.2 < cells.count("░") / len(cells) < 0.7
    assert cells.count(" ") / len(cells) > 0.2


async def test_mean_is_drawn_over_the_band_in_the_mean_style_in_every_column():
    async with Harness().run_test(size=NARROW) as pilot:
        widget = pilot.app.query_one(LossChart)
        widget.show(decaying(3000, noise=0.8), GUESS)
        await pilot.pause()
        mean_style = widget.get_component_rich_style("loss-chart--mean")
        plot = [line[5:] for line in screen_cells(widget)[2:-2]]  # after "6.39┤"
        mean_cells = [(r, c) for r, line in enumerate(plot) for c, cell in enumerate(line)
                      if cell[0] in MEAN_GLYPHS]  # fmt: skip
        assert mean_cells
        assert all(plot[r][c][1] == mean_style for r, c in mean_cells)
        columns = {c for _, c in mean_cells}
        assert len(columns) >= len(plot[0]) - 1  # the last may hold the last step's mark


async def test_mean_line_falls_from_the_guess_to_the_late_losses():
    losses = decaying(3000, noise=0.8)
    lines = await shown(losses, size=NARROW)
    plot = plot_of(lines)
    guess_row = next(r for r, line in enumerate(plot_rows(lines)) if line.startswith("6.39┤"))
    first = [r for r, line in enumerate(plot) if line[0] in MEAN_GLYPHS]
    late = [r for r, line in enumerate(plot) if line[-2] in MEAN_GLYPHS]
    assert abs(min(first) - guess_row) <= 1  # the first step's mean is about the guess
    assert min(late) > max(first)
    late_mean = running_mean(np.array(losses))[-1]
    rows = enumerate(plot_rows(lines))
    labels = {r: float(line.split("┤")[0]) for r, line in rows if "┤" in line}
    bottom_row, bottom = max(labels.items())
    assert bottom < late_mean < 6.39 and min(late) < bottom_row


async def test_last_step_is_marked_at_the_right_end_and_its_loss_given():
    losses = decaying(3000, noise=0.8)
    losses[-1] = 5.55  # high above the mean: its own mark
    lines = await shown(losses, size=NARROW)
    plot = plot_of(lines)
    assert [line.index("●") for line in plot if "●" in line] == [len(plot[0]) - 1]
    assert "● last 5.55" in lines[1]


async def test_x_axis_numbers_first_middle_and_last_step():
    numbers = (await shown(decaying(300)))[-1].split()
    assert numbers == ["1", "150", "300"]


async def test_step_numbers_are_whole_with_thousands_separators_when_narrow():
    lines = await shown(decaying(12_345), size=NARROW)
    assert lines[-1].split() == ["1", "6,173", "12,345"]
    assert lines[-1].rstrip().endswith("12,345")


async def test_y_labels_are_whole_numbers():
    lines = await shown(decaying(3000, noise=0.8), size=NARROW)
    labels = [line.split("┤")[0] for line in lines[2:-2] if "┤" in line]
    assert len(labels) >= 3
    assert all(re.fullmatch(r" *\d+\.\d\d", label) for label in labels)


async def test_five_thousand_steps_fit_the_width():
    lines = await shown(decaying(5000))
    assert all(len(line) == 60 for line in lines)
    assert lines[-1].split() == ["1", "2,500", "5,000"]


async def test_every_column_of_a_long_history_is_drawn():
    lines = await shown(decaying(5000))
    columns = ["".join(column) for column in zip(*lines[1:-2], strict=True)]
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


async def test_single_step_is_drawn_as_the_last_step():
    lines = await shown([6.45])
    assert lines[-1].split() == ["1"]
    assert "●" in "".join(plot_of(lines))
    assert "● last step 6.45" in " ".join(lines[:2])


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


async def test_nan_and_infinite_losses_are_skipped_in_the_band():
    losses = decaying(3000, noise=0.8)
    losses[100:400] = [math.nan, math.inf, -math.inf] * 100
    lines = await shown(losses, size=NARROW)
    labels = [float(line.split("┤")[0]) for line in lines[2:-2] if "┤" in line]
    assert all(math.isfinite(v) and v >= 0 for v in labels)
    assert "░" in "".join(plot_of(lines))


def test_y_range_includes_the_guess_and_stays_positive():
    lo, hi = y_range(np.array([0.1, 0.2]), GUESS)
    assert 0.0 <= lo < 0.1
    assert hi > GUESS


async def shown_with_original(
    losses: list[float], original: dict[int, float], size: tuple[int, int] = (60, 16)
) -> list[str]:
    async with Harness().run_test(size=size) as pilot:
        widget = pilot.app.query_one(LossChart)
        widget.show(losses, GUESS, original)
        await pilot.pause()
        return screen_lines(widget)


async def test_fine_tuning_marks_each_original_corpus_measurement_and_names_it():
    original = {0: 3.3, 100: 3.6, 200: 4.0, 300: 4.1}
    lines = await shown_with_original(decaying(300), original)
    plot = [line for line in lines if "original corpus" not in line]
    assert sum(line.count("◆") for line in plot) == len(original)
    assert "◆ original corpus 4.10 (+0.80" in " ".join(lines)


async def test_the_original_loss_rising_above_the_losses_widens_the_plot():
    lines = await shown_with_original([2.0] * 50, {0: 2.0, 50: 9.0})
    assert lines[2].startswith("9.") or any(line.startswith(" 9.") for line in lines[2:4])


async def test_the_dots_between_measurements_never_hide_the_mean():
    losses = [3.0] * 200
    alone, together = await shown(losses), await shown_with_original(losses, {0: 3.0, 200: 3.0})
    assert sum(line.count("━") for line in together) >= sum(line.count("━") for line in alone) - 2


async def shown_measured(
    losses: list[float],
    original: dict[int, float] | None,
    held_out: dict[int, float],
    size: tuple[int, int] = (60, 16),
) -> tuple[list[str], list[list[tuple[str, Style | None]]]]:
    async with Harness().run_test(size=size) as pilot:
        widget = pilot.app.query_one(LossChart)
        widget.show(losses, GUESS, original, held_out)
        await pilot.pause()
        return screen_lines(widget), screen_cells(widget)


async def test_each_held_out_measurement_is_marked_and_the_legend_names_it():
    held_out = {0: 6.4, 100: 5.0, 200: 4.5, 250: 4.4}
    lines, _ = await shown_measured(decaying(250), None, held_out)
    assert sum(line.count("■") for line in plot_of(lines)) == len(held_out)
    assert re.search(r"■ held-out (loss )?4\.40", " ".join(lines))


async def test_the_held_out_measurements_are_joined_by_small_squares():
    lines, _ = await shown_measured(decaying(250), None, {0: 6.4, 250: 4.4})
    assert any("▪" in line for line in plot_of(lines))


async def test_held_out_and_original_series_have_marks_and_styles_of_their_own():
    losses = decaying(300)
    original, held_out = {0: 3.3, 300: 4.1}, {0: 6.4, 300: 4.6}
    lines, cells = await shown_measured(losses, original, held_out, size=(115, 30))
    legend = " ".join(lines[:3])
    assert "◆ original corpus 4.10" in legend and re.search(r"■ held-out (loss )?4\.60", legend)
    plot = plot_of(lines)
    assert sum(line.count("◆") for line in plot) == 2
    assert sum(line.count("■") for line in plot) == 2
    styles = {ch: style for row in cells for ch, style in row if ch in "◆■"}
    assert styles["◆"] != styles["■"]


async def test_a_held_out_loss_above_the_losses_widens_the_plot():
    lines, _ = await shown_measured([2.0] * 50, None, {0: 2.0, 50: 9.0})
    assert any(re.match(r" *9\.\d\d┤", line) for line in lines)
