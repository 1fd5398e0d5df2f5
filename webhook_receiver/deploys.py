"""Deploy records: what went out to which service, at the time it really went out.

Why a record of its own and not a timeline note: a deploy happens before anyone knows it will
matter, usually with no incident open. CI calls ``POST /v1/deploys`` (or ``burnwise deploy
record``) as it ships; the handoff and the postmortem then list the deploys inside their window
by the deploy's own time. ``at`` may be given (a pipeline reporting late) but never in the future.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from burnwise.receiver import schema as t
from burnwise.receiver.engine import Database, utcnow
from burnwise.receiver.timeline_entries import FUTURE_SKEW, EntryTimeRefused
from pydantic import BaseModel


class DeployRecord(BaseModel):
    id: int
    service: str
    at: datetime
    text: str
    by: str
    recorded_at: datetime


def _record(row) -> DeployRecord:
    return DeployRecord(id=row["id"], service=row["service"], at=row["at"], text=row["text"], by=row["actor"],
                        recorded_at=row["recorded_at"])


def record_deploy(db: Database, service: str, text: str, by: str, at: datetime | None = None,
                  now: datetime | None = None) -> DeployRecord:
    now = now or utcnow()
    if at is not None:
        if at.tzinfo is None:
            raise EntryTimeRefused("at: give a time zone (e.g. 2026-12-03T14:02:00Z or +01:00)")
        at = at.astimezone(timezone.utc)
        if at > now + FUTURE_SKEW:
            raise EntryTimeRefused(f"at: {at.isoformat()} is in the future (now {now.isoformat(timespec='seconds')})")
    values = {"service": service, "at": at or now, "text": text, "actor": by, "recorded_at": now}
    with db.tx() as conn:
        new_id = conn.execute(t.deploys.insert().returning(t.deploys.c.id), values).scalar()
        return _record(conn.execute(sa.select(t.deploys).where(t.deploys.c.id == new_id)).mappings().one())


def deploys_between(conn: sa.Connection, start: datetime, end: datetime, services: list[str] | None = None) -> list[DeployRecord]:
    """Deploys with start <= at <= end (of these services, when given), oldest first."""
    query = sa.select(t.deploys).where(t.deploys.c.at >= start, t.deploys.c.at <= end)
    if services is not None:
        query = query.where(t.deploys.c.service.in_(services))
    return [_record(r) for r in conn.execute(query.order_by(t.deploys.c.at, t.deploys.c.id)).mappings()]


def list_deploys(db: Database, start: datetime, end: datetime, services: list[str] | None = None) -> list[DeployRecord]:
    with db.tx() as conn:
        return deploys_between(conn, start, end, services)
