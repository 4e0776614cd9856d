"""StageLine: where a step walked stage by stage stands (the tutorial's five stages), what
the stage just done computed, with its real numbers, and what the next key does."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.widgets import Static

from core.training.stages import Stage, StepProgress
from core.training.trace import PositionTrace, RowState, StepTrace, WatchedParameter
from tui.format import percent

SEPARATOR = " · "
INDENT = "  "  # before a wrapped line, so a narration's lines read as one
DONE, CURRENT = "✓", "▸"  # glyphs, so the tracker does not rest on bold and dim alone
CUT = "✂"
WATCHED_SHOWN = 1  # the watched parameters written out; the others are counted
LOSS_TERMS = 6  # more positions than this are summed as "a + b + c + … + z"


@dataclass(frozen=True)
class _Unit:
    """A piece of a line never split across lines (unless wider than the line itself)."""

    text: Text
    joiner: str = " "
    """Put before it when it follows another unit on the same line (dropped at a wrap)."""


def render_stage(progress: StepProgress, width: int) -> Text:
    """The tracker, the stage's sentence (and, at the update, the watched parameters), then
    the keys, each wrapped between units to `width` cells."""
    paragraphs = [_tracker(progress), *_narration(progress), _keys(progress)]
    lines = [line for units in paragraphs for line in _fill(units, max(width, 1))]
    return Text("\n").join(lines)


class StageLine(Static):
    """The stage line of a step being walked with `.`; empty when no step is (the screen
    then hides it)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, markup=False)
        self.progress: StepProgress | None = None

    def show(self, progress: StepProgress | None) -> None:
        """The step as far as it has got; None: nothing (no step is being walked)."""
        self.progress = progress
        self._redraw()

    def on_resize(self, event: events.Resize) -> None:
        self._redraw()  # wrapped for the old width, the lines would be wrapped again

    def _redraw(self) -> None:
        if self.progress is None:
            self.update(Text())
        else:
            self.update(render_stage(self.progress, self.content_size.width or 80))


# --- the lines ---


def _tracker(p: StepProgress) -> list[_Unit]:
    units = [_Unit(Text(f"step {p.step + 1:,}", style="bold"))]
    for stage in Stage:
        label = f"{stage.value} {stage.name.lower()}"  # the tutorial's names
        if stage is Stage.FORWARD and p.stage >= Stage.FORWARD:
            label += f" {p.fed}/{p.n}"
        if stage < p.stage:
            units.append(_Unit(Text(f"{DONE} {label}"), SEPARATOR))
        elif stage == p.stage:
            units.append(_Unit(Text(f"{CURRENT} {label}", style="bold"), SEPARATOR))
        else:
            units.append(_Unit(Text(label, style="dim"), SEPARATOR))
    return units


def _narration(p: StepProgress) -> list[list[_Unit]]:
    if p.stage is Stage.TOKENIZE:
        return [_tokenized(p)]
    if p.stage is Stage.FORWARD:
        return [_fed(p)]
    if p.stage is Stage.LOSS:
        return [_loss(p)]
    if p.stage is Stage.BACKWARD:
        return [_backward(p)]
    assert p.trace is not None  # the update made it
    return [_update(p, p.trace), *_watched(p.trace.watched)]


def _tokenized(p: StepProgress) -> list[_Unit]:
    total, count = len(p.tokens), p.num_sentences
    units = _prose(
        f"Picked sentences[{p.step:,} % {count:,}] = sentences[{p.sentence_index:,}]",
        f"(step counts from 0) and encoded it: BOS, {total - 2} words,",
    )
    units += _kept(f"BOS = {total} tokens;")
    units += _kept(f"n = min(blockSize, {total} − 1) = min({p.block_size}, {total - 1}) = {p.n}")
    units += _prose("predictions.")
    if p.truncated:
        cut = total - 1 - p.n
        units.append(_Unit(Text(CUT, style="bold")))
        units += _prose(f"only the first {p.n} fit the block")
        units += _kept(f"(blockSize = {p.block_size}):")
        units += _prose(f"the last {cut} {_plural(cut, 'prediction is', 'predictions are')} cut.")
    return units


def _fed(p: StepProgress) -> list[_Unit]:
    last = p.positions[-1]
    vocabulary = len(last.distribution())
    return [
        *_kept("Fed ", *_word(p, last.input_token, last.input_word)),
        *_prose(f"at position {last.position}: each layer's KV cache now holds"),
        *_kept(f"{p.attention.positions} {_plural(p.attention.positions, 'row', 'rows')};"),
        *_prose(f"{vocabulary} scores → softmax;"),
        *_kept("p(", *_word(p, last.target_token, last.target_word), f") = {percent(last.prob)},"),
        *_prose(f"rank {last.rank} of {vocabulary}, −log p = {last.loss:.2f}."),
    ]


def _loss(p: StepProgress) -> list[_Unit]:
    assert p.loss_sum is not None and p.loss is not None
    terms = [f"{q.loss:.2f}" for q in p.positions]
    if len(terms) > LOSS_TERMS:
        terms = [*terms[:3], "…", terms[-1]]
    terms[0] = "(" + terms[0]
    summed = [_Unit(Text(f"{term} +")) for term in terms[:-1]]
    summed.append(_Unit(Text(f"{terms[-1]}) / {p.n}")))
    best = min(p.positions, key=lambda q: q.loss)
    worst = max(p.positions, key=lambda q: q.loss)
    return [
        *_prose("loss = the mean of −log p(target):"),
        *summed,
        *_kept(f"= {p.loss_sum:.4f} / {p.n}"),
        *_kept(f"= {p.loss:.4f}.", style="bold"),
        # The tutorial's own table, quoted: the scale against which this step's losses read.
        *_prose("−log p: p 0.90 costs 0.105, p 0.01 costs 4.605; here"),
        *_paid(best, "paid the least,"),
        *_paid(worst, "the most,", end="."),
    ]


def _paid(q: PositionTrace, what: str, end: str = ",") -> list[_Unit]:
    return [
        *_prose(f"position {q.position} {what}"),
        *_kept(f"{q.loss:.2f} (p {percent(q.prob)}){end}"),
    ]


def _backward(p: StepProgress) -> list[_Unit]:
    assert p.gradient_count is not None
    tokens, positions = len(p.token_rows), len(p.position_rows)
    return _prose(
        f"backward(): {p.gradient_count:,} of {p.parameter_count:,} parameters got a",
        "non-zero .grad; of the embeddings, only the sentence's",
        f"{tokens} token {_plural(tokens, 'row', 'rows')}",
        f"and {positions} position {_plural(positions, 'row', 'rows')}.",
    )


def _update(p: StepProgress, trace: StepTrace) -> list[_Unit]:
    t = p.step + 1
    bias1, bias2 = p.bias_corrections
    if trace.watched:  # the betas are in the record only through a watched entry
        beta1, beta2 = f"{trace.watched[0].adam.beta1:g}", f"{trace.watched[0].adam.beta2:g}"
    else:
        beta1, beta2 = "β1", "β2"
    gradient, momentum = trace.rows_in(RowState.GRADIENT), trace.rows_in(RowState.MOMENTUM)
    return [
        *_prose("Adam:"),
        *_kept(f"lr_t = {trace.lr:.6g},"),
        *_prose("bias corrections"),
        *_kept(f"1 − {beta1}^{t:,} = {bias1:.4g},"),
        *_kept(f"1 − {beta2}^{t:,} = {bias2:.4g};"),
        *_prose("each parameter"),
        *_kept("−= lr_t·m̂/(√v̂ + ε):"),
        *_prose(f"{gradient} token rows moved by their gradient, {momentum} by momentum alone."),
    ]


def _watched(watched: tuple[WatchedParameter, ...]) -> list[list[_Unit]]:
    lines = []
    for w in watched[:WATCHED_SHOWN]:
        e = w.adam
        delta = 0.0 - e.update  # not −0.0 where nothing moved
        change = f"{_signed(e.data_before)} → {_signed(e.data_after)} (Δ {_signed(delta)})"
        lines.append([_Unit(Text(f"{w.name}:", style="bold")), *_kept(change)])
    if len(watched) > WATCHED_SHOWN:
        lines[-1].append(_Unit(Text(f"+{len(watched) - WATCHED_SHOWN} more", style="dim"), "  "))
    return lines


def _keys(p: StepProgress) -> list[_Unit]:
    if p.stage is Stage.UPDATE:
        said = ["the step is done: . walks the next one", "b goes back before it"]
    else:
        said = [f". {_next(p)}", "space finishes the step", "b drops it (not trained yet)"]
    return [_Unit(Text(s, style="dim"), SEPARATOR) for s in said]


def _next(p: StepProgress) -> str:
    if p.stage is Stage.TOKENIZE or (p.stage is Stage.FORWARD and p.fed < p.n):
        return f"feeds position {p.fed}"
    if p.stage is Stage.FORWARD:
        return "computes the loss"
    if p.stage is Stage.LOSS:
        return "runs backward()"
    return "runs Adam's update"


# --- pieces ---


def _prose(*parts: str) -> list[_Unit]:
    """Words, each a unit: prose wraps at any space."""
    return [_Unit(Text(word)) for part in parts for word in part.split(" ") if word]


def _kept(*parts: str | tuple[str, str], style: str = "") -> list[_Unit]:
    """One unit, never split: a formula, or a word with its quotes."""
    return [_Unit(Text.assemble(*parts, style=style))]


def _word(p: StepProgress, token: int, word: str) -> tuple[str | tuple[str, str], ...]:
    """A word of the sentence in “ ” quotes (BOS bare, as the tutorial writes it); plain
    text, never markup: it comes from the corpus file."""
    if token == p.tokens[0]:  # the sentence starts with BOS
        return (word,)
    return ("“", (word, "bold"), "”")


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _signed(x: float) -> str:
    return f"{x:+.3e}"  # as the Adam inspector writes a parameter, so the two can be matched


def _fill(units: list[_Unit], width: int) -> list[Text]:
    """Units put on lines greedily, a wrapped line indented; a unit wider than a line is
    cut into line-wide pieces (at a width no real screen has)."""
    indent = INDENT if width > 4 * len(INDENT) else ""
    lines: list[Text] = []
    for unit in units:
        line = lines[-1] if lines else None
        if line is not None and line.cell_len + len(unit.joiner) + unit.text.cell_len <= width:
            line.append(unit.joiner)
            line.append_text(unit.text)
            continue
        room = width - len(indent)
        pieces = [unit.text] if unit.text.cell_len <= room else _chop(unit.text, room)
        for piece in pieces:
            lines.append(Text(indent if lines else ""))
            lines[-1].append_text(piece)
    return lines


def _chop(text: Text, width: int) -> list[Text]:
    return list(text.divide(range(width, len(text), width)))
