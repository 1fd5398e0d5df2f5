"""Exact decimal arithmetic for objectives and thresholds.

A YAML objective of 99.9 must become 0.999 in the rules, never 0.9990000000000001, and the error
budget 0.001, never 0.0009999999999999432. Every number that reaches a rule file is a
:class:`~decimal.Decimal` built from the spec's own text and printed by :func:`format_decimal`.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def to_decimal(value: object) -> Decimal:
    """Decimal from a YAML number or string, using the shortest text of a float (99.9 -> '99.9')."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, Decimal):
        return value
    try:
        result = Decimal(repr(value) if isinstance(value, float) else str(value).strip())
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a number") from None
    if not result.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return result


def format_decimal(value: Decimal) -> str:
    """Plain notation without trailing zeros: Decimal('0.0010') -> '0.001', Decimal('14.40') -> '14.4'."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"
