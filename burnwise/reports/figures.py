"""Figures as people read them in reports: percentages that never print as ``-0.00%``.

A budget consumed of -0.00001 is zero to a reader; Python's format keeps the sign of a value that
rounds to zero, and "-0.00%" in a postmortem reads as a mistake. Every percentage a report prints
goes through :func:`percent`, which rounds first and drops the sign of a rounded zero.
"""

from __future__ import annotations


def percent(ratio: float, digits: int = 2) -> str:
    """``0.1234 -> '12.34%'``; a value that rounds to zero prints as ``0.00%``, never ``-0.00%``."""
    rounded = round(ratio * 100, digits)
    if rounded == 0:
        rounded = 0.0  # also turns -0.0 into 0.0
    return f"{rounded:.{digits}f}%"
