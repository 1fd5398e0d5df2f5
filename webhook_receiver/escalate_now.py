"""Escalation on request: page the next role of the chain now, because someone (or a runbook) asked.

Why apart from the timer's escalation (:func:`incident_commands.escalate`): the timer only moves
an *unacknowledged* incident whose ack timeout ran out. A runbook whose steps did not help, or an
on-call who needs the next level, escalates an incident that may already be acknowledged, right
now, with a reason. The conditional UPDATE on ``escalation_step`` guarantees a step is taken once:
a request that loses the race reads again and takes the next step, so concurrent requests each
page their own role. The page and the timeline entry (kind ``escalate``, with who asked and why)
are written in the same transaction. A resolved incident or an exhausted chain is a 409 with the
reason, never a silent no-op.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from burnwise.receiver import reads
from burnwise.receiver import schema as t
from burnwise.receiver.engine import Database, IncidentConflict, IncidentNotFound, utcnow
from burnwise.receiver.lifecycle import TimelineWrite
from burnwise.receiver.paging import PagingPolicy, pages_for_escalation
from burnwise.receiver.pending_writes import PendingWrites
from burnwise.receiver.values import EscalationState, IngestResult


class _Raced(Exception):
    """Another transaction advanced the step between our read and our update: read again."""


def escalate_now(
    db: Database, incident_id: int, by: str, reason: str, policy: PagingPolicy, now: datetime | None = None,
    attempts: int = 5,
) -> tuple[IngestResult, dict]:
    """Advance the incident one step down its chain and page that role; returns what was written and who.

    Concurrent requests each get their own step (re-read after losing a race), never the same one.
    """
    for _ in range(attempts):
        try:
            return _escalate_once(db, incident_id, by, reason, policy, now or utcnow())
        except _Raced:
            continue
    raise IncidentConflict(f"incident {incident_id} kept changing while escalating; try again")


def _escalate_once(db: Database, incident_id: int, by: str, reason: str, policy: PagingPolicy,
                   now: datetime) -> tuple[IngestResult, dict]:
    with db.tx() as conn:
        row = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).mappings().first()
        if row is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        state = EscalationState.from_row(row)
        if state.status == "resolved":
            raise IncidentConflict(f"incident {incident_id} is resolved: nobody to escalate to")
        step = state.escalation_step + 1
        if step >= len(state.escalation_chain):
            last = state.escalation_chain[-1] if state.escalation_chain else None
            who = f"{last.role} {last.name}" if last else "nobody (the incident has no escalation chain)"
            raise IncidentConflict(f"incident {incident_id}: the escalation chain is exhausted; last paged: {who}")
        timeout = state.ack_timeout_seconds or 0
        due = now + timedelta(seconds=timeout) if state.status == "open" and step + 1 < len(state.escalation_chain) else None
        advanced = conn.execute(
            t.incidents.update()
            .where(t.incidents.c.id == incident_id, t.incidents.c.status != "resolved",
                   t.incidents.c.escalation_step == state.escalation_step)
            .values(escalation_step=step, escalation_due_at=due)
        ).rowcount
        if not advanced:
            raise _Raced
        entry = state.escalation_chain[step]
        text = f"escalated by {by}: {reason}: paging {entry.role} {entry.name}"
        writes = PendingWrites()
        result = IngestResult(False, incident_ids=[incident_id])
        writes.add_timeline(TimelineWrite(incident_id, now, "escalate", by, text,
                                          {"role": entry.role, "contact": entry.contact, "reason": reason}))
        writes.add_pages(pages_for_escalation(policy, reads.page_document(conn, incident_id), step), now, result)
        writes.flush(conn)
        return result, {"step": step, "role": entry.role, "name": entry.name}
