"""Incident commands inside transactions: acknowledge, resolve, note, and escalation steps.

Why its own module: these are the write paths people and timers drive (the API, the CLI, the
outbox worker's escalation timer), apart from Alertmanager ingest. Each reads the incident,
asks :mod:`lifecycle` what to do, and writes that - the incident update, its timeline entry and
its pages - in one transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from burnwise.receiver import reads
from burnwise.receiver import schema as t
from burnwise.receiver import statements as sql
from burnwise.receiver.engine import Database, IncidentConflict, utcnow
from burnwise.receiver.lifecycle import (
    Close,
    Escalate,
    StopEscalating,
    decide_acknowledge,
    decide_close,
    decide_escalation,
)
from burnwise.receiver.paging import PagingPolicy, pages_for_ack, pages_for_escalation, pages_for_resolve
from burnwise.receiver.pending_writes import PendingWrites
from burnwise.receiver.records import IncidentRecord, TimelineEntry
from burnwise.receiver.values import EscalationState, IngestResult


def trigger_keys(conn: sa.Connection, incident_id: int) -> list[tuple[str, str]]:
    """(routing key, dedup key) of every PagerDuty incident this incident may have opened, in order."""
    keys: list[tuple[str, str]] = []
    for row in conn.execute(sql.INCIDENT_TRIGGERS, {"incident_id": incident_id}).mappings():
        body = row["body"] or {}
        key = (body.get("routing_key"), body.get("dedup_key"))
        if row["status"] != "skipped" and all(key) and key not in keys:
            keys.append(key)
    return keys


def write_close(
    conn: sa.Connection,
    writes: PendingWrites,
    close: Close,
    policy: PagingPolicy,
    result: IngestResult,
    alert_rows: list | None = None,
) -> None:
    """Resolve the incident if still active, with its entry and resolve pages."""
    now = close.timeline.at
    changed = conn.execute(
        sql.CLOSE_INCIDENT, {"incident_id": close.incident_id, "resolved_at": now, "resolved_by": close.by}
    ).rowcount
    if not changed:
        raise IncidentConflict(f"incident {close.incident_id} is already resolved")
    writes.add_timeline(close.timeline)
    writes.flush(conn)  # triggers queued earlier in this transaction must be among the keys
    doc = reads.page_document(conn, close.incident_id, alert_rows=alert_rows)
    keys = trigger_keys(conn, close.incident_id)
    writes.add_pages(pages_for_resolve(policy, doc, close.by, keys), now, result)
    result.resolved.append(close.incident_id)


def acknowledge(db: Database, incident_id: int, by: str, policy: PagingPolicy, now: datetime | None = None) -> IncidentRecord:
    """Stop escalation and record who acknowledged; repeating it is harmless."""
    now = now or utcnow()
    with db.tx() as conn:
        ack = decide_acknowledge(incident_id, reads.status_in(conn, incident_id), by, now)
        if ack is not None:
            conn.execute(
                t.incidents.update()
                .where(t.incidents.c.id == incident_id, t.incidents.c.status == "open")
                .values(status="acknowledged", acknowledged_at=now, acknowledged_by=by, escalation_due_at=None)
            )
            writes = PendingWrites()
            writes.add_timeline(ack.timeline)
            doc = reads.page_document(conn, incident_id)
            writes.add_pages(pages_for_ack(policy, doc, by, trigger_keys(conn, incident_id)), now)
            writes.flush(conn)
        return reads.record_in(conn, incident_id)


def resolve(
    db: Database, incident_id: int, by: str, policy: PagingPolicy, text: str | None = None, now: datetime | None = None
) -> IngestResult:
    now = now or utcnow()
    with db.tx() as conn:
        reads.status_in(conn, incident_id)
        result = IngestResult(False)
        writes = PendingWrites()
        write_close(conn, writes, decide_close(incident_id, by, text or f"resolved by {by}", now), policy, result)
        writes.flush(conn)
        return result


def add_timeline(db: Database, incident_id: int, kind: str, text: str, by: str, now: datetime | None = None) -> TimelineEntry:
    now = now or utcnow()
    with db.tx() as conn:
        reads.status_in(conn, incident_id)
        values = {"incident_id": incident_id, "at": now, "kind": kind, "actor": by, "text": text, "data": None}
        entry_id = conn.execute(sql.INSERT_TIMELINE_RETURNING_ID, values).scalar()
        row = conn.execute(sa.select(t.timeline).where(t.timeline.c.id == entry_id)).mappings().one()
        return TimelineEntry(**row)


def due_escalations(db: Database, now: datetime | None = None) -> list[int]:
    now = now or utcnow()
    with db.tx() as conn:
        return list(conn.execute(sql.DUE_ESCALATIONS, {"now": now}).scalars())


def escalate(db: Database, incident_id: int, policy: PagingPolicy, now: datetime | None = None) -> IngestResult | None:
    """Move an unacknowledged incident one step down its chain, exactly once per step.

    The conditional UPDATE on ``escalation_step`` is the guard: with several workers (or a
    restart mid-way) only one transaction advances a step, and its page is written with it.
    Returns what the step wrote (its pages, or why one was skipped), None when nothing advanced.
    """
    now = now or utcnow()
    with db.tx() as conn:
        row = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).mappings().first()
        decision = decide_escalation(EscalationState.from_row(row), now) if row is not None else None
        if isinstance(decision, StopEscalating):
            conn.execute(t.incidents.update().where(t.incidents.c.id == incident_id).values(escalation_due_at=None))
            return None
        if not isinstance(decision, Escalate):
            return None
        advanced = conn.execute(
            t.incidents.update()
            .where(
                t.incidents.c.id == incident_id,
                t.incidents.c.status == "open",
                t.incidents.c.escalation_step == decision.from_step,
            )
            .values(escalation_step=decision.step, escalation_due_at=decision.due)
        ).rowcount
        if not advanced:
            return None
        writes = PendingWrites()
        result = IngestResult(False, incident_ids=[incident_id])
        writes.add_timeline(decision.timeline)
        writes.add_pages(pages_for_escalation(policy, reads.page_document(conn, incident_id), decision.step), now, result)
        writes.flush(conn)
        return result
