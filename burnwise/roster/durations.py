"""Short human durations (``2s``, ``5m``, ``1h30m``, ``1w``) as written in the roster.

Ack timeouts go down to seconds so tests and drills can shorten them; shifts are whole days so a
handoff can keep its wall-clock time across DST changes.
"""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"w": timedelta(weeks=1), "d": timedelta(days=1), "h": timedelta(hours=1),
          "m": timedelta(minutes=1), "s": timedelta(seconds=1)}
_PART = re.compile(r"(\d+)([wdhms])")
_WHOLE = re.compile(r"^(?:\d+[wdhms])+$")


def parse_duration(text: str) -> timedelta:
    """``"1h30m"`` -> ``timedelta(hours=1, minutes=30)``; ValueError says what a valid one looks like."""
    if not isinstance(text, str) or not _WHOLE.match(text.strip()):
        raise ValueError(
            f"{text!r} is not a duration: write a number and a unit (w, d, h, m, s), e.g. 2s, 5m, 1h30m, 1w"
        )
    total = sum((int(n) * _UNITS[u] for n, u in _PART.findall(text.strip())), timedelta())
    if total <= timedelta():
        raise ValueError(f"{text!r} is zero: a duration must be longer than 0s")
    return total


def format_duration(delta: timedelta) -> str:
    """The shortest exact spelling, e.g. ``timedelta(minutes=90)`` -> ``"1h30m"``."""
    seconds = int(delta.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
