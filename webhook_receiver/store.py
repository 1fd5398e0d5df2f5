"""The receiver's store as one object: the facade over the modules that each do one job.

Why a facade: the API, the outbox worker, the reports and the tests hold one ``Store`` per process
(``Store.from_url(url)``) and call its methods; behind it the work is split by job -

* :mod:`engine` - engine settings, schema creation, transactions (``StoreUnavailable``);
* :mod:`ingest` - Alertmanager notifications in batches, event recording, applying decisions;
* :mod:`lifecycle` - pure decisions: open, join, raise severity, resolve, acknowledge, escalate;
* :mod:`incident_commands` - acknowledge, resolve, notes and escalation steps in transactions;
* :mod:`outbox_queue` - lease due pages, record deliveries, queue depth;
* :mod:`reads` - the read API for reports and the HTTP API.

Read API for other modules (reports): ``Store.from_url(url)``, ``list_incidents(...)``,
``get_incident(id)``, ``list_pages(...)``.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from burnwise.receiver import incident_commands, ingest, outbox_queue, reads
from burnwise.receiver import statements as sql
from burnwise.receiver.engine import (
    Database,
    IncidentConflict,
    IncidentNotFound,
    StoreUnavailable,
    create_engine,
    utcnow,
)
from burnwise.receiver.models import Notification
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.records import IncidentDetail, IncidentRecord, PageRecord, TimelineEntry
from burnwise.receiver.values import ClaimedPage, IngestRequest, IngestResult, PageDocument

from burnwise.roster.directory import Directory

ACTIVE = sql.ACTIVE

__all__ = [
    "ACTIVE",
    "IncidentConflict",
    "IncidentNotFound",
    "IngestRequest",
    "IngestResult",
    "Store",
    "StoreUnavailable",
    "create_engine",
    "utcnow",
]


class Store:
    """The receiver's database: one instance per process, safe to share between threads."""

    def __init__(self, engine: sa.Engine) -> None:
        self.db = Database(engine)
        self.engine = engine

    @classmethod
    def from_url(cls, url: str) -> "Store":
        return cls(create_engine(url))

    def ensure_schema(self) -> None:
        """Create missing tables (idempotent, safe when several processes start together)."""
        self.db.ensure_schema()

    def ping(self) -> None:
        """Raise :class:`StoreUnavailable` unless the database answers."""
        with self.db.tx() as conn:
            conn.execute(sa.select(sa.literal(1)))

    def heartbeat(self) -> None:
        """Raise :class:`StoreUnavailable` unless the database accepts a write (readiness)."""
        self.db.heartbeat()

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
        return ingest.ingest(self.db, notification, directory, policy, force_ticket=force_ticket, now=now)

    def ingest_batch(self, requests: list[IngestRequest], directory: Directory, policy: PagingPolicy) -> list[IngestResult | Exception]:
        return ingest.ingest_batch(self.db, requests, directory, policy)

    # --- commands -------------------------------------------------------------------------------
    def acknowledge(self, incident_id: int, by: str, policy: PagingPolicy, now: datetime | None = None) -> IncidentRecord:
        return incident_commands.acknowledge(self.db, incident_id, by, policy, now)

    def resolve(self, incident_id: int, by: str, policy: PagingPolicy, text: str | None = None, now: datetime | None = None) -> IngestResult:
        return incident_commands.resolve(self.db, incident_id, by, policy, text, now)

    def add_timeline(self, incident_id: int, kind: str, text: str, by: str, now: datetime | None = None) -> TimelineEntry:
        return incident_commands.add_timeline(self.db, incident_id, kind, text, by, now)

    def due_escalations(self, now: datetime | None = None) -> list[int]:
        return incident_commands.due_escalations(self.db, now)

    def escalate(self, incident_id: int, policy: PagingPolicy, now: datetime | None = None) -> bool:
        """True when the incident moved one step down its chain."""
        return self.escalate_step(incident_id, policy, now) is not None

    def escalate_step(self, incident_id: int, policy: PagingPolicy, now: datetime | None = None) -> IngestResult | None:
        """Like :meth:`escalate`, with what the step wrote (pages, skipped pages)."""
        return incident_commands.escalate(self.db, incident_id, policy, now)

    # --- outbox ---------------------------------------------------------------------------------
    def claim_due_pages(
        self, lease_seconds: float, limit: int = 20, now: datetime | None = None, targets: tuple[str, ...] = outbox_queue.TARGETS
    ) -> list[ClaimedPage]:
        return outbox_queue.claim_due_pages(self.db, lease_seconds, limit, now, targets)

    def incident_status(self, incident_id: int) -> str | None:
        return outbox_queue.incident_status(self.db, incident_id)

    def record_delivery(self, page_id: int, **kwargs) -> None:
        outbox_queue.record_delivery(self.db, page_id, **kwargs)

    def outbox_depth(self) -> int:
        return outbox_queue.outbox_depth(self.db)

    # --- read API -------------------------------------------------------------------------------
    def list_incidents(
        self, status: str | None = None, service: str | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> list[IncidentRecord]:
        return reads.list_incidents(self.db, status, service, since, until)

    def get_incident(self, incident_id: int) -> IncidentDetail | None:
        return reads.get_incident(self.db, incident_id)

    def list_pages(self, incident_id: int | None = None) -> list[PageRecord]:
        return reads.list_pages(self.db, incident_id)

    def _document(self, conn: sa.Connection, incident_id: int, runbooks: list[dict] | None = None) -> PageDocument:
        """The page document read back (tests compare it with the one built at open)."""
        return reads.page_document(conn, incident_id, runbooks)
