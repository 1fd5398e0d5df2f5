"""Durable incident records over SQLAlchemy Core: ingest, commands, outbox, and a read API.

Why one transaction per change: the receiver answers Alertmanager 2xx only after the payload, the
incident change, its timeline entries and its outbox rows are committed together. A crash before
commit leaves nothing (Alertmanager retries); after commit the worker finds the page in the outbox.
Idempotence and multi-process safety come from the unique constraints in :mod:`schema`.

Read API for other modules (reports): ``Store.from_url(url)``, ``list_incidents(...)``,
``get_incident(id)``, ``list_pages(...)``.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa
from burnwise.receiver import schema as t
from burnwise.receiver import statements as sql
from burnwise.receiver.enrich import Enrichment, enrich
from burnwise.receiver.incident_rows import (
    alert_state,
    document_of,
    escalation_plan,
    title,
)
from burnwise.receiver.models import Alert, Notification, most_severe
from burnwise.receiver.paging import (
    PageSpec,
    PagingPolicy,
    pages_for_ack,
    pages_for_escalation,
    pages_for_open,
    pages_for_resolve,
    pages_for_severity_change,
    wants_ticket,
)
from burnwise.receiver.records import (
    AlertRecord,
    IncidentDetail,
    IncidentRecord,
    PageRecord,
    TimelineEntry,
)

from burnwise.roster.directory import Directory

ACTIVE = sql.ACTIVE

log = logging.getLogger("burnwise.receiver")


class StoreUnavailable(Exception):
    """The database cannot be reached; callers answer 503 so Alertmanager retries."""


class IncidentNotFound(Exception):
    pass


class IncidentConflict(Exception):
    """The command does not fit the incident's state (e.g. acknowledging a resolved incident)."""


@dataclass
class IngestResult:
    duplicate: bool
    incident_ids: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    pages: int = 0


@dataclass(frozen=True)
class IngestRequest:
    """One notification waiting to be recorded: the unit :meth:`Store.ingest_batch` takes."""

    notification: Notification
    force_ticket: bool = False


class _Writes:
    """Rows a transaction appends and does not read back before it commits, written together.

    Why: each change writes a timeline entry and a page, and a new incident its alerts; one
    executemany per table at the end of a round (or command) replaces one statement per row.
    Callers flush before anything reads these tables and before the commit.
    """

    def __init__(self) -> None:
        self.alerts: list[dict] = []
        self.timeline: list[dict] = []
        self.pages: list[tuple[dict, bool, IngestResult]] = []  # row, pending?, result to count it in

    def flush(self, conn: sa.Connection) -> None:
        if self.alerts:
            conn.execute(sql.INSERT_ALERT, self.alerts)
        if self.timeline:
            conn.execute(sql.INSERT_TIMELINE, self.timeline)
        if self.pages:
            # ON CONFLICT DO NOTHING: a page already written for this step (another process,
            # a retry) is not new, so it is not counted and not sent twice
            new = {row.idem_key for row in conn.execute(sql.for_dialect(conn).insert_page, [row for row, _, _ in self.pages])}
            for row, pending, result in self.pages:
                if pending and row["idem_key"] in new:
                    new.discard(row["idem_key"])
                    result.pages += 1
        self.alerts, self.timeline, self.pages = [], [], []


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def create_engine(url: str) -> sa.Engine:
    """An engine with the settings the receiver relies on (SQLite: WAL, busy wait, write locks)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below start transactions
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # take the write lock up front: two writers never deadlock upgrading a read lock
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


class Store:
    """The receiver's database: one instance per process, safe to share between threads."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._schema_ready = False
        # SQLite has one writer at a time and every transaction here takes the write lock
        # (BEGIN IMMEDIATE). Threads of this process queue on a Python lock, which hands over
        # at once; SQLite's own busy handler would make them sleep and poll (up to 100 ms a try).
        # Other processes still wait through busy_timeout.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    @classmethod
    def from_url(cls, url: str) -> "Store":
        return cls(create_engine(url))

    # --- plumbing -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self) -> Iterator[sa.Connection]:
        self.ensure_schema()
        try:
            with self._write_lock, self.engine.begin() as conn:
                yield conn
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreUnavailable(str(exc).splitlines()[0]) from exc

    def ensure_schema(self) -> None:
        """Create missing tables (idempotent, safe when several processes start together)."""
        if self._schema_ready:
            return
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # serialise concurrent first starts: CREATE TABLE IF NOT EXISTS races in PostgreSQL
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
                t.metadata.create_all(conn, checkfirst=True)
                row = conn.execute(sa.select(t.schema_info.c.version).where(t.schema_info.c.name == "receiver")).first()
                if row is None:
                    conn.execute(t.schema_info.insert().values(name="receiver", version=t.SCHEMA_VERSION))
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreUnavailable(str(exc).splitlines()[0]) from exc
        self._schema_ready = True

    def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the database answers."""
        with self._tx() as conn:
            conn.execute(sa.select(sa.literal(1)))

    # --- ingest ---------------------------------------------------------------------------------
    def ingest(
        self,
        notification: Notification,
        directory: Directory,
        policy: PagingPolicy,
        *,
        force_ticket: bool = False,
        now: datetime | None = None,
    ) -> IngestResult:
        """Record one notification and its effects in one transaction; duplicates change nothing."""
        with self._tx() as conn:
            return self._ingest_round(conn, [IngestRequest(notification, force_ticket)], directory, policy, now or utcnow())[0]

    def ingest_batch(
        self, requests: list[IngestRequest], directory: Directory, policy: PagingPolicy
    ) -> list[IngestResult | Exception]:
        """Record several notifications in ONE transaction: one commit (one fsync) for all of them.

        Why: under load the commit, the BEGIN and the connection checkout cost more than a payload's
        statements; a batch pays them once. The outcome per request is what ``ingest`` alone would
        give, in the order given: a result, or the exception to answer with.

        The batch runs in rounds (:func:`_rounds`) of payloads of distinct groups, so a later
        notification of a group sees what an earlier one did, in the order they arrived. If
        anything fails, the whole batch is rolled back and each payload is retried alone, so one
        bad payload (or a deadlock with another process) costs only its own answer. Once a retry
        finds the database unreachable, the rest are answered with that error at once instead of
        each waiting for its own connection timeout.
        """
        if len(requests) == 1:
            return [self._ingest_alone(requests[0], directory, policy)]
        try:
            results: dict[int, IngestResult] = {}
            with self._tx() as conn:
                for indexes in _rounds(requests):
                    outcomes = self._ingest_round(conn, [requests[i] for i in indexes], directory, policy, utcnow())
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
            outcome = self._ingest_alone(request, directory, policy)
            if isinstance(outcome, StoreUnavailable):
                unavailable = outcome
            outcomes.append(outcome)
        return outcomes

    def _ingest_alone(self, request: IngestRequest, directory: Directory, policy: PagingPolicy) -> IngestResult | Exception:
        try:
            return self.ingest(request.notification, directory, policy, force_ticket=request.force_ticket)
        except Exception as exc:  # noqa: BLE001 - handed to the caller that waits for this payload
            return exc

    def _ingest_round(
        self, conn: sa.Connection, requests: list[IngestRequest], directory: Directory, policy: PagingPolicy, now: datetime
    ) -> list[IngestResult]:
        """Notifications of distinct groups inside the caller's transaction (see :meth:`ingest`).

        Groups never share incidents, alerts or pages, so the payloads of one round cannot see
        each other; that lets the statements every payload needs run once for the round: one
        read of the active incidents, one insert of all alert states, one insert of the
        notifications. Only what a payload changes (an incident opened, joined or resolved) runs
        per payload.
        """
        gids = [request.notification.group_id for request in requests]
        active = {row["active_group"]: row for row in conn.execute(sql.SELECT_ACTIVE, {"gids": gids}).mappings()}
        events = self._record_events(conn, requests, active, now)
        writes = _Writes()
        results = []
        notification_rows = []
        for request, gid, (new_firing, new_resolved, event_ids) in zip(requests, gids, events):
            row = active.get(gid)
            if not new_firing and not new_resolved:
                incident_id = row["id"] if row is not None else self._active_incident_id(conn, gid)
                results.append(IngestResult(duplicate=True, incident_ids=[incident_id] if incident_id is not None else []))
                continue
            result = self._apply(conn, writes, request, row, new_firing, new_resolved, event_ids, directory, policy, now)
            results.append(result)
            notification = request.notification
            notification_rows.append(
                {
                    "received_at": now,
                    "group_id": gid,
                    "receiver": notification.receiver,
                    "group_key": notification.group_key,
                    "status": notification.status,
                    "route": "ticket" if request.force_ticket else "default",
                    "incident_id": result.incident_ids[0] if result.incident_ids else None,
                    "payload": notification.model_dump(mode="json", by_alias=True),
                }
            )
        if notification_rows:
            conn.execute(sql.INSERT_NOTIFICATION, notification_rows)
        writes.flush(conn)
        return results

    def _apply(
        self, conn, writes: _Writes, request: IngestRequest, active, new_firing, new_resolved, event_ids, directory, policy, now
    ) -> IngestResult:
        """What one notification's new alert states do to its group's incident."""
        notification, force_ticket = request.notification, request.force_ticket
        result = IngestResult(duplicate=False)
        incident_id = active["id"] if active is not None else None
        if new_firing:
            if active is None:
                incident_id = self._open(conn, writes, notification, new_firing, directory, policy, force_ticket, now, result)
            else:
                self._join(conn, writes, incident_id, new_firing, now)
                self._raise_severity(conn, writes, active, notification, new_firing, directory, policy, force_ticket, now, result)
        if new_resolved and incident_id is not None:
            self._resolve_alerts(conn, writes, incident_id, new_resolved, policy, now, result)
        if incident_id is not None:
            if active is None:  # the events were written before the incident existed
                conn.execute(sql.SET_EVENTS_INCIDENT, {"event_ids": event_ids, "incident_id": incident_id})
            result.incident_ids.append(incident_id)
        return result

    def _record_events(
        self, conn: sa.Connection, requests: list[IngestRequest], active: dict, now: datetime
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
                    "incident_id": incident["id"] if incident is not None else None,
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

    def _active_incident(self, conn: sa.Connection, gid: str) -> sa.RowMapping | None:
        """The group's unresolved incident, locked for this transaction on PostgreSQL."""
        return conn.execute(sql.SELECT_ACTIVE, {"gids": [gid]}).mappings().first()

    def _active_incident_id(self, conn: sa.Connection, gid: str) -> int | None:
        row = self._active_incident(conn, gid)
        return row["id"] if row is not None else None

    def _open(self, conn, writes, notification, firing, directory, policy, force_ticket, now, result) -> int:
        enrichment: Enrichment = enrich(notification, directory, now, policy.default_routing_key)
        labels = enrichment.labels
        severity = most_severe([a.severity for a in firing])
        route = "ticket" if wants_ticket(severity, labels, force_ticket) else "page"
        plan = escalation_plan(enrichment, severity, route, now)
        chain = plan["escalation_chain"]
        values = {
            "group_id": notification.group_id,
            "active_group": notification.group_id,
            "receiver": notification.receiver,
            "group_key": notification.group_key,
            "status": "open",
            "severity": severity,
            "route": route,
            "title": title(notification, firing, severity),
            "surface": enrichment.surface,
            "service": labels.get("service"),
            "slo": labels.get("slo"),
            "owner": labels.get("owner"),
            "labels": labels,
            "responders": enrichment.responders.to_json() if enrichment.responders else None,
            "links": enrichment.links,
            "dedup_key": "",
            "routing_key": enrichment.routing_key,
            "opened_at": now,
            "escalation_step": 0,
            **plan,
        }
        incident_id = conn.execute(sql.for_dialect(conn).insert_incident, values).scalar()
        if incident_id is None:  # another process opened this group's incident a moment ago
            active = self._active_incident(conn, notification.group_id)
            incident_id = active["id"]
            self._join(conn, writes, incident_id, firing, now)
            self._raise_severity(conn, writes, active, notification, firing, directory, policy, force_ticket, now, result)
            return incident_id
        values["dedup_key"] = f"burnwise-incident-{incident_id}"
        conn.execute(sql.SET_DEDUP_KEY, {"incident_id": incident_id, "dedup_key": values["dedup_key"]})
        alert_rows = self._insert_new_alerts(writes, incident_id, firing, now)
        who = chain[0]["contact"]["name"] if chain else "default routing key"
        text = f"opened by Alertmanager: {len(firing)} alert(s) firing; " + (
            f"paging {chain[0]['role']} {who}" if chain else ("ticket" if route == "ticket" else f"paging {who}")
        )
        self._timeline(writes, incident_id, now, "detect", "alertmanager", text, {"alerts": [a.key for a in firing]})
        doc = document_of({"id": incident_id, **values}, alert_rows, enrichment.runbooks)
        self._write_pages(writes, pages_for_open(policy, doc), now, result)
        result.opened.append(incident_id)
        return incident_id

    def _join(self, conn, writes: _Writes, incident_id: int, firing: list[Alert], now: datetime) -> None:
        self._upsert_alerts(conn, incident_id, firing, now)
        names = ", ".join(sorted({a.labels.get("alertname", a.key) for a in firing}))
        self._timeline(writes, incident_id, now, "detect", "alertmanager", f"firing: {names}", {"alerts": [a.key for a in firing]})

    def _raise_severity(self, conn, writes, row, notification, firing, directory, policy, force_ticket, now, result) -> None:
        """A more severe alert joined: record it and page if the incident was only a ticket.

        A ticket incident that gains a sev1/sev2 alert starts paging (primary first, with the ack
        timer); a paging incident re-sends its trigger so PagerDuty shows the new severity.
        ``row`` is the incident as :data:`statements.SELECT_ACTIVE` read it in this transaction.
        """
        incident_id = row["id"]
        old = row["severity"]
        new = most_severe([old] + [a.severity for a in firing])
        if new == old or row["status"] == "resolved":
            return
        values: dict = {"severity": new, "title": title(notification, [a for a in firing if a.severity == new], new)}
        text = f"severity raised from {old} to {new}"
        now_paging = row["route"] == "ticket" and not wants_ticket(new, row["labels"], force_ticket)
        if now_paging:
            enrichment = enrich(notification, directory, now, policy.default_routing_key)
            values.update(
                route="page",
                responders=enrichment.responders.to_json() if enrichment.responders else None,
                routing_key=enrichment.routing_key,
                escalation_step=0,
                **escalation_plan(enrichment, new, "page", now),
            )
            if row["status"] != "open":
                values["escalation_due_at"] = None
            text += "; paging instead of the ticket"
        conn.execute(t.incidents.update().where(t.incidents.c.id == incident_id).values(**values))
        self._timeline(writes, incident_id, now, "note", "alertmanager", text, {"from": old, "to": new})
        doc = self._document(conn, incident_id)
        if now_paging:
            specs = pages_for_open(policy, doc)
        elif row["route"] == "page":
            specs = pages_for_severity_change(policy, doc, row["escalation_step"], new)
        else:
            specs = []
        self._write_pages(writes, specs, now, result)

    def _insert_new_alerts(self, writes: _Writes, incident_id: int, firing: list[Alert], now: datetime) -> list[dict]:
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

    def _upsert_alerts(self, conn, incident_id: int, batch: list[Alert], now: datetime) -> None:
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
                    {
                        "incident_id": incident_id,
                        "fingerprint": alert.key,
                        "alertname": alert.labels.get("alertname"),
                        "first_seen_at": now,
                        **state,
                    },
                )

    def _resolve_alerts(self, conn, writes, incident_id, resolved: list[Alert], policy, now, result) -> None:
        self._upsert_alerts(conn, incident_id, resolved, now)
        # one read serves both the count and, when this closes the incident, the page document
        alert_rows = conn.execute(sql.SELECT_ALERTS, {"incident_id": incident_id}).mappings().all()
        still_firing = sum(1 for row in alert_rows if row["status"] == "firing")
        names = ", ".join(sorted({a.labels.get("alertname", a.key) for a in resolved}))
        if still_firing:
            self._timeline(writes, incident_id, now, "note", "alertmanager", f"resolved: {names}; {still_firing} still firing")
            return
        self._close(conn, writes, incident_id, "alertmanager", f"every alert resolved ({names})", policy, now, result, alert_rows)

    def _close(self, conn, writes, incident_id, by, text, policy, now, result, alert_rows=None) -> None:
        changed = conn.execute(
            sql.CLOSE_INCIDENT, {"incident_id": incident_id, "resolved_at": now, "resolved_by": by}
        ).rowcount
        if not changed:
            raise IncidentConflict(f"incident {incident_id} is already resolved")
        self._timeline(writes, incident_id, now, "resolve", by, text)
        doc = self._document(conn, incident_id, alert_rows=alert_rows)
        self._write_pages(writes, pages_for_resolve(policy, doc, by), now, result)
        result.resolved.append(incident_id)

    # --- commands -------------------------------------------------------------------------------
    def acknowledge(self, incident_id: int, by: str, policy: PagingPolicy, now: datetime | None = None) -> IncidentRecord:
        """Stop escalation and record who acknowledged; repeating it is harmless."""
        now = now or utcnow()
        with self._tx() as conn:
            status = self._status(conn, incident_id)
            if status == "resolved":
                raise IncidentConflict(f"incident {incident_id} is resolved; there is nothing to acknowledge")
            if status == "open":
                conn.execute(
                    t.incidents.update()
                    .where(t.incidents.c.id == incident_id, t.incidents.c.status == "open")
                    .values(status="acknowledged", acknowledged_at=now, acknowledged_by=by, escalation_due_at=None)
                )
                writes = _Writes()
                self._timeline(writes, incident_id, now, "acknowledge", by, f"acknowledged by {by}")
                self._write_pages(writes, pages_for_ack(policy, self._document(conn, incident_id), by), now, IngestResult(False))
                writes.flush(conn)
            return self._record(conn, incident_id)

    def resolve(self, incident_id: int, by: str, policy: PagingPolicy, text: str | None = None, now: datetime | None = None) -> IngestResult:
        now = now or utcnow()
        with self._tx() as conn:
            self._status(conn, incident_id)
            result = IngestResult(False)
            writes = _Writes()
            self._close(conn, writes, incident_id, by, text or f"resolved by {by}", policy, now, result)
            writes.flush(conn)
            return result

    def add_timeline(self, incident_id: int, kind: str, text: str, by: str, now: datetime | None = None) -> TimelineEntry:
        now = now or utcnow()
        with self._tx() as conn:
            self._status(conn, incident_id)
            values = {"incident_id": incident_id, "at": now, "kind": kind, "actor": by, "text": text, "data": None}
            entry_id = conn.execute(sql.INSERT_TIMELINE_RETURNING_ID, values).scalar()
            row = conn.execute(sa.select(t.timeline).where(t.timeline.c.id == entry_id)).mappings().one()
            return TimelineEntry(**row)

    def _status(self, conn, incident_id: int) -> str:
        status = conn.execute(sa.select(t.incidents.c.status).where(t.incidents.c.id == incident_id)).scalar()
        if status is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        return status

    # --- escalation -----------------------------------------------------------------------------
    def due_escalations(self, now: datetime | None = None) -> list[int]:
        now = now or utcnow()
        with self._tx() as conn:
            return list(conn.execute(sql.DUE_ESCALATIONS, {"now": now}).scalars())

    def escalate(self, incident_id: int, policy: PagingPolicy, now: datetime | None = None) -> bool:
        """Move an unacknowledged incident one step down its chain, exactly once per step.

        The conditional UPDATE on ``escalation_step`` is the guard: with several workers (or a
        restart mid-way) only one transaction advances a step, and its page is written with it.
        """
        now = now or utcnow()
        with self._tx() as conn:
            row = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).mappings().first()
            if row is None or row["status"] != "open" or row["escalation_due_at"] is None or row["escalation_due_at"] > now:
                return False
            chain = row["escalation_chain"] or []
            step = row["escalation_step"] + 1
            if step >= len(chain):
                conn.execute(t.incidents.update().where(t.incidents.c.id == incident_id).values(escalation_due_at=None))
                return False
            timeout = row["ack_timeout_seconds"] or 0
            due = now + timedelta(seconds=timeout) if step + 1 < len(chain) else None
            advanced = conn.execute(
                t.incidents.update()
                .where(
                    t.incidents.c.id == incident_id,
                    t.incidents.c.status == "open",
                    t.incidents.c.escalation_step == row["escalation_step"],
                )
                .values(escalation_step=step, escalation_due_at=due)
            ).rowcount
            if not advanced:
                return False
            entry = chain[step]
            text = f"not acknowledged within {timeout}s: paging {entry['role']} {entry['contact']['name']}"
            writes = _Writes()
            self._timeline(writes, incident_id, now, "escalate", "burnwise", text, {"role": entry["role"], "contact": entry["contact"]})
            self._write_pages(writes, pages_for_escalation(policy, self._document(conn, incident_id), step), now, IngestResult(False))
            writes.flush(conn)
            return True

    # --- outbox ---------------------------------------------------------------------------------
    def _write_pages(self, writes: _Writes, specs: list[PageSpec], now: datetime, result: IngestResult) -> None:
        """Queue outbox rows; ``result.pages`` counts the pending ones actually new at the flush."""
        for spec in specs:
            row = {
                "idem_key": spec.idem_key,
                "incident_id": int(spec.idem_key.split(":", 1)[0]),
                "target": spec.target,
                "action": spec.action,
                "recipient_role": spec.recipient_role,
                "recipient": spec.recipient,
                "body": spec.body,
                "status": spec.status,
                "attempts": 0,
                "created_at": now,
                "next_attempt_at": now,
                "last_error": spec.reason,
            }
            writes.pages.append((row, spec.status == "pending", result))

    def claim_due_pages(self, lease_seconds: float, limit: int = 20, now: datetime | None = None) -> list[dict]:
        """Lease due pending rows to this process; a lease that lapses (crash) frees them again."""
        now = now or utcnow()
        with self._tx() as conn:
            candidates = conn.execute(sql.DUE_PAGES, {"now": now, "limit": limit}).scalars().all()
            if not candidates:
                return []
            lease = {"ids": candidates, "now": now, "claimed_until": now + timedelta(seconds=lease_seconds)}
            # the UPDATE re-checks each row, so a row another process leased meanwhile is left out
            rows = conn.execute(sql.LEASE_PAGES, lease).mappings().all()
        return sorted((dict(row) for row in rows), key=lambda page: (page["next_attempt_at"], page["id"]))

    def record_delivery(
        self,
        page_id: int,
        *,
        status: str,
        status_code: int | None,
        error: str | None,
        next_attempt_at: datetime | None = None,
        now: datetime | None = None,
    ) -> None:
        """Store one delivery attempt: ``sent``, ``failed`` or back to ``pending`` for a retry."""
        now = now or utcnow()
        values = {
            "page_id": page_id,
            "status": status,
            "last_status_code": status_code,
            "last_error": error,
            "sent_at": now if status == "sent" else None,
            "next_attempt_at": next_attempt_at,
        }
        with self._tx() as conn:
            conn.execute(sql.RECORD_DELIVERY, values)

    def outbox_depth(self) -> int:
        with self._tx() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.outbox).where(t.outbox.c.status == "pending")).scalar()

    # --- read API -------------------------------------------------------------------------------
    def list_incidents(
        self,
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
        with self._tx() as conn:
            rows = conn.execute(query.order_by(t.incidents.c.opened_at.desc(), t.incidents.c.id.desc())).mappings()
            return [IncidentRecord(**row) for row in rows]

    def get_incident(self, incident_id: int) -> IncidentDetail | None:
        """One incident with its alerts, timeline (oldest first) and pages."""
        with self._tx() as conn:
            row = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).mappings().first()
            if row is None:
                return None
            alerts = conn.execute(
                sa.select(t.alerts).where(t.alerts.c.incident_id == incident_id).order_by(t.alerts.c.first_seen_at, t.alerts.c.id)
            ).mappings()
            entries = conn.execute(
                sa.select(t.timeline).where(t.timeline.c.incident_id == incident_id).order_by(t.timeline.c.at, t.timeline.c.id)
            ).mappings()
            pages = self._pages(conn, incident_id)
            return IncidentDetail(
                **row,
                alerts=[AlertRecord(**a) for a in alerts],
                timeline=[TimelineEntry(**e) for e in entries],
                pages=pages,
            )

    def list_pages(self, incident_id: int | None = None) -> list[PageRecord]:
        with self._tx() as conn:
            return self._pages(conn, incident_id)

    def _pages(self, conn, incident_id: int | None) -> list[PageRecord]:
        query = sa.select(t.outbox)
        if incident_id is not None:
            query = query.where(t.outbox.c.incident_id == incident_id)
        rows = conn.execute(query.order_by(t.outbox.c.id)).mappings()
        return [PageRecord(**row) for row in rows]

    def _record(self, conn, incident_id: int) -> IncidentRecord:
        row = conn.execute(sa.select(t.incidents).where(t.incidents.c.id == incident_id)).mappings().one()
        return IncidentRecord(**row)

    # --- helpers --------------------------------------------------------------------------------
    def _timeline(self, writes: _Writes, incident_id, at, kind, actor, text, data=None) -> None:
        """Queue a timeline entry (ingest and commands never read the timeline back before commit)."""
        writes.timeline.append({"incident_id": incident_id, "at": at, "kind": kind, "actor": actor, "text": text, "data": data})

    def _document(self, conn, incident_id: int, runbooks: list[dict] | None = None, alert_rows: list | None = None) -> dict:
        """The incident as page bodies need it (JSON-ready), read back from the database.

        ``alert_rows``: the incident's alert rows when the caller has just read them.
        """
        row = conn.execute(sql.SELECT_INCIDENT, {"incident_id": incident_id}).mappings().one()
        if alert_rows is None:
            alert_rows = conn.execute(sql.SELECT_ALERTS, {"incident_id": incident_id}).mappings().all()
        return document_of(row, alert_rows, runbooks)


def _rounds(requests: list[IngestRequest]) -> list[list[int]]:
    """Split a batch into rounds of distinct groups, keeping each group's notifications in order.

    The n-th notification of a group goes to round n. Within a round the groups are sorted, so
    every receiver process locks a batch's incidents in the same order on PostgreSQL.
    """
    rounds: list[list[int]] = []
    seen: dict[str, int] = {}
    for index in sorted(range(len(requests)), key=lambda i: requests[i].notification.group_id):
        gid = requests[index].notification.group_id
        number = seen.get(gid, 0)
        seen[gid] = number + 1
        if number == len(rounds):
            rounds.append([])
        rounds[number].append(index)
    return rounds
