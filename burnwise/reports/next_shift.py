"""Who is on call after the current shift, and the drills the roster has on those days.

Why from the roster's schedule functions: the handoff note is written for the *next* primary, so
it asks :func:`burnwise.roster.schedule.shifts` for the first change of responders after
now, the same computation that decides who gets paged.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from burnwise.reports.timing import iso
from burnwise.roster.directory import Directory
from burnwise.roster.schedule import shifts

LOOKAHEAD = timedelta(days=60)


class Responder(BaseModel):
    role: str
    person: str
    name: str
    timezone: str


class DrillItem(BaseModel):
    person: str
    name: str
    date: str
    role: str
    scenario: str | None = None
    outcome: str | None = None


class NextShift(BaseModel):
    available: bool
    note: str | None = None
    start: str | None = None
    end: str | None = None
    responders: list[Responder] = []
    drills: list[DrillItem] = []


def next_shift(directory: Directory | None, surface: str, at: datetime) -> NextShift:
    roster = directory.roster if directory is not None else None
    if roster is None:
        return NextShift(available=False, note="no roster configured (oncall/roster.yaml or --roster)")
    entry = roster.surface(surface)
    if entry is None:
        return NextShift(available=False, note=f"surface {surface!r} is not in the roster")
    upcoming = [s for s in shifts(roster, entry, at, at + LOOKAHEAD) if s.start > at]
    if not upcoming:
        return NextShift(available=False, note=f"no change of responders in the next {LOOKAHEAD.days} days")
    shift = upcoming[0]
    responders = []
    for role, pid in (("primary", shift.primary), ("backup", shift.backup), ("lead", shift.lead)):
        person = roster.person(pid) if pid else None
        if person is not None:
            responders.append(Responder(role=role, person=person.id, name=person.name, timezone=person.timezone))
    first_day, last_day = shift.start.date(), shift.end.date()
    items = [
        DrillItem(person=p.id, name=p.name, date=d.date.isoformat(), role=d.role)
        for p in roster.people
        if p.id in entry.members() or p.id == shift.lead
        for d in p.training.drills
        if first_day <= d.date <= last_day
    ]
    names = {p.id: p.name for p in roster.people}
    items += [
        DrillItem(person=part.person, name=names.get(part.person, part.person), date=record.date.isoformat(),
                  role=part.role, scenario=record.scenario, outcome=record.outcome)
        for record in roster.drills
        if record.surface == surface and record.outcome != "cancelled" and first_day <= record.date <= last_day
        for part in record.participants
    ]
    drills = sorted(items, key=lambda d: (d.date, d.person))
    return NextShift(available=True, start=iso(shift.start), end=iso(shift.end), responders=responders, drills=drills)
