"""Time-zone fairness: night, weekend and holiday hours each primary carries, in their own zone.

A rotation that looks even in UTC can put every night on the one person on the other side of
the world. Hours are counted in 15-minute steps over the shifts computed by
:mod:`burnwise.roster.schedule`, against each person's local clock and local holidays
(``people[].holidays``). Someone is flagged against the *median* of the rotation, not the mean,
so one heavily loaded person does not raise the bar they are measured against.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from burnwise.roster.model import Roster, Surface
from burnwise.roster.schedule import shifts

STEP = timedelta(minutes=15)
NIGHT_START_HOUR = 22  # 22:00 ...
NIGHT_END_HOUR = 7  # ... to 07:00 local
#: A person is flagged when they carry this many times the rotation median ...
RATIO_LIMIT = 1.5
#: ... and at least this many hours more (so tiny rotations with tiny numbers stay quiet).
MIN_EXCESS_HOURS = 8.0


@dataclass(frozen=True)
class Burden:
    person: str
    hours: float
    median: float


@dataclass(frozen=True)
class Hours:
    """One person's on-call hours as primary, split by kind on their own clock (overlaps counted once each)."""

    person: str
    timezone: str
    total: float = 0.0
    night: float = 0.0
    weekend: float = 0.0
    holiday: float = 0.0
    unsocial: float = 0.0


def is_unsocial(local: datetime, holidays: frozenset[date] = frozenset()) -> bool:
    """Night (22:00-07:00), weekend (Saturday, Sunday) or a holiday on the person's own clock."""
    return (local.weekday() >= 5 or local.hour >= NIGHT_START_HOUR or local.hour < NIGHT_END_HOUR
            or local.date() in holidays)


def hours_by_kind(roster: Roster, surface: Surface, start: datetime, weeks: int = 12) -> list[Hours]:
    """Per person who can be primary on the surface: total, night, weekend, holiday and unsocial hours.

    Everyone is listed, with zeros when they carry none, so an empty week counts toward the median
    like it does for the people involved. ``unsocial`` counts a quarter hour once even when it is
    both night and weekend.
    """
    people = {p.id: p for p in roster.people}
    sums = {m: dict.fromkeys(("total", "night", "weekend", "holiday", "unsocial"), 0.0) for m in surface.members()}
    step_hours = STEP.total_seconds() / 3600
    for shift in shifts(roster, surface, start, start + timedelta(weeks=weeks)):
        person = people.get(shift.primary) if shift.primary else None
        if person is None:
            continue
        zone, holidays = ZoneInfo(person.timezone), frozenset(person.holidays)
        row = sums.setdefault(person.id, dict.fromkeys(("total", "night", "weekend", "holiday", "unsocial"), 0.0))
        moment = shift.start
        while moment < shift.end:
            local = moment.astimezone(zone)
            row["total"] += step_hours
            row["night"] += step_hours * (local.hour >= NIGHT_START_HOUR or local.hour < NIGHT_END_HOUR)
            row["weekend"] += step_hours * (local.weekday() >= 5)
            row["holiday"] += step_hours * (local.date() in holidays)
            row["unsocial"] += step_hours * is_unsocial(local, holidays)
            moment += STEP
    return [Hours(pid, people[pid].timezone if pid in people else "UTC", **row) for pid, row in sorted(sums.items())]


def unsocial_hours(roster: Roster, surface: Surface, start: datetime, weeks: int = 12) -> dict[str, float]:
    """Night/weekend/holiday hours as primary per person over ``weeks`` from ``start``."""
    return {h.person: h.unsocial for h in hours_by_kind(roster, surface, start, weeks)}


def unfair_burdens(hours: dict[str, float], ratio: float = RATIO_LIMIT,
                   min_excess: float = MIN_EXCESS_HOURS) -> list[Burden]:
    """People carrying far more than the median: over ``ratio`` x median and ``min_excess`` hours above it."""
    if not hours:
        return []
    median = statistics.median(hours.values())
    return [
        Burden(person, value, median)
        for person, value in sorted(hours.items())
        if value > ratio * median and value - median >= min_excess
    ]
