"""The SQL statements of the ingest path, built once at import and executed with parameters.

Why: building a SQLAlchemy Core statement (``insert().values(...)``, ``select().where(...)``) and
computing its cache key costs far more than running it on SQLite; the profile of ``Store.ingest``
showed two thirds of a payload's time there. A statement object built once keeps its memoised cache
key, so every execution hits the compiled cache and only the parameters change. Parameters are
passed by column name (``conn.execute(stmt, {"col": value})``) or as named ``bindparam``s.

The insert-or-ignore statements exist per dialect (SQLite and PostgreSQL spell ``ON CONFLICT``
through different constructs); :func:`for_dialect` picks the set for a connection.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from burnwise.receiver import schema as t
from sqlalchemy.dialects import postgresql, sqlite

#: incident states that still belong to their group (``active_group`` set)
ACTIVE = ("open", "acknowledged")

#: the active incidents of some groups, with what a joining notification needs (no second read).
#: ``FOR UPDATE`` (PostgreSQL; SQLite's BEGIN IMMEDIATE already serialises writers) makes a second
#: receiver process wait for this group's transaction instead of acting on a stale row.
SELECT_ACTIVE = (
    sa.select(
        t.incidents.c.active_group,
        t.incidents.c.id,
        t.incidents.c.status,
        t.incidents.c.severity,
        t.incidents.c.route,
        t.incidents.c.labels,
        t.incidents.c.escalation_step,
    )
    .where(t.incidents.c.active_group.in_(sa.bindparam("gids", expanding=True)))
    .order_by(t.incidents.c.active_group)
    .with_for_update()
)

SELECT_INCIDENT = sa.select(t.incidents).where(t.incidents.c.id == sa.bindparam("incident_id"))

SELECT_ALERTS = (
    sa.select(t.alerts).where(t.alerts.c.incident_id == sa.bindparam("incident_id")).order_by(t.alerts.c.id)
)

SET_EVENTS_INCIDENT = (
    t.alert_events.update()
    .where(t.alert_events.c.id.in_(sa.bindparam("event_ids", expanding=True)))
    .values(incident_id=sa.bindparam("incident_id"))
)

SET_DEDUP_KEY = (
    t.incidents.update()
    .where(t.incidents.c.id == sa.bindparam("incident_id"))
    .values(dedup_key=sa.bindparam("dedup_key"))
)

#: one alert's new state; the ``b_`` names keep the WHERE parameters apart from the SET columns
UPDATE_ALERT = (
    t.alerts.update()
    .where(t.alerts.c.incident_id == sa.bindparam("b_incident_id"), t.alerts.c.fingerprint == sa.bindparam("b_fingerprint"))
    .values(
        status=sa.bindparam("status"),
        severity=sa.bindparam("severity"),
        labels=sa.bindparam("labels"),
        annotations=sa.bindparam("annotations"),
        starts_at=sa.bindparam("starts_at"),
        ends_at=sa.bindparam("ends_at"),
        generator_url=sa.bindparam("generator_url"),
        last_seen_at=sa.bindparam("last_seen_at"),
    )
)

#: resolve an incident that is still active; zero rows changed means someone resolved it first
CLOSE_INCIDENT = (
    t.incidents.update()
    .where(t.incidents.c.id == sa.bindparam("incident_id"), t.incidents.c.status.in_(ACTIVE))
    .values(
        status="resolved",
        active_group=None,
        resolved_at=sa.bindparam("resolved_at"),
        resolved_by=sa.bindparam("resolved_by"),
        escalation_due_at=None,
    )
)

DUE_ESCALATIONS = (
    sa.select(t.incidents.c.id)
    .where(t.incidents.c.status == "open", t.incidents.c.escalation_due_at <= sa.bindparam("now"))
    .order_by(t.incidents.c.escalation_due_at, t.incidents.c.id)
)

_outbox = t.outbox.c
_UNLEASED = sa.or_(_outbox.claimed_until.is_(None), _outbox.claimed_until < sa.bindparam("now"))

_earlier = t.outbox.alias("earlier")

#: per-incident, per-target order: a page waits while an earlier page of the same incident at the
#: same target is still pending (in backoff or in flight), so a resolve never overtakes its trigger.
#: Said as "this page is its incident's first pending page at its target": a correlated scalar
#: subquery, which PostgreSQL plans on its own (one lookup in ix_outbox_incident_order). The same
#: rule as NOT EXISTS became an anti join that, on a table not yet analyzed, walked ix_outbox_due
#: and filtered thousands of rows per candidate (54 ms per claim with a 10,000-page backlog).
_NOTHING_EARLIER_PENDING = _outbox.id == (
    sa.select(sa.func.min(_earlier.c.id))
    .where(
        _earlier.c.incident_id == _outbox.incident_id,
        _earlier.c.target == _outbox.target,
        _earlier.c.status == "pending",
    )
    .scalar_subquery()
)

DUE_PAGES = (
    sa.select(_outbox.id)
    .where(
        _outbox.status == "pending",
        _outbox.target.in_(sa.bindparam("targets", expanding=True)),
        _outbox.next_attempt_at <= sa.bindparam("now"),
        _UNLEASED,
        _NOTHING_EARLIER_PENDING,
    )
    .order_by(_outbox.next_attempt_at, _outbox.id)
    .limit(sa.bindparam("limit"))
)

#: the PagerDuty triggers an incident has (for acknowledge/resolve to reach every one), in order
INCIDENT_TRIGGERS = (
    sa.select(_outbox.body, _outbox.status)
    .where(_outbox.incident_id == sa.bindparam("incident_id"), _outbox.target == "pagerduty", _outbox.action == "trigger")
    .order_by(_outbox.id)
)

#: lease the candidates still free; RETURNING gives exactly the rows this statement leased
LEASE_PAGES = (
    t.outbox.update()
    .where(_outbox.id.in_(sa.bindparam("ids", expanding=True)), _outbox.status == "pending", _UNLEASED)
    .values(claimed_until=sa.bindparam("claimed_until"))
    .returning(*t.outbox.c)
)

#: one delivery attempt; ``sent_at``/``next_attempt_at`` change only when given (NULL keeps them)
RECORD_DELIVERY = (
    t.outbox.update()
    .where(_outbox.id == sa.bindparam("page_id"))
    .values(
        status=sa.bindparam("status"),
        attempts=_outbox.attempts + 1,
        claimed_until=None,
        last_status_code=sa.bindparam("last_status_code"),
        last_error=sa.bindparam("last_error"),
        sent_at=sa.func.coalesce(sa.bindparam("sent_at", type_=_outbox.sent_at.type), _outbox.sent_at),
        next_attempt_at=sa.func.coalesce(
            sa.bindparam("next_attempt_at", type_=_outbox.next_attempt_at.type), _outbox.next_attempt_at
        ),
        body=sa.func.coalesce(sa.bindparam("body", type_=_outbox.body.type), _outbox.body),
    )
)

INSERT_ALERT = t.alerts.insert()
INSERT_NOTIFICATION = t.notifications.insert()
INSERT_TIMELINE = t.timeline.insert()
INSERT_TIMELINE_RETURNING_ID = t.timeline.insert().returning(t.timeline.c.id)


@dataclass(frozen=True)
class DialectStatements:
    """Insert-or-ignore statements for one dialect; RETURNING says which rows were new."""

    insert_events: sa.Insert  # executemany: the returned keys are the alert states seen first here
    insert_incident: sa.Insert  # the group's one active incident; no row returned if another won
    insert_page: sa.Insert  # executemany: one outbox row per idempotency key, the new keys returned


def _build(dialect) -> DialectStatements:
    events = t.alert_events.c
    return DialectStatements(
        insert_events=dialect.insert(t.alert_events)
        .on_conflict_do_nothing(index_elements=["group_id", "fingerprint", "status", "starts_at"])
        .returning(events.id, events.group_id, events.fingerprint, events.status, events.starts_at),
        insert_incident=dialect.insert(t.incidents)
        .on_conflict_do_nothing(index_elements=["active_group"])
        .returning(t.incidents.c.id),
        insert_page=dialect.insert(t.outbox)
        .on_conflict_do_nothing(index_elements=["idem_key"])
        .returning(t.outbox.c.idem_key),
    )


_BY_DIALECT = {"postgresql": _build(postgresql), "sqlite": _build(sqlite)}


def for_dialect(conn: sa.Connection) -> DialectStatements:
    return _BY_DIALECT["postgresql" if conn.dialect.name == "postgresql" else "sqlite"]
