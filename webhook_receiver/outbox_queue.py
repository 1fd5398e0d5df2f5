"""The outbox as a queue: lease due pages, record each delivery attempt, count what waits.

Why its own module: the outbox rows are written inside the incident's transaction (see
:mod:`pending_writes`), but taking them out again is a different job with its own rules - a lease
that lapses when a process dies, a conditional update so two processes never take the same row,
and a depth read at scrape time.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from burnwise.receiver import schema as t
from burnwise.receiver import statements as sql
from burnwise.receiver.engine import Database, utcnow
from burnwise.receiver.lifecycle import TimelineWrite
from burnwise.receiver.values import ClaimedPage


TARGETS = ("pagerduty", "ticket", "chat")


def claim_due_pages(
    db: Database, lease_seconds: float, limit: int = 20, now: datetime | None = None, targets: tuple[str, ...] = TARGETS
) -> list[ClaimedPage]:
    """Lease due pending rows of ``targets`` to this process; a lease that lapses (crash) frees them.

    A page is due only when no earlier page of its incident at its target is still pending
    (:data:`statements.DUE_PAGES`), so one incident's events reach a target in the order written.
    Callers claim right before delivering, so one lease covers one delivery, not a queue of them.
    The lease commit stays durable: it makes every earlier (relaxed) delivery outcome durable
    before the pages it leases are sent, see :mod:`delivery_recorder`.
    """
    now = now or utcnow()
    with db.tx() as conn:
        candidates = conn.execute(sql.DUE_PAGES, {"now": now, "limit": limit, "targets": list(targets)}).scalars().all()
        if not candidates:
            return []
        lease = {"ids": candidates, "now": now, "claimed_until": now + timedelta(seconds=lease_seconds)}
        # the UPDATE re-checks each row, so a row another process leased meanwhile is left out
        rows = conn.execute(sql.LEASE_PAGES, lease).mappings().all()
    pages = [ClaimedPage.from_row(row) for row in rows]
    return sorted(pages, key=lambda page: (page.next_attempt_at, page.id))


def record_delivery(db: Database, page_id: int, **outcome) -> None:
    """Store one delivery attempt: ``sent``, ``failed`` or back to ``pending`` for a retry.

    ``outcome``: the keyword arguments of :func:`delivery_row` - ``status``, ``status_code``,
    ``error``, and optionally ``next_attempt_at``, ``now``, ``body`` (the body actually sent when it
    was trimmed) and ``timeline`` (an entry on the incident written in the same transaction: a
    refused or overdue page is never silent).
    """
    record_deliveries(db, [{"page_id": page_id, **outcome}])


def record_deliveries(db: Database, outcomes: list[dict]) -> None:
    """Several delivery outcomes (``record_delivery`` keyword arguments each) in ONE transaction.

    Why: on SQLite each commit is an fsync that costs more than the statements; a backlog drains
    at the rate of commits, so the outcomes of the deliveries that finished meanwhile share one.
    The commit is relaxed (not fsynced on SQLite; see :mod:`delivery_recorder`).
    """
    with db.tx(durable=False) as conn:
        record_all_in(conn, outcomes)


def record_all_in(conn: sa.Connection, outcomes: list[dict]) -> None:
    """The outcomes' updates as one executemany, then their timeline entries (a backlog's hot path)."""
    rows = [delivery_row(**outcome) for outcome in outcomes]
    conn.execute(sql.RECORD_DELIVERY, [values for values, _entry in rows])
    entries = [entry.to_row() for _values, entry in rows if entry is not None]
    if entries:
        conn.execute(sql.INSERT_TIMELINE, entries)


def delivery_row(
    page_id: int,
    *,
    status: str,
    status_code: int | None,
    error: str | None,
    next_attempt_at: datetime | None = None,
    now: datetime | None = None,
    body: dict | None = None,
    timeline: TimelineWrite | None = None,
) -> tuple[dict, TimelineWrite | None]:
    now = now or utcnow()
    values = {
        "page_id": page_id,
        "status": status,
        "last_status_code": status_code,
        "last_error": error,
        "sent_at": now if status == "sent" else None,
        "next_attempt_at": next_attempt_at,
        "body": body,
    }
    return values, timeline


def incident_status(db: Database, incident_id: int) -> str | None:
    with db.tx() as conn:
        return conn.execute(sa.select(t.incidents.c.status).where(t.incidents.c.id == incident_id)).scalar()


def outbox_depth(db: Database) -> int:
    with db.tx() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.outbox).where(t.outbox.c.status == "pending")).scalar()
