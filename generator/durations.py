"""Prometheus durations: parse `1h30m` into seconds and print seconds back in canonical form.

Windows are computed in whole seconds so that scaling and comparison are exact; printing always
uses the largest units first (`1d6h`, never `30h`) so the same window is spelt one way everywhere:
in rule names, in expressions and in tests.
"""

from __future__ import annotations

import re

UNITS: dict[str, int] = {
    "y": 365 * 24 * 3600,
    "w": 7 * 24 * 3600,
    "d": 24 * 3600,
    "h": 3600,
    "m": 60,
    "s": 1,
}
PRINT_UNITS = ("d", "h", "m", "s")
_DURATION = re.compile(r"^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


class DurationError(ValueError):
    pass


def parse_duration(text: str | int) -> int:
    """Seconds in a Prometheus duration (`30d`, `1h30m`, `90s`). Sub-second units are refused."""
    if isinstance(text, bool):
        raise DurationError(f"{text!r} is not a duration")
    if isinstance(text, int):
        if text <= 0:
            raise DurationError(f"{text!r} is not a positive duration")
        return text
    value = str(text).strip()
    match = _DURATION.match(value)
    if not value or not match or not any(match.groups()):
        raise DurationError(
            f"{value!r} is not a Prometheus duration (use units y, w, d, h, m, s, e.g. 30d or 1h30m)"
        )
    seconds = sum(int(n) * UNITS[u] for n, u in zip(match.groups(), UNITS) if n)
    if seconds <= 0:
        raise DurationError(f"{value!r} must be longer than zero")
    return seconds


def format_duration(seconds: int) -> str:
    """Canonical Prometheus spelling of a whole number of seconds: `1d6h`, `5m`, `90s` -> `1m30s`."""
    if seconds <= 0:
        raise DurationError(f"duration must be positive, got {seconds}s")
    parts = []
    rest = int(seconds)
    for unit in PRINT_UNITS:
        count, rest = divmod(rest, UNITS[unit])
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
