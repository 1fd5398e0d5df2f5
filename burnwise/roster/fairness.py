"""Time-zone fairness: night and weekend hours each primary carries, in their own zone.

A rotation that looks even in UTC can put every night on the one person on the other side of
the world. Hours are counted in 15-minute steps over the shifts computed by
:mod:`burnwise.roster.schedule`, against each person's local clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from burnwise.roster.model import Roster, Surface
from burnwise.roster.schedule import shifts

STEP = timedelta(minutes=15)
NIGHT_START_HOUR = 22  # 22:00 ...
NIGHT_END_HOUR = 7  # ... to 07:00 local
#: A person is flagged when they carry this many times the rotation mean ...
RATIO_LIMIT = 1.5
#: ... and at least this many hours more (so tiny rotations with tiny numbers stay quiet).
MIN_EXCESS_HOURS = 8.0


@dataclass(frozen=True)
class Burden:
    person: str
    hours: float
    mean: float


def is_unsocial(local: datetime) -> bool:
    """Night (22:00-07:00) or weekend (Saturday, Sunday) on the person's own clock."""
    return local.weekday() >= 5 or local.hour >= NIGHT_START_HOUR or local.hour < NIGHT_END_HOUR


def unsocial_hours(roster: Roster, surface: Surface, start: datetime, weeks: int = 12) -> dict[str, float]:
    """Night/weekend hours as primary per person over ``weeks`` from ``start``.

    Everyone who can be primary on the surface is listed, with 0 when they carry none, so an
    empty week counts toward the mean like it does for the people involved.
    """
    zones = {p.id: ZoneInfo(p.timezone) for p in roster.people}
    hours = {member: 0.0 for member in surface.members()}
    step_hours = STEP.total_seconds() / 3600
    for shift in shifts(roster, surface, start, start + timedelta(weeks=weeks)):
        if shift.primary is None or shift.primary not in zones:
            continue
        zone = zones[shift.primary]
        moment = shift.start
        while moment < shift.end:
            if is_unsocial(moment.astimezone(zone)):
                hours[shift.primary] = hours.get(shift.primary, 0.0) + step_hours
            moment += STEP
    return dict(sorted(hours.items()))


def unfair_burdens(hours: dict[str, float]) -> list[Burden]:
    """People carrying far more than the mean: over RATIO_LIMIT x mean and MIN_EXCESS_HOURS above it."""
    if not hours:
        return []
    mean = sum(hours.values()) / len(hours)
    return [
        Burden(person, value, mean)
        for person, value in sorted(hours.items())
        if value > RATIO_LIMIT * mean and value - mean >= MIN_EXCESS_HOURS
    ]
