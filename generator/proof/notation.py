"""promtool's expanding notation (`0+60x100`, `_x5`, `stale`): read it and write it shortest.

Why here: raw SLIs bring their own series in this notation (`sli.raw.test_series`), which are
spliced minute by minute, and every generated counter is written back in it compactly.
"""

from __future__ import annotations


import re
from decimal import Decimal

from burnwise.generator.numbers import format_decimal
from burnwise.generator.proof.scenarios import ScenarioError


_TOKEN = re.compile(
    r"^(?P<start>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"(?:(?P<sign>[-+])(?P<step>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?"
    r"(?:x(?P<count>\d+))?$"
)


def expand_notation(text: str, limit: int) -> list[Decimal | None]:
    """The first ``limit`` samples of a series in promtool's notation (None = no sample)."""
    values: list[Decimal | None] = []
    for token in text.split():
        if len(values) >= limit:
            break
        if token == "stale" or token == "_":
            values.append(None)
            continue
        if token.startswith("_x"):
            values.extend([None] * int(token[2:]))
            continue
        match = _TOKEN.match(token)
        if not match:
            raise ScenarioError(f"cannot read {token!r} in series values {text!r} (promtool notation, e.g. 0+60x100)")
        start = Decimal(match["start"])
        step = Decimal(match["step"] or 0) * (-1 if match["sign"] == "-" else 1)
        count = int(match["count"] or 0)
        for index in range(min(count, limit - len(values) - 1) + 1):
            values.append(start + step * index)
    return values[:limit]


def compress_notation(values: list[Decimal | None]) -> str:
    """Shortest run-length form: arithmetic runs become ``a+bxN``, gaps ``_xN``."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        value = values[i]
        if value is None:
            run = 1
            while i + run < len(values) and values[i + run] is None:
                run += 1
            parts.append("_" if run == 1 else f"_x{run}")
            i += run
            continue
        step = None
        run = 1
        if i + 1 < len(values) and values[i + 1] is not None:
            step = values[i + 1] - value
            run = 2
            while i + run < len(values) and values[i + run] is not None and values[i + run] - values[i + run - 1] == step:
                run += 1
        text = format_decimal(value)
        if run == 1:
            parts.append(text)
        elif step == 0:
            parts.append(f"{text}x{run - 1}")
        else:
            sign = "-" if step < 0 else "+"
            parts.append(f"{text}{sign}{format_decimal(abs(step))}x{run - 1}")
        i += run
    return " ".join(parts)


def counter_notation(increments: list[Decimal]) -> str:
    """A counter from 0 growing by ``increments[m]`` at sample ``m`` (``increments[0]`` is ignored)."""
    values = [Decimal(0)]
    for increment in increments[1:]:
        values.append(values[-1] + increment)
    return compress_notation(values)
