"""Alertmanager notifications into incidents: batches, event recording, and applying decisions.

Why one transaction per batch: the receiver answers Alertmanager 2xx only after the payload, the
incident change, its timeline entries and its outbox rows are committed together. A crash before
commit leaves nothing (Alertmanager retries); after commit the worker finds the page in the outbox.
Idempotence and multi-process safety come from the unique constraints in :mod:`schema`. What a
notification *does* to an incident is decided by :mod:`lifecycle`; this module reads the rows those
decisions need and writes their answers.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from burnwise.receiver import reads
from burnwise.receiver import schema as t
from burnwise.receiver import statements as sql
from burnwise.receiver.engine import Database, StoreUnavailable, utcnow
from burnwise.receiver.enrich import Enrichment, enrich
from burnwise.receiver.incident_commands import write_close
from burnwise.receiver.incident_rows import alert_state, document_of
from burnwise.receiver.late_alerts import note_stale_firing, record_late_resolves, split_stale_firing
from burnwise.receiver.lifecycle import (
    Close,
    decide_alerts_resolved,
    decide_join,
    decide_open,
    decide_raise_severity,
    dedup_key_for,
)
from burnwise.receiver.models import Alert, Notification
from burnwise.receiver.paging import PagingPolicy, pages_for_open, pages_for_severity_change
from burnwise.receiver.pending_writes import PendingWrites
from burnwise.receiver.values import ActiveIncident, IngestRequest, IngestResult

from burnwise.roster.directory import Directory

log = logging.getLogger("burnwise.receiver")


class EnrichOnce:
    """A payload's enrichment, computed on first use and reused (the directory is asked once)."""

    def __init__(self, notification: Notification, directory: Directory, at: datetime, default_routing_key: str | None):
        self._args = (notification, directory, at, default_routing_key)
        self._value: Enrichment | None = None

    def __call__(self) -> Enrichment:
        if self._value is None:
            self._value = enrich(*self._args)
        return self._value


def ingest(
    db: Database,
    notification: Notification,
    directory: Directory,
    policy: PagingPolicy,
    *,
    force_ticket: bool = False,
    now: datetime | None = None,
) -> IngestResult:
    """Record one notification and its effects in one transaction; duplicates change nothing."""
    with db.tx() as conn:
        return ingest_round(conn, [IngestRequest(notification, force_ticket)], directory, policy, now or utcnow(), db.instance_id)[0]


def ingest_batch(
    db: Database, requests: list[IngestRequest], directory: Directory, policy: PagingPolicy
) -> list[IngestResult | Exception]:
    """Record several notifications in ONE transaction: one commit (one fsync) for all of them.

    Why: under load the commit, the BEGIN and the connection checkout cost more than a payload's
    statements; a batch pays them once. The outcome per request is what ``ingest`` alone would
    give, in the order given: a result, or the exception to answer with.

    The batch runs in rounds (:func:`rounds`) of payloads of distinct groups, so a later
    notification of a group sees what an earlier one did, in the order they arrived. If
    anything fails, the whole batch is rolled back and each payload is retried alone, so one
    bad payload (or a deadlock with another process) costs only its own answer. Once a retry
    finds the database unreachable, the rest are answered with that error at once instead of
    each waiting for its own connection timeout.
    """
    if len(requests) == 1:
        return [_ingest_alone(db, requests[0], directory, policy)]
    try:
        results: dict[int, IngestResult] = {}
        with db.tx() as conn:
            for indexes in rounds(requests):
                outcomes = ingest_round(conn, [requests[i] for i in indexes], directory, policy, utcnow(), db.instance_id)
                results.update(zip(indexes, outcomes))
        return [results[i] for i in range(len(requests))]
    except Exception as exc:  # noqa: BLE001 - every cause gets the same remedy: retry alone
        first_line = next(iter(str(exc).splitlines()), "")
        log.warning("a batch of %d payloads failed (%s: %s); writing each alone", len(requests), type(exc).__name__, first_line)
    outcomes: list[IngestResult | Exception] = []
    unavailable: StoreUnavailable | None = None
    for request in requests:
        if unavailable is not None:
            outcomes.append(StoreUnavailable(str(unavailable)))
            continue
        outcome = _ingest_alone(db, request, directory, policy)
        if isinstance(outcome, StoreUnavailable):
            unavailable = outcome
        outcomes.append(outcome)
    return outcomes


def _ingest_alone(db: Database, request: IngestRequest, directory: Directory, policy: PagingPolicy) -> IngestResult | Exception:
    try:
        return ingest(db, request.notification, directory, policy, force_ticket=request.force_ticket)
    except Exception as exc:  # noqa: BLE001 - handed to the caller that waits for this payload
        return exc


def rounds(requests: list[IngestRequest]) -> list[list[int]]:
    """Split a batch into rounds of distinct groups, keeping each group's notifications in order.

    The n-th notification of a group goes to round n. Within a round the groups are sorted, so
    every receiver process locks a batch's incidents in the same order on PostgreSQL.
    """
    out: list[list[int]] = []
    seen: dict[str, int] = {}
    for index in sorted(range(len(requests)), key=lambda i: requests[i].notification.group_id):
        gid = requests[index].notification.group_id
        number = seen.get(gid, 0)
        seen[gid] = number + 1
        if number == len(out):
            out.append([])
        out[number].append(index)
    return out


class _Payload:
    """One notification being applied inside a round: its request, enrichment and result."""

    def __init__(self, request: IngestRequest, directory: Directory, policy: PagingPolicy, now: datetime, instance_id: str) -> None:
        self.instance_id = instance_id
        self.notification = request.notification
        self.force_ticket = request.force_ticket
        self.policy = policy
        self.now = now
        self.enrichment = EnrichOnce(request.notification, directory, now, policy.default_routing_key)
        self.result = IngestResult(duplicate=False)


def ingest_round(
    conn: sa.Connection,
    requests: list[IngestRequest],
    directory: Directory,
    policy: PagingPolicy,
    now: datetime,
    instance_id: str,
) -> list[IngestResult]:
    """Notifications of distinct groups inside the caller's transaction (see :func:`ingest`).

    Groups never share incidents, alerts or pages, so the payloads of one round cannot see
    each other; that lets the statements every payload needs run once for the round: one
    read of the active incidents, one insert of all alert states, one insert of the
    notifications. Only what a payload changes (an incident opened, joined or resolved) runs
    per payload.
    """
    gids = [request.notification.group_id for request in requests]
    active = {row["active_group"]: ActiveIncident.from_row(row) for row in conn.execute(sql.SELECT_ACTIVE, {"gids": gids}).mappings()}
    events = _record_events(conn, requests, active, now)
    writes = PendingWrites()
    results = []
    notification_rows = []
    for request, gid, (new_firing, new_resolved, event_ids) in zip(requests, gids, events):
        incident = active.get(gid)
        new_firing, stale = split_stale_firing(conn, gid, new_firing) if new_firing else (new_firing, [])
        if stale:
            stale_incidents = note_stale_firing(writes, gid, stale, now)
            if not new_firing and not new_resolved:  # only late firings: nothing opens, nothing pages
                ids = [incident.id] if incident is not None else stale_incidents
                results.append(IngestResult(duplicate=True, incident_ids=ids[:1]))
                continue
        if not new_firing and not new_resolved:
            incident_id = incident.id if incident is not None else _active_incident_id(conn, gid)
            results.append(IngestResult(duplicate=True, incident_ids=[incident_id] if incident_id is not None else []))
            continue
        payload = _Payload(request, directory, policy, now, instance_id)
        _apply(conn, writes, payload, incident, new_firing, new_resolved, event_ids)
        results.append(payload.result)
        notification = request.notification
        notification_rows.append(
            {
                "received_at": now,
                "group_id": gid,
                "receiver": notification.receiver,
                "group_key": notification.group_key,
                "status": notification.status,
                "route": "ticket" if request.force_ticket else "default",
                "incident_id": payload.result.incident_ids[0] if payload.result.incident_ids else None,
                "payload": notification.model_dump(mode="json", by_alias=True),
            }
        )
    if notification_rows:
        conn.execute(sql.INSERT_NOTIFICATION, notification_rows)
    writes.flush(conn)
    return results


def _apply(
    conn: sa.Connection,
    writes: PendingWrites,
    payload: _Payload,
    active: ActiveIncident | None,
    new_firing: list[Alert],
    new_resolved: list[Alert],
    event_ids: list[int],
) -> None:
    """What one notification's new alert states do to its group's incident."""
    result = payload.result
    incident_id = active.id if active is not None else None
    if new_firing:
        if active is None:
            incident_id = _open(conn, writes, payload, new_firing)
        else:
            _join(conn, writes, payload, active, new_firing)
    if new_resolved and incident_id is not None:
        _resolve_alerts(conn, writes, payload, incident_id, new_resolved)
    elif new_resolved:  # the incident was resolved by hand: Alertmanager's resolve is still recorded
        result.incident_ids.extend(record_late_resolves(conn, writes, payload.notification.group_id, new_resolved, payload.now))
    if incident_id is not None:
        if active is None:  # the events were written before the incident existed
            conn.execute(sql.SET_EVENTS_INCIDENT, {"event_ids": event_ids, "incident_id": incident_id})
        result.incident_ids.append(incident_id)


def _record_events(
    conn: sa.Connection, requests: list[IngestRequest], active: dict[str, ActiveIncident], now: datetime
) -> list[tuple[list[Alert], list[Alert], list[int]]]:
    """Insert every alert state of the round in one statement; per request, the ones seen first here.

    The unique key (group, fingerprint, status, startsAt) with ON CONFLICT DO NOTHING decides
    atomically, also against another receiver process, which states are new; RETURNING names
    them, and they are matched back to the payloads' alerts by that key.
    """
    rows = []
    for request in requests:
        gid = request.notification.group_id
        incident = active.get(gid)
        rows.extend(
            {
                "group_id": gid,
                "fingerprint": alert.key,
                "status": alert.status,
                "starts_at": alert.starts_at,
                "incident_id": incident.id if incident is not None else None,
                "received_at": now,
            }
            for alert in request.notification.alerts
        )
    inserted: dict[tuple, list[int]] = {}
    for row in conn.execute(sql.for_dialect(conn).insert_events, rows):
        inserted.setdefault((row.group_id, row.fingerprint, row.status, row.starts_at), []).append(row.id)
    out = []
    position = 0
    for request in requests:
        new_firing: list[Alert] = []
        new_resolved: list[Alert] = []
        event_ids: list[int] = []
        for alert in request.notification.alerts:
            row = rows[position]
            position += 1
            ids = inserted.get((row["group_id"], row["fingerprint"], row["status"], row["starts_at"]))
            if ids:  # the same state twice in one payload counts once, as a second insert would
                event_ids.append(ids.pop(0))
                (new_firing if alert.status == "firing" else new_resolved).append(alert)
        out.append((new_firing, new_resolved, event_ids))
    return out


def _active_incident(conn: sa.Connection, gid: str) -> ActiveIncident | None:
    """The group's unresolved incident, locked for this transaction on PostgreSQL."""
    row = conn.execute(sql.SELECT_ACTIVE, {"gids": [gid]}).mappings().first()
    return ActiveIncident.from_row(row) if row is not None else None


def _active_incident_id(conn: sa.Connection, gid: str) -> int | None:
    incident = _active_incident(conn, gid)
    return incident.id if incident is not None else None


def _open(conn: sa.Connection, writes: PendingWrites, payload: _Payload, firing: list[Alert]) -> int:
    now = payload.now
    enrichment = payload.enrichment()
    decision = decide_open(payload.notification, firing, enrichment, payload.force_ticket, now)
    values = dict(decision.values)
    incident_id = conn.execute(sql.for_dialect(conn).insert_incident, values).scalar()
    if incident_id is None:  # another process opened this group's incident a moment ago
        active = _active_incident(conn, payload.notification.group_id)
        _join(conn, writes, payload, active, firing)
        return active.id
    values["dedup_key"] = dedup_key_for(payload.instance_id, incident_id)
    conn.execute(sql.SET_DEDUP_KEY, {"incident_id": incident_id, "dedup_key": values["dedup_key"]})
    alert_rows = _insert_new_alerts(writes, incident_id, firing, now)
    writes.add_timeline(decision.opened(incident_id, now))
    doc = document_of({"id": incident_id, **values}, alert_rows, enrichment.runbooks)
    writes.add_pages(pages_for_open(payload.policy, doc), now, payload.result)
    payload.result.opened.append(incident_id)
    return incident_id


def _join(conn: sa.Connection, writes: PendingWrites, payload: _Payload, active: ActiveIncident, firing: list[Alert]) -> None:
    """Firing alerts join the active incident; a more severe one raises its severity."""
    _upsert_alerts(conn, active.id, firing, payload.now)
    writes.add_timeline(decide_join(active.id, firing, payload.now))
    raised = decide_raise_severity(active, payload.notification, firing, payload.force_ticket, payload.enrichment, payload.now)
    if raised is None:
        return
    conn.execute(t.incidents.update().where(t.incidents.c.id == active.id).values(**raised.updates))
    writes.add_timeline(raised.timeline)
    doc = reads.page_document(conn, active.id)
    if raised.pages == "open":
        specs = pages_for_open(payload.policy, doc)
    elif raised.pages == "severity":
        specs = pages_for_severity_change(payload.policy, doc, raised.step, raised.new)
    else:
        specs = []
    writes.add_pages(specs, payload.now, payload.result)


def _insert_new_alerts(writes: PendingWrites, incident_id: int, firing: list[Alert], now: datetime) -> list[dict]:
    """Queue a new incident's alerts (nothing reads them before the commit); returns the rows (one per fingerprint).

    An alert repeated in the payload (same fingerprint) keeps its first position and its last
    state, as an insert followed by an update would.
    """
    latest: dict[str, Alert] = {}
    for alert in firing:
        latest[alert.key] = alert
    rows = [
        {"incident_id": incident_id, "fingerprint": key, "alertname": alert.labels.get("alertname"), "first_seen_at": now}
        | alert_state(alert, now)
        for key, alert in latest.items()
    ]
    writes.alerts.extend(rows)
    return rows


def _upsert_alerts(conn: sa.Connection, incident_id: int, batch: list[Alert], now: datetime) -> None:
    """Update each alert of an existing incident; a firing one not seen before is inserted.

    A batch of resolved alerts (never inserted) is one executemany.
    """
    if all(alert.status == "resolved" for alert in batch):
        rows = [{"b_incident_id": incident_id, "b_fingerprint": alert.key, **alert_state(alert, now)} for alert in batch]
        conn.execute(sql.UPDATE_ALERT, rows)
        return
    for alert in batch:
        state = alert_state(alert, now)
        updated = conn.execute(sql.UPDATE_ALERT, {"b_incident_id": incident_id, "b_fingerprint": alert.key, **state}).rowcount
        if not updated and alert.status == "firing":
            conn.execute(
                sql.INSERT_ALERT,
                {"incident_id": incident_id, "fingerprint": alert.key, "alertname": alert.labels.get("alertname"), "first_seen_at": now, **state},
            )


def _resolve_alerts(conn: sa.Connection, writes: PendingWrites, payload: _Payload, incident_id: int, resolved: list[Alert]) -> None:
    _upsert_alerts(conn, incident_id, resolved, payload.now)
    # one read serves both the count and, when this closes the incident, the page document
    alert_rows = conn.execute(sql.SELECT_ALERTS, {"incident_id": incident_id}).mappings().all()
    decision = decide_alerts_resolved(incident_id, resolved, [row["status"] for row in alert_rows], payload.now)
    if isinstance(decision, Close):
        write_close(conn, writes, decision, payload.policy, payload.result, alert_rows)
    else:
        writes.add_timeline(decision)
