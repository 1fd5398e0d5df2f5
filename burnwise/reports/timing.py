"""Small time helpers shared by the reports: windows like ``7d``, readable durations, percentiles.

Why one place: every report prints durations and times, and a figure a reader compares across
reports (time to acknowledge in the postmortem and in the load report) must be spelled the same.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from burnwise.errors import BurnwiseError
from burnwise.roster.durations import parse_duration


def parse_window(text: str, option: str) -> timedelta:
    """``"7d"`` -> 7 days; a mistake names the option and shows a valid spelling."""
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise BurnwiseError(f"{option} {text!r}: {exc}") from None


def parse_instant(text: str | None, option: str = "--at") -> datetime:
    """An ISO 8601 time with a UTC offset (``Z`` allowed), or now when not given."""
    if text is None:
        return datetime.now(timezone.utc)
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BurnwiseError(f"{option} {text!r}: not an ISO time; write it like 2026-11-25T09:00:00Z") from None
    if value.tzinfo is None:
        raise BurnwiseError(f"{option} {text!r}: give a UTC offset, e.g. 2026-11-25T09:00:00Z or +01:00")
    return value.astimezone(timezone.utc)


def iso(value: datetime | None) -> str | None:
    """UTC, second precision, ``Z`` suffix: how every report prints an instant."""
    if value is None:
        return None
    return value.astimezone(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_zone(text: str, option: str = "--tz") -> str:
    """An IANA zone name (``Europe/Berlin``), checked; ``UTC`` is one too."""
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise BurnwiseError(f"{option} {text!r}: not an IANA time zone; write it like Europe/Berlin or UTC") from None
    return text


def local(text: str | None, zone: str, with_utc: bool = False) -> str | None:
    """An instant printed by :func:`iso` -> ``Sun 2026-11-22 10:00 CET`` in ``zone`` (UTC beside on request).

    Why: a handoff is read by a person in one zone; ``09:00Z`` makes them do arithmetic at the
    very moment they should be reading. UTC goes beside times that others will quote back.
    """
    if text is None:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    here = moment.astimezone(ZoneInfo(zone))
    shown = f"{here:%a %Y-%m-%d %H:%M} {here.tzname()}"
    if with_utc and zone != "UTC":
        utc = moment.astimezone(timezone.utc)
        day = "" if utc.date() == here.date() else f"{utc:%a %Y-%m-%d} "
        shown += f" ({day}{utc:%H:%M} UTC)"
    return shown


def human(seconds: float | None) -> str:
    """``5415`` -> ``1h30m15s``; ``None`` -> ``-`` (figure not available)."""
    if seconds is None:
        return "-"
    total = int(round(seconds))
    if total == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, total = divmod(total, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def seconds_between(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (end - start).total_seconds()


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile: the smallest value with at least ``percent`` % at or below it.

    Why nearest rank and not interpolation: every figure is then a real observed value (a real
    incident's time to acknowledge) and a reader can check it by sorting the list by hand.
    """
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(percent / 100 * len(ordered)))
    return ordered[rank - 1]
