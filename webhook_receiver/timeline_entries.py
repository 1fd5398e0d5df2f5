"""Timeline entries people and runners add: the time the thing happened (``at``) and structured data.

Why its own module: an entry typed after the fact ("rolled back at 14:02", a runbook step) must
carry when it happened, not when it was typed - but a time cannot be anything: never in the
future (beyond a little clock skew) and never long before the incident opened, so a typo such as
a wrong year is refused with the allowed range instead of reordering the timeline. Runbook steps
(kind ``runbook``) also carry their facts as data (step, action, result, SLI before/after), which
the postmortem and the handoff read instead of parsing text.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from burnwise.receiver import reads
from burnwise.receiver import schema as t
from burnwise.receiver import statements as sql
from burnwise.receiver.engine import Database, utcnow
from burnwise.receiver.records import TimelineEntry

from burnwise.roster.incident_types import check_type

#: how long before the incident opened an entry may be dated (a deploy the day before can matter)
BEFORE_OPEN_LIMIT = timedelta(hours=24)
#: clock skew tolerated between the writer and the receiver
FUTURE_SKEW = timedelta(seconds=60)


class EntryRefused(ValueError):
    """An entry the API answers 400 for, naming the field at fault."""

    field = "(body)"


class EntryTimeRefused(EntryRefused):
    """``at`` is in the future or too long before the incident opened."""

    field = "at"


class EntryTypeRefused(EntryRefused):
    """A triage entry's ``data.type`` is not a known incident type."""

    field = "data.type"


def check_entry_time(at: datetime, opened_at: datetime, now: datetime) -> datetime:
    """``at`` as UTC when it lies between (opened_at - 24h) and now; :class:`EntryTimeRefused` otherwise."""
    if at.tzinfo is None:
        raise EntryTimeRefused("at: give a time zone (e.g. 2026-12-03T14:02:00Z or +01:00)")
    at = at.astimezone(timezone.utc)
    if at > now + FUTURE_SKEW:
        raise EntryTimeRefused(f"at: {at.isoformat()} is in the future (now {now.isoformat(timespec='seconds')})")
    earliest = opened_at - BEFORE_OPEN_LIMIT
    if at < earliest:
        raise EntryTimeRefused(
            f"at: {at.isoformat()} is more than 24h before the incident opened ({opened_at.isoformat()}); "
            f"the earliest allowed is {earliest.isoformat()}"
        )
    return at


def add_entry(
    db: Database,
    incident_id: int,
    kind: str,
    text: str,
    by: str,
    at: datetime | None = None,
    data: dict | None = None,
    now: datetime | None = None,
) -> TimelineEntry:
    """Append one entry dated ``at`` (default now), checked against the incident's opening time."""
    now = now or utcnow()
    if data and "type" in data:
        if kind != "triage":
            raise EntryTypeRefused("data.type: only a triage entry sets the incident type")
        try:
            check_type(str(data["type"]))
        except ValueError as exc:
            raise EntryTypeRefused(f"data.type: {exc}") from None
    with db.tx() as conn:
        reads.status_in(conn, incident_id)
        if at is not None:
            opened_at = conn.execute(sa.select(t.incidents.c.opened_at).where(t.incidents.c.id == incident_id)).scalar_one()
            at = check_entry_time(at, opened_at, now)
        values = {"incident_id": incident_id, "at": at or now, "kind": kind, "actor": by, "text": text, "data": data}
        entry_id = conn.execute(sql.INSERT_TIMELINE_RETURNING_ID, values).scalar()
        row = conn.execute(sa.select(t.timeline).where(t.timeline.c.id == entry_id)).mappings().one()
        return TimelineEntry(**row)
