"""The debugger's keys: one list of bindings, from which the footer, the help screen and
the command palette are all made (so a key is described once)."""

from __future__ import annotations

from collections.abc import Iterator

from textual.binding import Binding, BindingType

from tui.screens.main import PANELS

BINDINGS: list[BindingType] = [
    Binding("space,n", "step", "Step", tooltip="train on the next sentence (presses queue)"),
    Binding(
        "full_stop",
        "stage",
        "Stage",
        key_display=".",
        tooltip="one stage of the step: tokenize, feed one position, the loss, backward, "
        "the update (space finishes the step, b drops it)",
    ),
    Binding("b", "step_back", "Back", tooltip="back to the state before the last step"),
    Binding("r", "toggle_run", "Run", tooltip="run, or pause after the step in flight"),
    Binding("u", "run_until", "Until", tooltip="run until a condition holds"),
    Binding(
        "g",
        "goto",
        "Go to",
        tooltip="go to step N, or +k / -k steps: forward on the twin engine, or back (esc cancels)",
    ),
    Binding(
        "left",
        "select_position(-1)",
        "Previous position",
        show=False,
        tooltip="select the previous position",
    ),
    Binding(
        "right",
        "select_position(1)",
        "Position",
        key_display="←→",
        tooltip="select the next position",
    ),
    Binding("w", "add_watch", "Watch", tooltip="watch a parameter through Adam"),
    Binding("x", "remove_watch", "Unwatch", tooltip="stop watching the selected one"),
    Binding(
        "e", "toggle_embedding_mode", "Map", tooltip="embedding map: this step, or cumulative hits"
    ),
    Binding(
        "t",
        "cycle_attention",
        "Attention",
        tooltip="attention at the selected position, every head; again: one head's whole "
        "matrix; again: back to the next-word bars",
    ),
    Binding(
        "left_square_bracket",
        "select_head(-1)",
        "Previous head",
        show=False,
        tooltip="the attention matrix of the previous head",
    ),
    Binding(
        "right_square_bracket",
        "select_head(1)",
        "Next head",
        show=False,
        key_display="[ ]",
        tooltip="the attention matrix of the next head ([ the previous)",
    ),
    Binding(
        "a",
        "toggle_compare",
        "After",
        tooltip="before → after: the step's sentence run again with the updated weights "
        "(the run does not change)",
    ),
    Binding(
        "c",
        "check_gradient",
        "Check",
        tooltip="gradient check of the selected watched parameter: the engine's gradient "
        "beside the loss's slope (L(θ+ε) − L(θ−ε)) / 2ε (the run does not change)",
    ),
    Binding(
        "f",
        "gradient_origin",
        "From",
        tooltip="where the selected watched parameter's gradient came from: a term per "
        "position, the main paths from the loss (the run does not change)",
    ),
    Binding(
        "v",
        "graph",
        "Graph",
        tooltip="the step's computation graph from the loss down: every node's data, grad "
        "and local gradients; fused nodes open into primitives (the run does not change)",
    ),
    Binding(
        "z",
        "toggle_enlarged",
        "Enlarge",
        tooltip="enlarge the focused panel to the whole screen, and back (esc too)",
    ),
    Binding(
        "p",
        "toggle_present",
        "Present",
        tooltip="presenter mode, for a projector: one panel at a time as large as the screen, "
        "a line saying what the step is doing, high contrast (tab / shift+tab: the next / "
        "previous panel; p again: back)",
    ),
    # Presenting only (the app's check_action): elsewhere tab moves the focus, as always.
    Binding(
        "tab",
        "show_next_panel(1)",
        "Next panel",
        priority=True,
        tooltip="presenting: the next panel (shift+tab the previous)",
    ),
    Binding(
        "shift+tab",
        "show_next_panel(-1)",
        "Previous panel",
        show=False,
        priority=True,
        tooltip="presenting: the previous panel",
    ),
    Binding("s", "save_run", "Save", tooltip="save the whole run, to resume later"),
    Binding(
        "h",
        "evaluate_held_out",
        "Held-out",
        tooltip="the held-out loss now: the model after the shown step, on sentences it never "
        "trained on (the run does not change)",
    ),
    Binding(
        "i",
        "ask",
        "Ask",
        tooltip="ask the model: generate sentences from the current weights (temperature, "
        "top-k, top-p, seed), or see what it predicts for a sentence you type; t there "
        "trains one what-if step on it (b undoes it); the run does not change",
    ),
    Binding("m", "export_model", "Model", tooltip="export the model (tutorial's format)"),
    Binding(
        "l",
        "export_steps",
        "Log",
        tooltip="export the run's steps as JSON lines, one per step (the format of train "
        "--log-jsonl)",
    ),
    Binding(
        "k",
        "save_screenshot",
        "Shot",
        tooltip="save the screen as an SVG in the current folder, named for the step",
    ),
    Binding("question_mark", "help", "Help", key_display="?", tooltip="this help"),
    Binding("q", "quit", "Quit", tooltip="quit (asks first when steps are unsaved)"),
    Binding("y", "confirm_quit", show=False, tooltip="yes: quit without saving"),
    Binding(
        "escape", "stop", "Stop running", show=False, tooltip="stop running or going to a step"
    ),
    *(
        Binding(
            str(k),
            f"show_panel('{p}')",
            f"Show {t}",
            show=False,
            tooltip=f"show the {t.lower()} panel (focus it when all show)",
        )
        for k, (p, t) in enumerate(PANELS.items(), start=1)
    ),
]

# The palette names an action in full; the footer's short descriptions are for keys.
PALETTE_TITLES = {
    "step": "Step",
    "step_back": "Step back",
    "stage": "Step one stage",
    "cycle_attention": "Attention: heads / matrix / off",
    "select_head(1)": "Attention matrix: next head",
    "toggle_compare": "Before → after the update",
    "check_gradient": "Gradient check of the watched parameter",
    "gradient_origin": "Where the watched parameter's gradient came from",
    "graph": "The step's computation graph",
    "toggle_run": "Run / pause",
    "run_until": "Run until…",
    "goto": "Go to step…",
    "add_watch": "Watch a parameter…",
    "remove_watch": "Stop watching",
    "toggle_embedding_mode": "Embedding map mode",
    "save_run": "Save the run…",
    "export_model": "Export the model…",
    "export_steps": "Export the steps as JSON lines…",
    "save_screenshot": "Save an SVG screenshot",
    "toggle_enlarged": "Enlarge the panel / back",
    "toggle_present": "Presenter mode on / off",
    "evaluate_held_out": "Evaluate the held-out loss",
    "ask": "Ask the model: generate, or your own sentence…",
    "help": "Keys and numbers",
}
# Keys that make no sense as a palette entry (the palette is opened from the keyboard).
NOT_IN_PALETTE = {
    "select_position(-1)",
    "select_position(1)",
    "select_head(-1)",
    "show_next_panel(1)",
    "show_next_panel(-1)",
    "quit",
    "stop",
    "confirm_quit",
}


def described() -> list[Binding]:
    """Every binding a person can be told about (the help screen lists them)."""
    return [b for b in BINDINGS if isinstance(b, Binding) and b.description]


def palette_entries() -> Iterator[tuple[str, str, str]]:
    """(title, help, action) for the command palette, from the bindings."""
    for binding in described():
        if binding.action in NOT_IN_PALETTE:
            continue
        key = binding.key_display or binding.key.split(",")[0]
        key = {"question_mark": "?", "space": "space", "full_stop": "."}.get(key, key)
        help_text = binding.tooltip or binding.description
        title = PALETTE_TITLES.get(binding.action, binding.description)
        yield title, f"{help_text[0].upper()}{help_text[1:]} ({key})", binding.action
