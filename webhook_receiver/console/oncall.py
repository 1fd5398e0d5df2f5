"""The on-call page's data: per surface who answers now and next, two weeks of shifts, training.

Why computed here and not in the template: the roster's rules (rotations, follow-the-sun,
overrides, borrowed backups) live in :mod:`burnwise.roster.schedule`; this module only asks it and
arranges the answers per day for a calendar, in plain values a template prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from burnwise.roster.model import Roster, Surface
from burnwise.roster.schedule import Shift, on_call, shifts
from burnwise.roster.training import training_gaps

CALENDAR_DAYS = 14


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    zone: str
    local_time: str


@dataclass(frozen=True)
class Day:
    day: date
    primary: str | None
    backup: str | None
    overrides: tuple[str, ...]  # "carla replaces anna (reason)"


@dataclass(frozen=True)
class SurfaceView:
    name: str
    description: str | None
    now: dict[str, Person | None]
    next: dict[str, Person | None]
    next_at: datetime | None
    days: tuple[Day, ...]
    training: tuple[tuple[str, tuple[str, ...]], ...]  # (person, gaps); no gaps = may carry the pager


def person(roster: Roster, person_id: str | None, at: datetime) -> Person | None:
    if person_id is None:
        return None
    entry = roster.person(person_id)
    if entry is None:
        return Person(person_id, person_id, "UTC", at.strftime("%a %H:%M"))
    local = at.astimezone(ZoneInfo(entry.timezone))
    return Person(entry.id, entry.name, entry.timezone, local.strftime("%a %H:%M"))


def _roles(roster: Roster, shift: Shift | None, at: datetime) -> dict[str, Person | None]:
    if shift is None:
        return {"primary": None, "backup": None, "lead": None}
    return {role: person(roster, getattr(shift, role), at) for role in ("primary", "backup", "lead")}


def _days(roster: Roster, surface: Surface, start: datetime, count: int) -> tuple[Day, ...]:
    days: list[Day] = []
    for n in range(count):
        begin = start + timedelta(days=n)
        noon = begin + timedelta(hours=12)  # the day's answer at local-rotation noon, UTC
        who = on_call(roster, surface, noon)
        marks = tuple(
            f"{o.person} replaces {o.replaces}" + (f" ({o.reason})" if o.reason else "")
            for o in roster.overrides
            if o.surface == surface.name and o.start < begin + timedelta(days=1) and o.end > begin
        )
        days.append(Day(begin.date(), who.primary, who.backup, marks))
    return tuple(days)


def surface_view(roster: Roster, surface: Surface, now: datetime, days: int = CALENDAR_DAYS) -> SurfaceView:
    now = now.astimezone(timezone.utc)
    ahead = shifts(roster, surface, now, now + timedelta(days=days))
    current = ahead[0] if ahead else None
    following = ahead[1] if len(ahead) > 1 else None
    start = datetime.combine(now.date(), datetime.min.time(), tzinfo=timezone.utc)
    members = list(dict.fromkeys(surface.members()))
    training = tuple(
        (member, tuple(training_gaps(roster, roster.person(member), surface.name, now.date())))
        for member in members
        if roster.person(member) is not None
    )
    return SurfaceView(
        name=surface.name,
        description=surface.description,
        now=_roles(roster, current, now),
        next=_roles(roster, following, following.start if following else now),
        next_at=following.start if following else None,
        days=_days(roster, surface, start, days),
        training=training,
    )
