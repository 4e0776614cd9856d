"""How numbers are written on screen, shared by the widgets (one widget never imports
another for a formatter)."""

from __future__ import annotations


def internal_error(error: BaseException | None) -> str:
    """A defect's message for the screen: the exception's type says where to look."""
    return f"internal error: {type(error).__name__}: {error}"


def percent(p: float, digits: int = 3) -> str:
    """A probability as a percentage with `digits` significant digits (at most one
    decimal above 10%), enough to tell small probabilities apart."""
    value = 100 * p
    if value <= 0:
        return "0%"
    if value >= 10:
        return f"{value:.1f}%" if digits >= 3 else f"{value:.0f}%"
    return f"{value:.{digits}g}%"
