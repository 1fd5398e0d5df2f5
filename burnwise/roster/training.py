"""The training gate: nobody carries a pager for a surface they have not practised on, recently.

Passing, as of a given day, means: at least one drill taken as observer and one as primary or
backup; a runbook walk-through for that very surface; and a tooling check with every item
(paging, dashboards, deploy log, rollback, postmortem template, escalation directory) dated. Each
piece counts only when it is dated on or before that day and within the roster's
``training_policy.validity_days`` (default 365): training dated next year is a plan, and a drill
from years ago no longer says the person can run today's tools.

Drills come from two places: the short form under a person (``training.drills``), and drill
records of their own (``drills:`` at the top of the roster) of which only those with outcome
``done`` count - a scheduled drill is not training until it happened.

:func:`gate_expiry` says when the gate lapses (the day the oldest piece still needed stops
counting), so validate can warn ``warn_days`` ahead instead of refusing on the morning of a shift.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from burnwise.roster.model import TOOLING_ITEMS, Person, Roster


@dataclass(frozen=True)
class Dated:
    """One piece of training evidence, with what it is for the messages."""

    date: date
    what: str


def drills_of(roster: Roster, person: Person) -> list[tuple[date, str, str]]:
    """(date, role, where from) of every drill the person took: short form and ``done`` drill records."""
    found = [(d.date, d.role, f"drill {d.date.isoformat()}") for d in person.training.drills]
    for record in roster.drills:
        if record.outcome != "done":
            continue
        for part in record.participants:
            if part.person == person.id:
                found.append((record.date, part.role, f"drill {record.date.isoformat()} ({record.scenario})"))
    return sorted(found)


def _requirements(roster: Roster, person: Person, surface: str) -> dict[str, list[Dated]]:
    """What the gate needs -> every dated piece of evidence that could satisfy it."""
    drills = drills_of(roster, person)
    needs: dict[str, list[Dated]] = {
        "drill as observer": [Dated(d, w) for d, role, w in drills if role == "observer"],
        "drill as primary or backup": [Dated(d, w) for d, role, w in drills if role in ("primary", "backup")],
        f"runbook walk-through for surface {surface!r}": [
            Dated(w.date, f"walk-through {w.date.isoformat()}") for w in person.training.walkthroughs if w.surface == surface
        ],
    }
    check = person.training.tooling_check
    if check is not None and not isinstance(check, date):
        for item, when in check.items().items():
            needs[f"tooling check of {item}"] = [Dated(when, f"tooling check of {item}")] if when else []
    return needs


def _valid(pieces: list[Dated], today: date, validity: timedelta) -> list[Dated]:
    return [p for p in pieces if today - validity < p.date <= today]


def training_gaps(roster: Roster, person: Person, surface: str, today: date) -> list[str]:
    """What ``person`` lacks on ``today`` to be on call for ``surface`` (empty when they pass)."""
    validity = timedelta(days=roster.training_policy.validity_days)
    gaps: list[str] = []
    for need, pieces in _requirements(roster, person, surface).items():
        if _valid(pieces, today, validity):
            continue
        future = [p for p in pieces if p.date > today]
        stale = [p for p in pieces if p.date <= today - validity]
        why = []
        if future:
            why.append(f"{future[0].what} is dated after today, it counts once done")
        if stale:
            latest = max(stale, key=lambda p: p.date)
            why.append(f"{latest.what} expired on {(latest.date + validity).isoformat()}")
        gaps.append(f"no {need} in the last {validity.days} days" + (f" ({'; '.join(why)})" if why else ""))
    check = person.training.tooling_check
    if check is None:
        gaps.append(f"no tooling check (date each of: {', '.join(TOOLING_ITEMS)})")
    elif isinstance(check, date):
        gaps.append(f"the tooling check is one date ({check.isoformat()}) without items: date each of "
                    f"{', '.join(TOOLING_ITEMS)}")
    return gaps


def gate_expiry(roster: Roster, person: Person, surface: str, today: date) -> date | None:
    """The day the gate stops passing if nothing new is recorded (None when it does not pass today)."""
    if training_gaps(roster, person, surface, today):
        return None
    validity = timedelta(days=roster.training_policy.validity_days)
    latest = [max(p.date for p in _valid(pieces, today, validity))
              for pieces in _requirements(roster, person, surface).values()]
    return min(latest) + validity
