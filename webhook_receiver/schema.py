"""The receiver's tables (SQLAlchemy Core), identical on SQLite and PostgreSQL.

Why a module of its own: the schema is a contract. Reports read these tables, and the unique
constraints here (not luck) are what make ingest idempotent and safe with several receivers on one
database:

* ``alert_events (group_id, fingerprint, status, starts_at)`` - a notification whose every alert
  state is already recorded is a duplicate and changes nothing;
* ``incidents.active_group`` - at most one unresolved incident per Alertmanager group (NULL once
  resolved, and NULLs never collide);
* ``outbox.idem_key`` - at most one page per incident step.

All times are stored in UTC and read back timezone-aware.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

SCHEMA_VERSION = 3

#: (table, column) that were varchar(200) in schema version 1 and are text since version 2: a label
#: value of any length is stored (PostgreSQL refused 201+ characters; SQLite never enforced it)
WIDENED_IN_V2 = (
    ("incidents", "surface"),
    ("incidents", "service"),
    ("incidents", "slo"),
    ("incidents", "owner"),
    ("incidents", "acknowledged_by"),
    ("incidents", "resolved_by"),
    ("alerts", "alertname"),
    ("timeline", "actor"),
)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use timezone-aware times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


class JSONText(TypeDecorator):
    """JSON kept as text with sorted keys, so stored documents are byte-for-byte deterministic."""

    impl = sa.Text
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))

    def process_result_value(self, value, dialect):
        return None if value is None else json.loads(value)


metadata = sa.MetaData()

schema_info = sa.Table(
    "burnwise_schema",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)

#: one row: this database's random instance id, part of every PagerDuty dedup key, so a reset
#: database or a second deployment sharing a routing key never reuses another's keys
instance = sa.Table(
    "burnwise_instance",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

#: one row per name, rewritten by ``/readyz``: readiness means the database accepts a write
heartbeat = sa.Table(
    "burnwise_heartbeat",
    metadata,
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("beat_at", UTCDateTime, nullable=False),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("group_id", sa.String(40), nullable=False, index=True),
    sa.Column("receiver", sa.Text, nullable=False),
    sa.Column("group_key", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("route", sa.String(16), nullable=False),
    sa.Column("incident_id", sa.Integer, nullable=True),
    sa.Column("payload", JSONText, nullable=False),
)

incidents = sa.Table(
    "incidents",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_id", sa.String(40), nullable=False, index=True),
    sa.Column("active_group", sa.String(40), nullable=True, unique=True),
    sa.Column("receiver", sa.Text, nullable=False),
    sa.Column("group_key", sa.Text, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("route", sa.String(16), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("surface", sa.Text, nullable=True),
    sa.Column("service", sa.Text, nullable=True, index=True),
    sa.Column("slo", sa.Text, nullable=True),
    sa.Column("owner", sa.Text, nullable=True),
    sa.Column("labels", JSONText, nullable=False),
    sa.Column("responders", JSONText, nullable=True),
    sa.Column("links", JSONText, nullable=False),
    sa.Column("dedup_key", sa.String(255), nullable=False),
    sa.Column("routing_key", sa.Text, nullable=True),
    sa.Column("opened_at", UTCDateTime, nullable=False),
    sa.Column("acknowledged_at", UTCDateTime, nullable=True),
    sa.Column("acknowledged_by", sa.Text, nullable=True),
    sa.Column("resolved_at", UTCDateTime, nullable=True),
    sa.Column("resolved_by", sa.Text, nullable=True),
    sa.Column("escalation_step", sa.Integer, nullable=False, default=0),
    sa.Column("escalation_chain", JSONText, nullable=False),
    sa.Column("ack_timeout_seconds", sa.Integer, nullable=True),
    sa.Column("escalation_due_at", UTCDateTime, nullable=True, index=True),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("fingerprint", sa.String(128), nullable=False),
    sa.Column("alertname", sa.Text, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(8), nullable=False),
    sa.Column("labels", JSONText, nullable=False),
    sa.Column("annotations", JSONText, nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("ends_at", UTCDateTime, nullable=True),
    sa.Column("generator_url", sa.Text, nullable=False),
    sa.Column("first_seen_at", UTCDateTime, nullable=False),
    sa.Column("last_seen_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("incident_id", "fingerprint", name="uq_alerts_incident_fingerprint"),
)

alert_events = sa.Table(
    "alert_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("group_id", sa.String(40), nullable=False),
    sa.Column("fingerprint", sa.String(128), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("starts_at", UTCDateTime, nullable=False),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=True),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("group_id", "fingerprint", "status", "starts_at", name="uq_alert_events_state"),
)

timeline = sa.Table(
    "timeline",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("actor", sa.Text, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("data", JSONText, nullable=True),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("idem_key", sa.String(200), nullable=False, unique=True),
    sa.Column("incident_id", sa.Integer, sa.ForeignKey("incidents.id"), nullable=False),
    sa.Column("target", sa.String(16), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("recipient_role", sa.String(16), nullable=True),
    sa.Column("recipient", JSONText, nullable=True),
    sa.Column("body", JSONText, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime, nullable=False),
    sa.Column("claimed_until", UTCDateTime, nullable=True),
    sa.Column("sent_at", UTCDateTime, nullable=True),
    sa.Column("last_status_code", sa.Integer, nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
)

# deploys as CI pipelines record them (``POST /v1/deploys``): when a change really went out, so
# handoffs and postmortems place it by its own time, not by when someone typed it on an incident
deploys = sa.Table(
    "deploys",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("service", sa.String(200), nullable=False, index=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("recorded_at", UTCDateTime, nullable=False),
)

# error-budget policy breaches reported by `burnwise budget gate --receiver`: the surface's own
# record that a change was refused (or let through as allowed) while an SLO's budget was frozen
budget_breaches = sa.Table(
    "budget_breaches",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UTCDateTime, nullable=False, index=True),
    sa.Column("surface", sa.String(200), nullable=True, index=True),
    sa.Column("service", sa.String(200), nullable=False),
    sa.Column("slo", sa.String(200), nullable=False),
    sa.Column("budget_remaining", sa.Float, nullable=True),
    sa.Column("freeze_below", sa.Float, nullable=False),
    sa.Column("change", sa.String(64), nullable=False),
    sa.Column("blocked", sa.Boolean, nullable=False),
    sa.Column("policy_source", sa.String(300), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
)

#: the due-pages claim (status, target, next_attempt_at order) reads this index, not every pending row
sa.Index("ix_outbox_due", outbox.c.status, outbox.c.target, outbox.c.next_attempt_at, outbox.c.id)
#: the claim's per-incident order check ("no earlier page of this incident at this target still
#: pending") is one lookup in this index; without it PostgreSQL walked ix_outbox_due and filtered
#: thousands of rows per candidate (54 ms per claim with a 10,000-page backlog). Also serves every
#: lookup of an incident's pages (it replaces the single-column index of schema versions 1-2).
sa.Index("ix_outbox_incident_order", outbox.c.incident_id, outbox.c.target, outbox.c.status, outbox.c.id)

#: indexes added after schema version 1 that databases created earlier lack: created by the v3 migration
ADDED_INDEXES_V3 = ("ix_outbox_due", "ix_outbox_incident_order")
