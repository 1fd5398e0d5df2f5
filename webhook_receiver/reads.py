"""The store's read API: incidents, one incident in detail, pages, and the page document.

Why its own module: reports (handoff, postmortem, load) and the HTTP API read incidents through
these functions and the models of :mod:`records`, never through the tables, so the write side can
change its shape without breaking readers. The ``*_in`` functions run inside a caller's
transaction (the write paths read back what they need with them).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from burnwise.receiver import schema as t
from burnwise.receiver import statements as sql
from burnwise.receiver.engine import Database, IncidentNotFound
from burnwise.receiver.incident_rows import document_of
from burnwise.receiver.records import AlertRecord, IncidentDetail, IncidentRecord, PageRecord, TimelineEntry
from burnwise.receiver.values import PageDocument


def list_incidents(
    db: Database,
    status: str | None = None,
    service: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[IncidentRecord]:
    """Incidents, newest first; ``since``/``until`` filter on ``opened_at``."""
    query = sa.select(t.incidents)
    if status:
        query = query.where(t.incidents.c.status == status)
    if service:
        query = query.where(t.incidents.c.service == service)
    if since:
        query = query.where(t.incidents.c.opened_at >= since)
    if until:
        query = query.where(t.incidents.c.opened_at < until)
    with db.tx() as conn:
        rows = conn.execute(query.order_by(t.incidents.c.opened_at.desc(), t.incidents.c.id.desc())).mappings()
        return [IncidentRecord(**row) for row in rows]


def get_incident(db: Database, incident_id: int) -> IncidentDetail | None:
    """One incident with its alerts, timeline (oldest first) and pages."""
    with db.tx() as conn:
        row = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).mappings().first()
        if row is None:
            return None
        alerts = conn.execute(
            sa.select(t.alerts).where(t.alerts.c.incident_id == incident_id).order_by(t.alerts.c.first_seen_at, t.alerts.c.id)
        ).mappings()
        entries = conn.execute(
            sa.select(t.timeline).where(t.timeline.c.incident_id == incident_id).order_by(t.timeline.c.at, t.timeline.c.id)
        ).mappings()
        return IncidentDetail(
            **row,
            alerts=[AlertRecord(**a) for a in alerts],
            timeline=[TimelineEntry(**e) for e in entries],
            pages=pages_in(conn, incident_id),
        )


def list_pages(db: Database, incident_id: int | None = None) -> list[PageRecord]:
    with db.tx() as conn:
        return pages_in(conn, incident_id)


def pages_in(conn: sa.Connection, incident_id: int | None) -> list[PageRecord]:
    query = sa.select(t.outbox)
    if incident_id is not None:
        query = query.where(t.outbox.c.incident_id == incident_id)
    rows = conn.execute(query.order_by(t.outbox.c.id)).mappings()
    return [PageRecord(**row) for row in rows]


def record_in(conn: sa.Connection, incident_id: int) -> IncidentRecord:
    row = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).mappings().one()
    return IncidentRecord(**row)


def status_in(conn: sa.Connection, incident_id: int) -> str:
    """The incident's status; :class:`IncidentNotFound` when there is no such incident."""
    status = conn.execute(sa.select(t.incidents.c.status).where(t.incidents.c.id == incident_id)).scalar()
    if status is None:
        raise IncidentNotFound(f"no incident {incident_id}")
    return status


def page_document(
    conn: sa.Connection, incident_id: int, runbooks: list[dict] | None = None, alert_rows: list | None = None
) -> PageDocument:
    """The incident as page bodies need it, read back from the database.

    ``alert_rows``: the incident's alert rows when the caller has just read them.
    """
    row = conn.execute(sql.SELECT_INCIDENT, {"incident_id": incident_id}).mappings().one()
    if alert_rows is None:
        alert_rows = conn.execute(sql.SELECT_ALERTS, {"incident_id": incident_id}).mappings().all()
    return document_of(row, alert_rows, runbooks)
