"""The embedding map's words: its counts, word lists, legends and row detail, and the wrapping
that keeps them whole at any width (a field between " · " never breaks unless it alone is
wider than the line)."""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len

Pieces = list[tuple[str, str]]  # (text, space-separated style names)
LEVELS = "░▒▓█"  # weakest to strongest
HIT_RANGES = ("1", "2–9", "10–99", "100+")
LISTING_LINES = 4  # a longer word list ends in "+N more"
OUTSIDE_GLYPH = "-"  # a row no step of this corpus can touch
FOCUS_KEY = "4"  # the app's key that focuses the map (its fourth panel)


def length(pieces: Pieces) -> int:
    return sum(cell_len(text) for text, _ in pieces)


def words_of(field: Pieces) -> list[Pieces]:
    """A field cut at its spaces, each word keeping the styles of its pieces."""
    words: list[Pieces] = [[]]
    for text, style in field:
        for i, part in enumerate(text.split(" ")):
            if i:
                words.append([])
            if part:
                words[-1].append((part, style))
    return [word for word in words if word]


def wrap(fields: Sequence[Pieces], width: int, sep: str = " · ", hang: bool = True) -> list[Pieces]:
    """Fields joined by `sep`, broken into lines of at most `width` cells between fields (a
    broken line keeps the separator's mark, e.g. " ·", at its end); a field wider than a
    line breaks at its spaces. Lines that go on with a broken field are indented, and so
    (`hang`) are those that start with a field after the first."""
    indent = "  "
    mark = sep.rstrip()
    lines: list[Pieces] = []
    line: Pieces = []
    used = 0

    def new_line(indented: bool = True) -> None:
        nonlocal line, used
        lines.append(line)
        line, used = ([(indent, "")], len(indent)) if indented else ([], 0)

    for i, field in enumerate(fields):
        room = width - (0 if i == len(fields) - 1 else cell_len(mark))
        size, fresh = length(field), used == 0 or line == [(indent, "")]
        if not fresh and used + cell_len(sep) + size <= room:
            line += [(sep, ""), *field]
            used += cell_len(sep) + size
            continue
        if not fresh:
            line.append((mark, ""))
            new_line(hang)
        if used + size <= room:
            line += field
            used += size
            continue
        words = words_of(field)  # too long for a line of its own
        for j, word in enumerate(words):
            last = j == len(words) - 1
            size = length(word)
            if j and used + 1 + size > (room if last else width):
                new_line()
            elif j:
                line.append((" ", ""))
                used += 1
            line += word
            used += size
    if line and line != [(indent, "")]:
        lines.append(line)
    return lines


def listing(lead: str, items: Sequence[str], width: int) -> list[Pieces]:
    """`lead` then the items, wrapped; past LISTING_LINES lines, the last shown is followed by
    "+N more"."""
    if not items:
        return wrap([[(lead.rstrip(": "), "")]], width)
    for shown in range(len(items), 0, -1):
        fields = [f"{lead}{items[0]}", *items[1:shown]]
        if shown < len(items):
            fields.append(f"+{len(items) - shown} more")
        lines = wrap([[(field, "")] for field in fields], width)
        if len(lines) <= LISTING_LINES:
            return lines
    return lines


def step_counts(
    got: int, size: int, momentum: int, never: int, resting: int, outside: int = 0
) -> list[str]:
    """Step mode's counts: of rows with a gradient (the word list's lead), then of the
    other states."""
    rest = [f"{resting} resting"] if resting else []
    out = [outside_count(outside)] if outside else []
    return [f"{got} of {size} rows got a gradient", f"{momentum} moved by momentum",
            f"{never} never touched", *rest, *out]  # fmt: skip


def outside_count(outside: int) -> str:
    return f"{outside} not in this corpus: fine-tuning never touches them"


OUTSIDE_LEGEND: Pieces = [(OUTSIDE_GLYPH, "outside"), (" not a word of this corpus", "")]


def step_legend(outside: bool = False) -> list[Pieces]:
    """Every glyph of step mode: the levels are relative to this step's largest norm."""
    return [
        [(LEVELS, "gradient"), (" gradient by norm (█: the largest)", "")],
        [("•", "momentum"), (" no gradient, moved by momentum", "")],
        [("∘", "resting"), (" resting: its momentum ran out", "")],
        [("·", "never"), (" never touched", "")],
        *([OUTSIDE_LEGEND] if outside else []),
    ]


def hit_legend(outside: bool = False) -> list[Pieces]:
    """Cumulative mode's shades: how many steps gave the row a gradient, on a log scale."""
    legend = [[("steps with a gradient: ", "label"), ("·", "never"), (" 0", "")]]
    for level, span in enumerate(HIT_RANGES, 1):
        legend.append([(LEVELS[level - 1], f"hit{level}"), (f" {span}", "")])
    return legend + ([OUTSIDE_LEGEND] if outside else [])


def notes(size: int, block: int, cumulative: bool) -> list[list[str]]:
    """What the grid is and how to walk it, one paragraph of fields each."""
    when = ", this step" if cumulative else ""
    return [
        [f"one cell per token id, 0–{size - 1} in reading order; BOS ({size - 1}) is the last"],
        [f"pos: the position rows 0–{block - 1}{when}"],
        [f"← → ↑ ↓ move the cursor while the map is focused (key {FOCUS_KEY})"],
    ]


def detail(
    label: str, row: int, norm: float | None, moved: bool, hits: int, outside: bool = False
) -> list[str]:
    """The row under the cursor, as fields: word and id, this step's gradient, whether the
    update moved it and why, and in how many steps it got a gradient so far."""
    if outside:
        return [f"▸ {label} (id {row})", "not a word of this corpus: no step will touch it"]
    if norm is not None:
        grad, how = f"gradient norm {norm:.3g}", "moved" if moved else "not moved"
    else:
        grad = "no gradient"
        how = "moved by momentum" if moved else "not moved"
        if not moved and hits:
            how = "not moved: its momentum ran out"
    steps = f"{hits} step{'' if hits == 1 else 's'} with a gradient so far"
    return [f"▸ {label} (id {row})", grad, how, steps]
