"""The Adam inspector's text: one parameter's update written out, each number with the
formula that made it, wrapped to a width. Every number comes from core (the entry and its
properties); this module only formats and wraps, breaking lines between whole words."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from rich.cells import cell_len

from core.training.optimizer import AdamEntry

LABEL = 6  # cells of the labels ("update", "1−β1^t")
BARS = "▁▂▃▄▅▆▇█"


def signed(x: float) -> str:
    return f"{x:+.3e}"


def unsigned(x: float) -> str:  # for the learning rate and √v̂
    return f"{x:.3e}"


def summary(e: AdamEntry, width: int) -> list[str]:
    """The update and what it did to the parameter: one line, or two if narrow."""
    moved = f"{signed(e.data_before)} → {signed(e.data_after)}"
    line = f"update {signed(e.update)}  ·  data {moved}"
    if cell_len(line) <= width:
        return [line]
    return wrap("update", [signed(e.update)], width) + wrap("data", [moved], width)


def derivation(e: AdamEntry, t: int | None, width: int) -> list[str]:
    """Every number of the update, one formula per item; `t` is the 1-based step."""
    out = [wrap(label, pieces, width) for label, pieces in _formulas(e, t)]
    bias1, bias2 = out[3], out[4]
    if len(bias1) == len(bias2) == 1 and cell_len(bias1[0] + bias2[0]) + 3 <= width:
        out[3:5] = [[bias1[0] + "   " + bias2[0]]]
    return [text for item in out for text in item]


def _formulas(e: AdamEntry, t: int | None) -> list[tuple[str, list[str]]]:
    """(label, pieces) for each number of the update; pieces wrap as whole units."""
    b1, b2 = e.beta1, e.beta2  # the run's, which the entry carries
    w1, w2 = e.grad_weight_m, e.grad_weight_v
    eps = f"{e.eps:g}"
    if "." not in eps:
        eps = eps.replace("e-0", "e-")  # 1e-8, as the tutorial writes it
    powers = e.beta_powers(t) if t is not None else None
    return [
        ("grad", [f"= {signed(e.grad)}"]),
        (
            "m",
            [
                f"= {b1:g}·m_prev + {w1:g}·grad",
                f"= {b1:g}·({signed(e.m_before)}) + {w1:g}·({signed(e.grad)})",
                f"= {signed(e.m)}",
            ],
        ),
        (
            "v",
            [
                f"= {b2:g}·v_prev + {w2:g}·grad²",
                f"= {b2:g}·({signed(e.v_before)}) + {w2:g}·({signed(e.grad)})²",
                f"= {signed(e.v)}",
            ],
        ),
        ("1−β1^t", bias_pieces(b1, t, e.bias1, powers[0] if powers else None)),
        ("1−β2^t", bias_pieces(b2, t, e.bias2, powers[1] if powers else None)),
        ("m̂", ["= m / (1−β1^t)", f"= {signed(e.m)} / {e.bias1:.6g}", f"= {signed(e.m_hat)}"]),
        ("v̂", ["= v / (1−β2^t)", f"= {signed(e.v)} / {e.bias2:.6g}", f"= {signed(e.v_hat)}"]),
        ("lr_t", [f"= {unsigned(e.lr)}"]),
        (
            "update",
            [
                f"= lr_t·m̂ / (√v̂ + {eps})",
                f"= {unsigned(e.lr)}·({signed(e.m_hat)}) / ({unsigned(e.sqrt_v_hat)} + {eps})",
                f"= {signed(e.update)}",
            ],
        ),
        ("data", [f"{signed(e.data_before)} → {signed(e.data_after)}", "(before − update)"]),
    ]


def bias_pieces(beta: float, t: int | None, bias: float, power: float | None) -> list[str]:
    """`= 1−β^t`, then its value to six digits: `=` if those digits are the exact value,
    `≈` if they round it, and when it shows as 1, what became of β^t."""
    shown, power_of = f"{bias:.6g}", f"{beta:g}^{'t' if t is None else t}"
    pieces = [f"= 1−{power_of}", f"{'=' if float(shown) == bias else '≈'} {shown}"]
    if shown == "1":
        if power is None:
            pieces.append(f"({power_of} rounds away)")
        elif power > 0:
            pieces.append(f"({power_of} = {power:.1e} rounds away)")
        else:
            pieces.append(f"({power_of} is too small for a float)")
    return pieces


def sparklines(m_history: Sequence[float], v_history: Sequence[float], width: int) -> list[str]:
    """m and v over the last steps, each under a line that says its scale: m from −max|m|
    (▁) to +max|m| (█), so bars above the middle are positive; v from 0 (▁) to its max."""
    lines: list[str] = []
    if m_history:
        m = m_history[-width:]
        top = max((abs(x) for x in m if math.isfinite(x)), default=0.0)
        scale = f"{-top:.1e} to {top:+.1e}, middle 0" if top else "all 0"
        lines += wrap_words(f"m, {_last(len(m))}: {scale}", width)
        lines.append(_bars(m, lambda x: (x / top + 1) / 2 if top else 0.5))
    if v_history:
        v = v_history[-width:]
        top = max((x for x in v if math.isfinite(x)), default=0.0)
        scale = f"0 to {top:.1e}" if top else "all 0"
        lines += wrap_words(f"v, {_last(len(v))}: {scale}", width)
        lines.append(_bars(v, lambda x: x / top if top else 0.0))
    return lines


def _last(steps: int) -> str:
    return "last step" if steps == 1 else f"last {steps} steps"


def _bars(values: Sequence[float], level: Callable[[float], float]) -> str:
    """One block per value; `level` maps a value to 0..1."""
    out = []
    for x in values:
        f = level(x) if math.isfinite(x) else 0.0
        out.append(BARS[max(0, min(len(BARS) - 1, int(f * len(BARS))))])
    return "".join(out)


def wrap(label: str, pieces: list[str], width: int) -> list[str]:
    """`label  piece piece ...`, starting a new indented line where a piece would not fit;
    a piece too long for a line of its own breaks between its words."""
    indent = " " * (LABEL + 1)
    lines = [label + " " * max(0, LABEL - cell_len(label))]
    for piece in pieces:
        first, *rest = piece.split(" ") if cell_len(indent + piece) > width else [piece]
        if len(lines) == 1 and cell_len(lines[0]) == LABEL:
            lines[0] += " " + first
        elif rest:
            lines.append(indent + first)
        else:
            _add(lines, first, width, indent)
        for word in rest:
            _add(lines, word, width, indent)
    return lines


def wrap_words(text: str, width: int, indent: str = "") -> list[str]:
    """`text` broken between words into lines of at most `width` cells (a word longer than
    that keeps a line of its own)."""
    first, *rest = text.split(" ")
    lines = [first]
    for word in rest:
        _add(lines, word, width, indent)
    return lines


def _add(lines: list[str], text: str, width: int, indent: str) -> None:
    if cell_len(lines[-1]) + 1 + cell_len(text) <= width:
        lines[-1] += " " + text
    else:
        lines.append(indent + text)
