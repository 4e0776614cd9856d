"""The step a learner asks to go to, as typed: a whole number from 0 to the schedule's end."""

from __future__ import annotations

import re

from core.errors import MicrogptError

# Plain digits, or groups of three joined by commas or by underscores ("1,000", "1_000").
# ASCII only: "٣".isdigit() is True in Python, but no one means it as a step number.
_STEPS = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:_[0-9]{3})+")


class StepTargetError(MicrogptError):
    """A step to go to that is not a number, or not a step of the schedule."""


def parse_step_target(text: str, num_steps: int) -> int:
    """The step `text` names, from 0 to `num_steps`; a StepTargetError says why not."""
    written = text.strip()
    if not _STEPS.fullmatch(written):
        raise StepTargetError("type a whole number of steps")
    digits = written.replace(",", "").replace("_", "").lstrip("0") or "0"
    # More digits than the schedule has is beyond it: said without converting the text
    # (int() of a few thousand digits is slow, and refused past 4,300).
    if len(digits) > len(str(num_steps)) or int(digits) > num_steps:
        raise StepTargetError(f"the schedule has steps 0 (the start) to {num_steps:,}")
    return int(digits)
