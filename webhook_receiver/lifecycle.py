"""Incident lifecycle decisions: open, join, raise severity, resolve, acknowledge, escalate.

Why pure functions: what an alert or a command does to an incident (which columns change, which
timeline entry is written, whether the incident closes or escalates) is the product's behaviour,
and it used to be interleaved with SQL in one 750-line class whose helpers took ten loose
parameters. Here each step is a function of typed values that *returns* what to write; the store
modules (:mod:`ingest`, :mod:`incident_commands`) read the rows, call these, and write the answer.
Nothing here touches the database, the clock or the network, so every rule is unit-tested with
plain values (tests/webhook_receiver/test_receiver_lifecycle.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from burnwise.receiver.engine import IncidentConflict
from burnwise.receiver.enrich import Enrichment
from burnwise.receiver.incident_rows import escalation_plan, title
from burnwise.receiver.models import Alert, Notification, most_severe
from burnwise.receiver.paging import wants_ticket
from burnwise.receiver.values import ActiveIncident, ChainStep, EscalationState


@dataclass(frozen=True)
class TimelineWrite:
    """One timeline entry to append."""

    incident_id: int
    at: datetime
    kind: str
    actor: str
    text: str
    data: dict | None = None

    def to_row(self) -> dict:
        return {
            "incident_id": self.incident_id,
            "at": self.at,
            "kind": self.kind,
            "actor": self.actor,
            "text": self.text,
            "data": self.data,
        }


def alert_names(alerts: list[Alert]) -> str:
    return ", ".join(sorted({a.labels.get("alertname", a.key) for a in alerts}))


# --- open ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OpenDecision:
    """A new incident for a group: the row to insert (its dedup key follows from the new id)."""

    values: dict
    chain: tuple[ChainStep, ...]
    firing: tuple[Alert, ...]

    def opened(self, incident_id: int, now: datetime) -> TimelineWrite:
        """The ``detect`` entry once the row exists."""
        chain, route = self.chain, self.values["route"]
        who = chain[0].name if chain else "default routing key"
        text = f"opened by Alertmanager: {len(self.firing)} alert(s) firing; " + (
            f"paging {chain[0].role} {who}" if chain else ("ticket" if route == "ticket" else f"paging {who}")
        )
        return TimelineWrite(incident_id, now, "detect", "alertmanager", text, {"alerts": [a.key for a in self.firing]})


def dedup_key_for(instance_id: str, incident_id: int) -> str:
    """``burnwise-<instance>-<incident>``: unique across databases (a reset one, another deployment)."""
    return f"burnwise-{instance_id}-{incident_id}"


def decide_open(
    notification: Notification, firing: list[Alert], enrichment: Enrichment, force_ticket: bool, now: datetime
) -> OpenDecision:
    """The incident row a group's first firing alerts open (ticket or page, with its escalation plan)."""
    labels = enrichment.labels
    severity = most_severe([a.severity for a in firing])
    route = "ticket" if wants_ticket(severity, labels, force_ticket) else "page"
    plan = escalation_plan(enrichment, severity, route, now)
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
    chain = tuple(ChainStep.from_json(step) for step in plan["escalation_chain"])
    return OpenDecision(values, chain, tuple(firing))


# --- join and severity --------------------------------------------------------------------------
def decide_join(incident_id: int, firing: list[Alert], now: datetime) -> TimelineWrite:
    """More alerts of the group fire: they join its incident, noted on the timeline."""
    return TimelineWrite(
        incident_id, now, "detect", "alertmanager", f"firing: {alert_names(firing)}", {"alerts": [a.key for a in firing]}
    )


@dataclass(frozen=True)
class SeverityRaise:
    """The incident's severity goes up: columns to update, the entry, and which pages follow.

    ``pages``: ``open`` (a ticket starts paging: primary first), ``severity`` (re-send the trigger
    to whoever is paged now so PagerDuty shows the new severity) or ``none``.
    """

    incident_id: int
    old: str
    new: str
    updates: dict
    timeline: TimelineWrite
    pages: Literal["open", "severity", "none"]
    step: int


def decide_raise_severity(
    active: ActiveIncident,
    notification: Notification,
    firing: list[Alert],
    force_ticket: bool,
    enrichment: Callable[[], Enrichment],
    now: datetime,
) -> SeverityRaise | None:
    """A more severe alert joined; None when the severity stays.

    ``enrichment`` is called only when a ticket incident starts paging (it needs the responders);
    the caller passes one that computes the payload's enrichment at most once.
    """
    old = active.severity
    new = most_severe([old] + [a.severity for a in firing])
    if new == old or active.status == "resolved":
        return None
    updates: dict = {"severity": new, "title": title(notification, [a for a in firing if a.severity == new], new)}
    text = f"severity raised from {old} to {new}"
    now_paging = active.route == "ticket" and not wants_ticket(new, active.labels, force_ticket)
    if now_paging:
        enriched = enrichment()
        updates.update(
            route="page",
            responders=enriched.responders.to_json() if enriched.responders else None,
            routing_key=enriched.routing_key,
            escalation_step=0,
            **escalation_plan(enriched, new, "page", now),
        )
        if active.status != "open":
            updates["escalation_due_at"] = None
        text += "; paging instead of the ticket"
    pages = "open" if now_paging else ("severity" if active.route == "page" else "none")
    entry = TimelineWrite(active.id, now, "note", "alertmanager", text, {"from": old, "to": new})
    return SeverityRaise(active.id, old, new, updates, entry, pages, active.escalation_step)


# --- resolve --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Close:
    """Resolve the incident: ``by`` and the ``resolve`` timeline entry."""

    incident_id: int
    by: str
    timeline: TimelineWrite


def decide_close(incident_id: int, by: str, text: str, now: datetime) -> Close:
    return Close(incident_id, by, TimelineWrite(incident_id, now, "resolve", by, text))


def decide_alerts_resolved(
    incident_id: int, resolved: list[Alert], statuses_after: list[str], now: datetime
) -> TimelineWrite | Close:
    """Some alerts resolved: a note while others still fire, else the incident closes."""
    still_firing = sum(1 for status in statuses_after if status == "firing")
    names = alert_names(resolved)
    if still_firing:
        return TimelineWrite(incident_id, now, "note", "alertmanager", f"resolved: {names}; {still_firing} still firing")
    return decide_close(incident_id, "alertmanager", f"every alert resolved ({names})", now)


# --- acknowledge ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Acknowledge:
    incident_id: int
    by: str
    at: datetime
    timeline: TimelineWrite


def decide_acknowledge(incident_id: int, status: str, by: str, now: datetime) -> Acknowledge | None:
    """Open -> acknowledged (stops escalation); repeating it is harmless (None); resolved is a conflict."""
    if status == "resolved":
        raise IncidentConflict(f"incident {incident_id} is resolved; there is nothing to acknowledge")
    if status != "open":
        return None
    return Acknowledge(incident_id, by, now, TimelineWrite(incident_id, now, "acknowledge", by, f"acknowledged by {by}"))


# --- escalate -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StopEscalating:
    """The chain is exhausted: clear the timer."""

    incident_id: int


@dataclass(frozen=True)
class Escalate:
    """Advance from ``from_step`` to ``step`` (guarded by ``from_step``) and page ``entry``."""

    incident_id: int
    from_step: int
    step: int
    due: datetime | None
    entry: ChainStep
    timeline: TimelineWrite = field(compare=False)


def decide_escalation(state: EscalationState, now: datetime) -> Escalate | StopEscalating | None:
    """An unacknowledged incident whose timer ran out moves one step down its chain."""
    if state.status != "open" or state.escalation_due_at is None or state.escalation_due_at > now:
        return None
    chain = state.escalation_chain
    step = state.escalation_step + 1
    if step >= len(chain):
        return StopEscalating(state.id)
    timeout = state.ack_timeout_seconds or 0
    due = now + timedelta(seconds=timeout) if step + 1 < len(chain) else None
    entry = chain[step]
    text = f"not acknowledged within {timeout}s: paging {entry.role} {entry.name}"
    timeline = TimelineWrite(state.id, now, "escalate", "burnwise", text, {"role": entry.role, "contact": entry.contact})
    return Escalate(state.id, state.escalation_step, step, due, entry, timeline)
