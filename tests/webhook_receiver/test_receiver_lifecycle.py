"""The pure lifecycle decisions (no database), and enrichment running once per payload."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from burnwise.receiver import ingest as ingest_module
from burnwise.receiver import statements
from burnwise.receiver.engine import IncidentConflict
from burnwise.receiver.enrich import Enrichment
from burnwise.receiver.lifecycle import (
    Close,
    Escalate,
    StopEscalating,
    TimelineWrite,
    decide_acknowledge,
    decide_alerts_resolved,
    decide_escalation,
    decide_join,
    decide_open,
    decide_raise_severity,
)
from burnwise.receiver.models import Notification
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import Store
from burnwise.receiver.values import ActiveIncident, ChainStep, EscalationState

from burnwise.roster.directory import Contact, Directory, Responders
from tests.webhook_receiver.receiver_testlib import alert, notification

T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
CHAIN = (ChainStep("primary", {"name": "Ana"}), ChainStep("backup", {"name": "Bo"}), ChainStep("lead", {"name": "Cy"}))


def note(payload: dict) -> Notification:
    return Notification.model_validate(payload)


def responders() -> Responders:
    people = [Contact(id=p, name=p.title(), email=f"{p}@example.test") for p in ("ana", "bo", "cy")]
    return Responders("checkout", *people, ack_timeouts={"sev1": timedelta(seconds=60)}, routing_key="S" * 32)


def enrichment_with_chain() -> Enrichment:
    return Enrichment(labels={"service": "checkout"}, surface="checkout", responders=responders(), routing_key="S" * 32)


def test_open_pages_sev1_with_its_chain_and_timer_and_tickets_sev3():
    n = note(notification("g", [alert(severity="sev1")]))
    decision = decide_open(n, n.alerts, enrichment_with_chain(), False, T0)
    assert decision.values["route"] == "page" and decision.values["severity"] == "sev1"
    assert [s.role for s in decision.chain] == ["primary", "backup", "lead"]
    assert decision.values["escalation_due_at"] == T0 + timedelta(seconds=60)
    entry = decision.opened(7, T0)
    assert entry.text == "opened by Alertmanager: 1 alert(s) firing; paging primary Ana" and entry.incident_id == 7

    n3 = note(notification("g", [alert(severity="sev3")]))
    ticket = decide_open(n3, n3.alerts, enrichment_with_chain(), False, T0)
    assert ticket.values["route"] == "ticket" and ticket.chain == () and ticket.values["escalation_due_at"] is None
    assert ticket.opened(8, T0).text.endswith("; ticket")
    forced = decide_open(n, n.alerts, enrichment_with_chain(), True, T0)
    assert forced.values["route"] == "ticket"


def test_join_names_the_new_alerts():
    n = note(notification("g", [alert("B"), alert("A")]))
    assert decide_join(3, n.alerts, T0) == TimelineWrite(3, T0, "detect", "alertmanager", "firing: A, B", {"alerts": ["fp-B-checkout", "fp-A-checkout"]})


def test_raise_severity_only_upwards_and_a_ticket_starts_paging():
    calls = []

    def enrichment():
        calls.append(1)
        return enrichment_with_chain()

    sev1 = note(notification("g", [alert(severity="sev1")]))
    paging = ActiveIncident(4, "open", "sev1", "page", {}, 0)
    assert decide_raise_severity(paging, sev1, sev1.alerts, False, enrichment, T0) is None
    lower = ActiveIncident(4, "open", "sev2", "page", {}, 1)
    raised = decide_raise_severity(lower, sev1, sev1.alerts, False, enrichment, T0)
    assert (raised.old, raised.new, raised.pages, raised.step) == ("sev2", "sev1", "severity", 1)
    assert "route" not in raised.updates and calls == []  # no enrichment needed to re-send a trigger

    ticket = ActiveIncident(5, "acknowledged", "sev3", "ticket", {}, 0)
    raised = decide_raise_severity(ticket, sev1, sev1.alerts, False, enrichment, T0)
    assert raised.pages == "open" and raised.updates["route"] == "page" and calls == [1]
    assert raised.updates["escalation_due_at"] is None  # acknowledged: no timer
    assert raised.timeline.text == "severity raised from sev3 to sev1; paging instead of the ticket"
    forced = decide_raise_severity(ticket, sev1, sev1.alerts, True, enrichment, T0)
    assert forced.pages == "none"


def test_resolved_alerts_note_while_others_fire_then_close():
    n = note(notification("g", [alert("A", status="resolved")]))
    partial = decide_alerts_resolved(2, n.alerts, ["resolved", "firing"], T0)
    assert isinstance(partial, TimelineWrite) and partial.text == "resolved: A; 1 still firing"
    closed = decide_alerts_resolved(2, n.alerts, ["resolved", "resolved"], T0)
    assert isinstance(closed, Close) and closed.by == "alertmanager"
    assert closed.timeline.kind == "resolve" and closed.timeline.text == "every alert resolved (A)"


def test_acknowledge_open_once_and_refuse_resolved():
    ack = decide_acknowledge(1, "open", "ana", T0)
    assert ack.by == "ana" and ack.timeline.text == "acknowledged by ana"
    assert decide_acknowledge(1, "acknowledged", "bo", T0) is None
    with pytest.raises(IncidentConflict):
        decide_acknowledge(1, "resolved", "ana", T0)


def test_escalation_steps_down_the_chain_then_stops():
    state = EscalationState(9, "open", 0, CHAIN, T0, 60)
    assert decide_escalation(state, T0 - timedelta(seconds=1)) is None  # not due yet
    step = decide_escalation(state, T0)
    assert isinstance(step, Escalate) and (step.from_step, step.step, step.entry.role) == (0, 1, "backup")
    assert step.due == T0 + timedelta(seconds=60)
    assert step.timeline.text == "not acknowledged within 60s: paging backup Bo"
    last = decide_escalation(EscalationState(9, "open", 1, CHAIN, T0, 60), T0)
    assert last.step == 2 and last.due is None  # the lead is the end of the chain
    assert decide_escalation(EscalationState(9, "open", 2, CHAIN, T0, 60), T0) == StopEscalating(9)
    assert decide_escalation(EscalationState(9, "acknowledged", 0, CHAIN, T0, 60), T0) is None


class CountingDirectory(Directory):
    def __init__(self) -> None:
        super().__init__()
        self.lookups = 0

    def surface_for(self, labels):
        self.lookups += 1
        return "checkout"

    def responders(self, surface, at):
        return responders()


class FirstActiveReadMisses:
    """The statements module, except the first read of active incidents finds none.

    That is what a payload sees when another receiver process opens the group's incident between
    its read and its insert: it tries to open, loses the insert, and joins instead.
    """

    def __init__(self) -> None:
        self.reads = 0

    def __getattr__(self, name):
        if name == "SELECT_ACTIVE":
            self.reads += 1
            if self.reads == 1:
                return statements.SELECT_ACTIVE.where(sa.false())
        return getattr(statements, name)


def test_enrichment_runs_once_per_payload_when_a_lost_open_turns_into_a_join(tmp_path, monkeypatch):
    store = Store.from_url(f"sqlite:///{tmp_path / 'once.db'}")
    policy = PagingPolicy(base_url="http://receiver.test", default_routing_key="R" * 32)
    try:
        directory = CountingDirectory()
        first = store.ingest(note(notification("g", [alert("Slow", severity="sev3")])), directory, policy, now=T0)
        assert store.get_incident(first.opened[0]).route == "ticket"
        directory.lookups = 0
        monkeypatch.setattr(ingest_module, "sql", FirstActiveReadMisses())
        second = store.ingest(note(notification("g", [alert("Burn", severity="sev1")])), directory, policy, now=T0)
        assert second.incident_ids == first.opened and second.opened == []
        detail = store.get_incident(first.opened[0])
        assert (detail.route, detail.severity) == ("page", "sev1")  # the join raised it to a page
        assert directory.lookups == 1  # one enrichment for the payload, not one per step
    finally:
        store.engine.dispose()
