"""The records of a debugging session (core.debugging.session): what it is doing, the
presses it has queued, and its state as a host shows it. A leaf module, so that a host
that only reads the state need not import the session's machinery."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Mode(Enum):
    """What the session is doing; the value is how the status line names it."""

    IDLE = "paused"
    STEPPING = "stepping"  # taking the steps asked for one press at a time
    RUNNING = "running"
    GOING = "going"  # forward to a step number
    REWINDING = "rewinding"  # back to a step: restoring a snapshot, then replaying


class Press(Enum):
    """A key press that asks for training, queued until the steps before it are done."""

    STEP = "step"  # a whole step (the rest of one in progress)
    STAGE = "stage"  # one stage of a step


@dataclass(frozen=True)
class SessionState:
    """The session as a host shows it."""

    mode: Mode
    step: int
    """Steps done: the state shown is the one after this many steps."""
    num_steps: int
    """The schedule's length."""
    queued: int
    """Single steps asked for and not yet begun."""
    goal: int | None
    """The step a go-to (forward or back) is heading for."""
    reason: str
    """Why the session last stopped or refused ("" when there is nothing to say)."""
    refused: bool
    """True when `reason` is a refusal (a step that cannot be reached), not a pause."""
