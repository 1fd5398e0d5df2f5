"""Percentages as people write them in specs and rosters (``0%``, ``10%``): one parser.

Why one module: the error-budget policy is written in both places (a spec's ``policy:`` and the
roster's ``budget_policy``), and the two must refuse and read a percentage the same way.
"""

from __future__ import annotations


def parse_percent(value: object) -> float:
    """``"10%"`` -> 0.1; refuses anything that is not a percentage from 0% to 100%."""
    text = str(value).strip()
    try:
        number = float(text.removesuffix("%"))
    except ValueError:
        raise ValueError(f"{value!r} is not a percentage: write it like 0% or 10%") from None
    if not text.endswith("%") or not 0 <= number <= 100:
        raise ValueError(f"{value!r} is not a percentage from 0% to 100%: write it like 0% or 10%")
    return number / 100
