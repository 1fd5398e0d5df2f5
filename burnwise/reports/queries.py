"""Read queries the reports need that the receiver's Store does not offer (SQLAlchemy Core).

Why here and not in the store: reports are read-only and may ask for joins the receiver never
needs (timeline entries of one surface, pages in a time range). They read the same tables
(:mod:`burnwise.receiver.schema`) and hand back the receiver's own read models, so a column the
store renames breaks here loudly rather than silently.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from burnwise.errors import BurnwiseError
from burnwise.receiver import schema as t
from burnwise.receiver.records import (
    AlertRecord,
    IncidentDetail,
    IncidentRecord,
    PageRecord,
    TimelineEntry,
)
from burnwise.receiver.store import Store, StoreUnavailable


def _connect(store: Store):
    try:
        store.ensure_schema()
        return store.engine.connect()
    except (StoreUnavailable, sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
        first = str(exc).splitlines()[0]
        raise BurnwiseError(
            f"database not reachable ({first}); check --database-url or BURNWISE_DATABASE_URL"
        ) from None


def _surface_filter(query, surface: str | None):
    return query.where(t.incidents.c.surface == surface) if surface else query


def incidents_touching(store: Store, surface: str | None, since: datetime, until: datetime) -> list[IncidentRecord]:
    """Incidents of ``surface`` (all when None) open at any moment of [since, until), oldest first.

    That is: opened before ``until`` and not resolved before ``since``. An incident opened a month
    ago and still open belongs in this week's handoff; one resolved last month does not.
    """
    c = t.incidents.c
    query = sa.select(t.incidents).where(
        c.opened_at < until, sa.or_(c.resolved_at.is_(None), c.resolved_at >= since)
    )
    with _connect(store) as conn:
        rows = conn.execute(_surface_filter(query, surface).order_by(c.opened_at, c.id)).mappings()
        return [IncidentRecord(**row) for row in rows]


def incidents_opened(store: Store, surface: str | None, since: datetime, until: datetime) -> list[IncidentRecord]:
    """Incidents of ``surface`` (all when None) opened in [since, until), oldest first."""
    c = t.incidents.c
    query = sa.select(t.incidents).where(c.opened_at >= since, c.opened_at < until)
    with _connect(store) as conn:
        rows = conn.execute(_surface_filter(query, surface).order_by(c.opened_at, c.id)).mappings()
        return [IncidentRecord(**row) for row in rows]


def _rows_per_incident(store: Store, table: sa.Table, order_by: tuple, model, incident_ids: Iterable[int]) -> dict:
    """Rows of ``table`` per incident, in ``order_by`` order, as ``model`` (every id present, possibly empty)."""
    ids = sorted(set(incident_ids))
    result: dict[int, list] = {i: [] for i in ids}
    if not ids:
        return result
    with _connect(store) as conn:
        rows = conn.execute(sa.select(table).where(table.c.incident_id.in_(ids)).order_by(*order_by)).mappings()
        for row in rows:
            result[row["incident_id"]].append(model(**{k: row[k] for k in model.model_fields if k in row}))
    return result


def timeline_of(store: Store, incident_ids: Iterable[int]) -> dict[int, list[TimelineEntry]]:
    """Timeline entries per incident, oldest first (every id present, possibly empty)."""
    return _rows_per_incident(store, t.timeline, (t.timeline.c.at, t.timeline.c.id), TimelineEntry, incident_ids)


def timeline_entries(
    store: Store, surface: str | None, kinds: tuple[str, ...], since: datetime, until: datetime
) -> list[tuple[IncidentRecord, TimelineEntry]]:
    """Entries of the given kinds written in [since, until) on incidents of ``surface``, oldest first."""
    c = t.timeline.c
    query = (
        sa.select(t.timeline.c.id.label("entry_id"), t.timeline.c.at, t.timeline.c.kind, t.timeline.c.actor,
                  t.timeline.c.text, t.timeline.c.data, t.incidents)
        .join(t.incidents, t.incidents.c.id == c.incident_id)
        .where(c.kind.in_(kinds), c.at >= since, c.at < until)
    )
    with _connect(store) as conn:
        rows = conn.execute(_surface_filter(query, surface).order_by(c.at, c.id)).mappings().all()
    found = []
    for row in rows:
        entry = TimelineEntry(id=row["entry_id"], at=row["at"], kind=row["kind"], actor=row["actor"],
                              text=row["text"], data=row["data"])
        incident = IncidentRecord(**{k: row[k] for k in IncidentRecord.model_fields if k in row})
        found.append((incident, entry))
    return found


def alerts_of(store: Store, incident_ids: Iterable[int]) -> dict[int, list[AlertRecord]]:
    """Alerts per incident in the order they were first seen (every id present)."""
    return _rows_per_incident(store, t.alerts, (t.alerts.c.first_seen_at, t.alerts.c.id), AlertRecord, incident_ids)


def pages_of(store: Store, incident_ids: Iterable[int]) -> dict[int, list[PageRecord]]:
    """Outbox rows (pages, tickets, chat copies) per incident, in the order written."""
    return _rows_per_incident(store, t.outbox, (t.outbox.c.created_at, t.outbox.c.id), PageRecord, incident_ids)


def incident_detail(store: Store, incident_id: int) -> IncidentDetail:
    """One incident with alerts, timeline and pages; a clear error when there is no such incident."""
    _connect(store).close()
    detail = store.get_incident(incident_id)
    if detail is None:
        raise BurnwiseError(f"no incident {incident_id} in this database; list them with `burnwise incident list`")
    return detail


def logged_surfaces(store: Store) -> list[str]:
    """Every surface an incident was ever filed under, sorted (the known ones when there is no roster)."""
    c = t.incidents.c
    with _connect(store) as conn:
        return sorted(r for r in conn.execute(sa.select(c.surface).where(c.surface.is_not(None)).distinct()).scalars())
