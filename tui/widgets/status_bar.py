"""StatusBar: where training stands (step, sentence, learning rate, loss) and what the
debugger is doing (paused, running, going to a step)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from tui.views import StatusView

_STATE_MARK = {
    "rewinding": "⏪ going back to step",
    "paused": "⏸ paused",
    "running": "▶ running",
    "stepping": "▶ stepping",
    "going": "⏩ going to step",
}


class StatusBar(Static):
    """Two lines: the shown step's figures, then the debugger's state (the reason for a
    pause goes to the NoteLine below)."""

    def show(self, view: StatusView) -> None:
        self.update(render_status(view), layout=False)


def render_status(v: StatusView) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"step {v.step:,}", style="bold")
    text.append(f" of {v.num_steps:,}")
    if v.sentence_index is not None:
        text.append(f"  ·  sentence {v.sentence_index + 1:,} of {v.num_sentences:,}")
    if v.lr is not None:
        text.append(f"  ·  lr {v.lr:.6g}")
    if v.loss is not None:
        text.append("  ·  loss ")
        text.append(f"{v.loss:.4f}", style="bold")
    if v.mean_loss is not None:
        text.append(f"  ·  mean {v.mean_loss:.4f} (last {v.mean_window})")
    text.append("\n")
    state = _STATE_MARK.get(v.state, v.state)
    text.append(state, style="bold reverse" if v.state != "paused" else "bold")
    if v.state in ("going", "rewinding") and v.goal is not None:
        done = max(0, min(v.step, v.goal))
        text.append(f" {v.goal:,}  {_bar(done, v.goal)}  (esc cancels)")
    if v.ms_per_step is not None:
        text.append(f"  ·  {v.ms_per_step:.1f} ms/step")
    if v.nodes is not None and v.reference_nodes is not None:
        text.append(
            f"  ·  graph {v.nodes:,} nodes ({v.reference_nodes:,} primitive ops)", style="dim"
        )
    if v.conditions:
        text.append("  ·  until: " + " · ".join(v.conditions), style="cyan")
    return text


class NoteLine(Static):
    """Why the debugger paused or refused, under the status bar while there is a reason:
    on lines of its own, wrapped, never cut (the status bar's lines are)."""

    def show(self, note: str) -> None:
        self.display = bool(note)
        self.update(Text(f"⚠ {note}", style="bold yellow") if note else "")


def _bar(done: int, goal: int, width: int = 16) -> str:
    filled = round(width * done / goal) if goal else width
    return "▕" + "█" * filled + "░" * (width - filled) + f"▏ {done:,}/{goal:,}"
