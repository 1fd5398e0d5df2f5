"""Durations as Prometheus spells them (`30d`, `1h30m`, `90s`, `500ms`): one grammar, one printer.

Why one module: specs, the roster (ack timeouts, shifts), promtool test files and promtool's own
output all write durations, and four hand-written parsers used to disagree at the edges (weeks,
milliseconds, unit order). Everything now goes through :func:`parse_millis`, Prometheus'
grammar: units from largest to smallest (`y w d h m s ms`), each at most once, whole numbers.
The front ends differ only in what they accept and return: whole positive seconds for specs
(:func:`parse_duration`), a :class:`~datetime.timedelta` for the roster, seconds as a float for
promtool output. Printing always uses the largest units first so a window is spelt one way
everywhere (`1d6h`, never `30h`); the roster opts into weeks (`1w`), rule files never do.
"""

from __future__ import annotations

import functools
import re
from datetime import timedelta

#: Milliseconds per unit, largest first (Prometheus: a year is 365 days, a week 7).
UNIT_MILLIS: dict[str, int] = {
    "y": 365 * 86_400_000,
    "w": 7 * 86_400_000,
    "d": 86_400_000,
    "h": 3_600_000,
    "m": 60_000,
    "s": 1000,
    "ms": 1,
}
#: Seconds per unit from a second up (specs and windows are whole seconds).
UNITS: dict[str, int] = {unit: millis // 1000 for unit, millis in UNIT_MILLIS.items() if millis >= 1000}
_GRAMMAR = re.compile("^" + "".join(f"(?:(\\d+){unit})?" for unit in UNIT_MILLIS) + "$")
#: Units `format_*` prints, largest first.
RULE_UNITS = ("d", "h", "m", "s")
ROSTER_UNITS = ("w", "d", "h", "m", "s")
MILLIS_UNITS = ("d", "h", "m", "s", "ms")
HINT = "use units y, w, d, h, m, s, e.g. 30d or 1h30m"


class DurationError(ValueError):
    """Not a duration (or not one this caller accepts); the message says what a valid one is."""


def parse_millis(text: str) -> int | None:
    """Milliseconds in a Prometheus duration, or None when ``text`` is not one (``0s`` is 0)."""
    value = text.strip() if isinstance(text, str) else ""
    match = _GRAMMAR.match(value)
    if not value or not match or not any(match.groups()):
        return None
    return sum(int(count) * UNIT_MILLIS[unit] for count, unit in zip(match.groups(), UNIT_MILLIS) if count)


def parse_duration(text: str | int) -> int:
    """Whole seconds in a positive duration (`30d`, `1h30m`, `90s`); an int is seconds already.
    Sub-second durations are refused: windows and `for` are whole seconds."""
    if isinstance(text, bool):
        raise DurationError(f"{text!r} is not a duration")
    if isinstance(text, int):
        if text <= 0:
            raise DurationError(f"{text!r} is not a positive duration")
        return text
    value = str(text).strip()
    millis = parse_millis(value)
    if millis is None or millis % 1000:
        raise DurationError(f"{value!r} is not a Prometheus duration ({HINT})")
    if millis <= 0:
        raise DurationError(f"{value!r} must be longer than zero")
    return millis // 1000


def format_millis(millis: int, units: tuple[str, ...] = MILLIS_UNITS) -> str:
    """Canonical spelling of a whole number of milliseconds in ``units`` (`0s` for zero)."""
    if millis < 0:
        raise DurationError(f"duration must not be negative, got {millis}ms")
    parts = []
    rest = int(millis)
    for unit in units:
        count, rest = divmod(rest, UNIT_MILLIS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


@functools.lru_cache(maxsize=4096)  # pure; rule files spell the same few windows thousands of times
def format_duration(seconds: int) -> str:
    """Rule-file spelling of a positive whole number of seconds: `1d6h`, `5m`, `90s` -> `1m30s`."""
    if seconds <= 0:
        raise DurationError(f"duration must be positive, got {seconds}s")
    return format_millis(int(seconds) * 1000, RULE_UNITS)


def parse_timedelta(text: str) -> timedelta:
    """``"1h30m"`` -> ``timedelta(hours=1, minutes=30)``, longer than zero (roster timeouts, shifts)."""
    millis = parse_millis(text) if isinstance(text, str) else None
    if millis is None:
        raise DurationError(f"{text!r} is not a duration: write a number and a unit (w, d, h, m, s), e.g. 2s, 5m, 1h30m, 1w")
    if millis <= 0:
        raise DurationError(f"{text!r} is zero: a duration must be longer than 0s")
    return timedelta(milliseconds=millis)


def format_timedelta(delta: timedelta) -> str:
    """The shortest exact spelling in whole seconds with weeks, e.g. 90 minutes -> ``"1h30m"``."""
    return format_millis(int(delta.total_seconds()) * 1000, ROSTER_UNITS)


def seconds_or_none(text: str | int | float | None) -> float | None:
    """Seconds of a duration as promtool prints it (``1h30m``, ``0s``, ``500ms``); None otherwise."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    millis = parse_millis(text)
    return None if millis is None else millis / 1000
