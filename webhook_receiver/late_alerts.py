"""Alert states that arrive after the fact: stale firings after a resolve, resolves after a manual close.

Why its own module: Alertmanager semantics, not incident decisions. Prometheus re-sends a resolved
alert for about 15 minutes, and an Alertmanager group (or the second peer of an HA pair) can
deliver a firing notification after the resolve of the same alert. An alert is identified by
(group, fingerprint, startsAt): once its resolved state is recorded, a firing state with the same
startsAt is stale and must not open an incident that would never close. An alert that truly fires
again has a new startsAt and opens a new incident as usual. When a person resolved the incident
by hand, Alertmanager's own resolve still arrives later; it is recorded on that incident's alert
and timeline instead of being dropped.
"""

from __future__ import annotations

import logging
from datetime import datetime

import sqlalchemy as sa
from burnwise.receiver import schema as t
from burnwise.receiver import statements as sql
from burnwise.receiver.incident_rows import alert_state
from burnwise.receiver.lifecycle import TimelineWrite
from burnwise.receiver.models import Alert
from burnwise.receiver.pending_writes import PendingWrites

log = logging.getLogger("burnwise.receiver")

_events = t.alert_events.c

#: the recorded states of some alerts of one group (status, starts_at, the incident they belong to)
_STATES = sa.select(_events.fingerprint, _events.status, _events.starts_at, _events.incident_id).where(
    _events.group_id == sa.bindparam("group_id"),
    _events.fingerprint.in_(sa.bindparam("fingerprints", expanding=True)),
)


def _states(conn: sa.Connection, gid: str, alerts: list[Alert]) -> list:
    if not alerts:
        return []
    return list(conn.execute(_STATES, {"group_id": gid, "fingerprints": sorted({a.key for a in alerts})}).mappings())


def split_stale_firing(conn: sa.Connection, gid: str, firing: list[Alert]) -> tuple[list[Alert], list[tuple[Alert, int | None]]]:
    """(live firing alerts, stale ones with the incident their resolve belongs to).

    Stale: the same (group, fingerprint, startsAt) already has a recorded ``resolved`` state.
    """
    resolved = {
        (row["fingerprint"], row["starts_at"]): row["incident_id"]
        for row in _states(conn, gid, firing)
        if row["status"] == "resolved"
    }
    live: list[Alert] = []
    stale: list[tuple[Alert, int | None]] = []
    for alert in firing:
        key = (alert.key, alert.starts_at)
        if key in resolved:
            stale.append((alert, resolved[key]))
        else:
            live.append(alert)
    return live, stale


def note_stale_firing(writes: PendingWrites, gid: str, stale: list[tuple[Alert, int | None]], now: datetime) -> list[int]:
    """Say on the earlier incident (and in the log) that a late firing was ignored; returns those incidents."""
    incidents: list[int] = []
    for alert, incident_id in stale:
        log.info(
            "ignored a stale firing of alert %s (group %s, startsAt %s): it was already resolved",
            alert.key, gid, alert.starts_at.isoformat(),
        )
        if incident_id is None:
            continue
        text = f"late firing of {alert.labels.get('alertname') or alert.key} ignored: that alert (same startsAt) was already resolved"
        writes.add_timeline(TimelineWrite(incident_id, now, "note", "alertmanager", text, {"fingerprint": alert.key, "stale": True}))
        if incident_id not in incidents:
            incidents.append(incident_id)
    return incidents


def record_late_resolves(conn: sa.Connection, writes: PendingWrites, gid: str, resolved: list[Alert], now: datetime) -> list[int]:
    """Resolves of alerts whose incident is no longer active (resolved by hand): record them there.

    The alert row takes the resolved state and the incident's timeline says Alertmanager resolved
    it; no page is sent (the incident and its pages are already closed). Returns the incidents.
    """
    firing_of = {
        (row["fingerprint"], row["starts_at"]): row["incident_id"]
        for row in _states(conn, gid, resolved)
        if row["status"] == "firing" and row["incident_id"] is not None
    }
    incidents: list[int] = []
    for alert in resolved:
        incident_id = firing_of.get((alert.key, alert.starts_at))
        if incident_id is None:
            continue
        conn.execute(sql.UPDATE_ALERT, {"b_incident_id": incident_id, "b_fingerprint": alert.key, **alert_state(alert, now)})
        name = alert.labels.get("alertname") or alert.key
        writes.add_timeline(
            TimelineWrite(incident_id, now, "note", "alertmanager", f"Alertmanager resolved {name} (after the incident was closed)",
                          {"fingerprint": alert.key, "late_resolve": True})
        )
        if incident_id not in incidents:
            incidents.append(incident_id)
    return incidents
