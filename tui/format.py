"""How numbers are written on screen, shared by the widgets (one widget never imports
another for a formatter)."""

from __future__ import annotations

from core.debugging.narration import percent  # one way to write a probability, core's

__all__ = ["internal_error", "percent"]


def internal_error(error: BaseException | None) -> str:
    """A defect's message for the screen: the exception's type says where to look."""
    return f"internal error: {type(error).__name__}: {error}"
