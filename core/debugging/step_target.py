"""The step a learner asks to go to, as typed: a whole number from 0 to the schedule's end,
or a number of steps forward or back from where the run is ("+1000", "-10")."""

from __future__ import annotations

import re

from core.errors import MicrogptError

# Plain digits, or groups of three joined by commas or by underscores ("1,000", "1_000").
# ASCII only: "٣".isdigit() is True in Python, but no one means it as a step number.
_STEPS = re.compile(r"[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?:_[0-9]{3})+")


class StepTargetError(MicrogptError):
    """A step to go to that is not a number, or not a step of the schedule."""


def parse_step_target(text: str, num_steps: int, current: int = 0) -> int:
    """The step `text` names, from 0 to `num_steps` (`+k` and `-k`: k steps after or
    before `current`); a StepTargetError says why not."""
    written = text.strip()
    sign = written[:1] if written[:1] in ("+", "-") else ""
    number = written[len(sign) :].strip()
    if not _STEPS.fullmatch(number):
        raise StepTargetError("type a whole number of steps, or +k or -k to move k steps")
    digits = number.replace(",", "").replace("_", "").lstrip("0") or "0"
    # More digits than the schedule has is beyond it: said without converting the text
    # (int() of a few thousand digits is slow, and refused past 4,300).
    too_long = len(digits) > len(str(num_steps)) + 1
    value = None if too_long else int(digits)
    if not sign:
        if value is None or value > num_steps:
            raise StepTargetError(f"the schedule has steps 0 (the start) to {num_steps:,}")
        return value
    target = None if value is None else current + value if sign == "+" else current - value
    if target is None or not 0 <= target <= num_steps:
        where = "after the end" if sign == "+" else "before the start"
        raise StepTargetError(
            f"{sign}{digits} steps from step {current:,} is {where}: the schedule has steps "
            f"0 (the start) to {num_steps:,}"
        )
    return target
