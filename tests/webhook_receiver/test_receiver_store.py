"""Ingest, commands and escalation timers on the store itself, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

import pytest
from burnwise.receiver.models import Notification
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import IncidentConflict, Store

from burnwise.roster.directory import Contact, Directory, Responders
from tests.webhook_receiver.receiver_testlib import alert, notification

POLICY = PagingPolicy(base_url="http://receiver.test", default_routing_key="R" * 32)
T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


class FixedDirectory(Directory):
    """Test data: every label set belongs to surface 'checkout' with a three-person chain."""

    def __init__(self, ack_seconds: int = 60) -> None:
        super().__init__()
        self.ack_seconds = ack_seconds

    def surface_for(self, labels):
        return "checkout"

    def responders(self, surface, at):
        people = [Contact(id=p, name=p.title(), email=f"{p}@example.test") for p in ("ana", "bo", "cy")]
        timeouts = {"sev1": timedelta(seconds=self.ack_seconds), "sev2": timedelta(seconds=2 * self.ack_seconds)}
        return Responders(surface, *people, ack_timeouts=timeouts, routing_key="S" * 32)


@pytest.fixture
def store(db_url):
    s = Store.from_url(db_url)
    s.ensure_schema()
    try:
        yield s
    finally:
        s.engine.dispose()


def ingest(store, payload, directory=None, at=T0, **kw):
    return store.ingest(Notification.model_validate(payload), directory or Directory.empty(), POLICY, now=at, **kw)


def test_first_firing_opens_incident_with_page_and_timeline(store):
    result = ingest(store, notification("g1", [alert()]))
    assert not result.duplicate and len(result.opened) == 1 and result.pages == 1
    detail = store.get_incident(result.opened[0])
    assert (detail.status, detail.severity, detail.route) == ("open", "sev1", "page")
    assert (detail.service, detail.slo) == ("checkout", "availability")
    assert [e.kind for e in detail.timeline] == ["detect"]
    assert [(p.target, p.action, p.status) for p in detail.pages] == [("pagerduty", "trigger", "pending")]
    assert detail.pages[0].created_at == T0 and detail.opened_at.tzinfo is not None


def test_same_notification_twice_changes_nothing(store):
    payload = notification("g1", [alert()])
    first = ingest(store, payload)
    before = store.get_incident(first.opened[0])
    again = ingest(store, payload, at=T0 + timedelta(minutes=5))
    assert again.duplicate and again.pages == 0
    assert store.get_incident(first.opened[0]) == before
    assert len(store.list_incidents()) == 1


def test_later_notification_updates_the_same_incident(store):
    first = ingest(store, notification("g1", [alert("A")]))
    second = ingest(store, notification("g1", [alert("A"), alert("B")]), at=T0 + timedelta(minutes=1))
    assert second.opened == [] and second.incident_ids == first.opened and second.pages == 0
    detail = store.get_incident(first.opened[0])
    assert sorted(a.alertname for a in detail.alerts) == ["A", "B"]
    assert [e.kind for e in detail.timeline] == ["detect", "detect"]
    assert len(detail.pages) == 1


def test_resolution_of_every_alert_resolves_and_refire_opens_new(store):
    opened = ingest(store, notification("g1", [alert("A"), alert("B")])).opened[0]
    partial = ingest(store, notification("g1", [alert("A", status="resolved"), alert("B")]), at=T0 + timedelta(minutes=2))
    assert partial.resolved == [] and store.get_incident(opened).status == "open"
    done = ingest(
        store, notification("g1", [alert("A", status="resolved"), alert("B", status="resolved")]), at=T0 + timedelta(minutes=3)
    )
    assert done.resolved == [opened]
    detail = store.get_incident(opened)
    assert detail.status == "resolved" and detail.resolved_by == "alertmanager"
    assert [e.kind for e in detail.timeline] == ["detect", "note", "resolve"]
    assert [(p.action, p.body["dedup_key"]) for p in detail.pages] == [
        ("trigger", detail.dedup_key),
        ("resolve", detail.dedup_key),
    ]
    refire = ingest(store, notification("g1", [alert("A", starts_at=T0 + timedelta(hours=1))]), at=T0 + timedelta(hours=1))
    assert len(refire.opened) == 1 and refire.opened[0] != opened
    assert store.get_incident(refire.opened[0]).dedup_key != detail.dedup_key
    assert [i.status for i in store.list_incidents()] == ["open", "resolved"]


def test_sev3_routes_to_ticket_and_is_skipped_without_ticket_url(store):
    result = ingest(store, notification("g3", [alert(severity="warning"), alert("B", severity="info")]))
    detail = store.get_incident(result.opened[0])
    assert (detail.severity, detail.route) == ("sev2", "page")  # most severe alert wins
    result = ingest(store, notification("g4", [alert(severity="info")]))
    detail = store.get_incident(result.opened[0])
    assert detail.route == "ticket" and result.pages == 0
    [page] = detail.pages
    assert (page.target, page.status) == ("ticket", "skipped") and "ticket_url" in page.last_error


def test_escalation_steps_once_per_due_time_and_ack_stops_it(store):
    directory = FixedDirectory(ack_seconds=60)
    incident_id = ingest(store, notification("g1", [alert()]), directory).opened[0]
    detail = store.get_incident(incident_id)
    assert [c["role"] for c in detail.escalation_chain] == ["primary", "backup", "lead"]
    assert detail.escalation_due_at == T0 + timedelta(seconds=60)
    assert detail.pages[0].recipient["name"] == "Ana"
    assert not store.escalate(incident_id, POLICY, now=T0 + timedelta(seconds=59))
    assert store.due_escalations(T0 + timedelta(seconds=61)) == [incident_id]
    assert store.escalate(incident_id, POLICY, now=T0 + timedelta(seconds=61))
    assert not store.escalate(incident_id, POLICY, now=T0 + timedelta(seconds=62))  # no repeat of a step
    store.acknowledge(incident_id, "bo", POLICY, now=T0 + timedelta(seconds=70))
    assert store.due_escalations(T0 + timedelta(hours=1)) == []
    detail = store.get_incident(incident_id)
    assert detail.status == "acknowledged" and detail.acknowledged_by == "bo"
    assert [e.kind for e in detail.timeline] == ["detect", "escalate", "acknowledge"]
    assert [(p.action, p.recipient_role) for p in detail.pages] == [
        ("trigger", "primary"),
        ("trigger", "backup"),
        ("acknowledge", None),
        ("acknowledge", None),
    ]
    # each step paged on its own dedup key, and the acknowledgement reaches both
    triggers = [(p.body["routing_key"], p.body["dedup_key"]) for p in detail.pages[:2]]
    assert triggers[0][1] == detail.dedup_key and triggers[1][1] != detail.dedup_key
    assert [(p.body["routing_key"], p.body["dedup_key"]) for p in detail.pages[2:]] == triggers
    assert detail.pages[1].body["payload"]["custom_details"]["paged"]["contact"]["name"] == "Bo"
    assert detail.pages[1].body["routing_key"] == "S" * 32
    store.resolve(incident_id, "bo", POLICY)
    with pytest.raises(IncidentConflict):
        store.acknowledge(incident_id, "bo", POLICY)


def test_manual_commands_and_timeline(store):
    incident_id = ingest(store, notification("g1", [alert()])).opened[0]
    entry = store.add_timeline(incident_id, "mitigation", "rolled back", "ana")
    assert (entry.kind, entry.actor) == ("mitigation", "ana")
    store.resolve(incident_id, "ana", POLICY, "fixed by rollback")
    with pytest.raises(IncidentConflict):
        store.acknowledge(incident_id, "ana", POLICY)
    detail = store.get_incident(incident_id)
    assert [e.kind for e in detail.timeline] == ["detect", "mitigation", "resolve"]
    assert store.list_incidents(status="resolved", service="checkout")[0].id == incident_id
    assert store.list_incidents(status="open") == []


def test_concurrent_identical_deliveries_make_one_incident_one_page(db_url):
    stores = [Store.from_url(db_url) for _ in range(2)]
    stores[0].ensure_schema()
    payload = Notification.model_validate(notification("race", [alert("A"), alert("B")]))
    barrier = threading.Barrier(8)
    results, errors = [], []

    def deliver(store):
        try:
            barrier.wait()
            results.append(store.ingest(payload, Directory.empty(), POLICY))
        except Exception as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=deliver, args=(stores[i % 2],)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    try:
        assert errors == []
        assert sum(len(r.opened) for r in results) == 1
        assert sum(r.duplicate for r in results) == 7
        assert len(stores[0].list_incidents()) == 1
        assert len(stores[0].list_pages()) == 1
    finally:
        for store in stores:
            store.engine.dispose()


def test_more_severe_alert_turns_a_ticket_into_a_page(store):
    directory = FixedDirectory(ack_seconds=60)
    ticket = ingest(store, notification("mixed", [alert("Slow", severity="sev3")]), directory).opened[0]
    assert [(p.target, p.status) for p in store.get_incident(ticket).pages] == [("ticket", "skipped")]
    later = T0 + timedelta(minutes=10)
    joined = ingest(store, notification("mixed", [alert("Slow", severity="sev3"), alert("Fast")]), directory, at=later)
    assert joined.opened == [] and joined.pages == 1
    detail = store.get_incident(ticket)
    assert (detail.severity, detail.route, detail.title.split()[0]) == ("sev1", "page", "[sev1]")
    assert detail.escalation_due_at == later + timedelta(seconds=60)
    assert [(p.target, p.action, p.recipient_role) for p in detail.pages][-1] == ("pagerduty", "trigger", "primary")
    assert detail.timeline[-1].text == "severity raised from sev3 to sev1; paging instead of the ticket"


def test_more_severe_alert_updates_the_page(store):
    incident = ingest(store, notification("raise", [alert("Slow", severity="sev2")])).opened[0]
    ingest(store, notification("raise", [alert("Slow", severity="sev2"), alert("Fast")]), at=T0 + timedelta(minutes=1))
    again = ingest(store, notification("raise", [alert("Slow", severity="sev2"), alert("Fast")]), at=T0 + timedelta(minutes=2))
    assert again.duplicate
    detail = store.get_incident(incident)
    severities = [p.body["payload"]["severity"] for p in detail.pages]
    assert severities == ["error", "critical"]
    assert {p.body["dedup_key"] for p in detail.pages} == {detail.dedup_key}


def test_outbox_keeps_each_incidents_order_per_target(store):
    """A resolve is not due while its incident's trigger is pending (even in backoff); other
    incidents' pages stay due meanwhile (issue 15 #1)."""
    first = ingest(store, notification("ordered", [alert()])).opened[0]
    ingest(store, notification("ordered", [alert(status="resolved")]), at=T0 + timedelta(seconds=1))
    other = ingest(store, notification("other", [alert()]), at=T0 + timedelta(seconds=2)).opened[0]
    now = T0 + timedelta(seconds=5)
    claimed = store.claim_due_pages(60, limit=10, now=now)
    assert [(p.incident_id, p.action) for p in claimed] == [(first, "trigger"), (other, "trigger")]
    trigger = claimed[0]
    # the trigger fails and backs off: its resolve must still wait, even long after it is due
    store.record_delivery(trigger.id, status="pending", status_code=429, error="HTTP 429", next_attempt_at=now + timedelta(minutes=5), now=now)
    assert store.claim_due_pages(60, limit=10, now=now + timedelta(minutes=1)) == []
    store.record_delivery(claimed[1].id, status="sent", status_code=202, error=None, now=now)
    retried = store.claim_due_pages(60, limit=10, now=now + timedelta(minutes=5))
    assert [(p.incident_id, p.action) for p in retried] == [(first, "trigger")]
    store.record_delivery(trigger.id, status="sent", status_code=202, error=None, now=now + timedelta(minutes=5))
    after = store.claim_due_pages(60, limit=10, now=now + timedelta(minutes=5))
    assert [(p.incident_id, p.action) for p in after] == [(first, "resolve")]
    assert after[0].body["dedup_key"] == trigger.body["dedup_key"]


def test_only_delivery_outcomes_commit_without_fsync(tmp_path):
    """SQLite: payloads and leases commit with synchronous=FULL, delivery outcomes with NORMAL.

    Why it matters: a 2xx payload must survive a power loss; an outcome may be lost (the page is
    re-sent on its dedup key, see delivery_recorder), and that relaxation must never leak into the
    next transaction that reuses the pooled connection.
    """
    import sqlalchemy as sa
    from burnwise.receiver import outbox_queue

    store = Store.from_url(f"sqlite:///{tmp_path / 'durability.db'}")
    seen: list[tuple[str, int]] = []

    def spy(conn, cursor, statement, *_):
        words = statement.split()
        if words[0] in ("INSERT", "UPDATE"):
            level = cursor.connection.execute("PRAGMA synchronous").fetchone()[0]
            kind = words[0].lower()
            if kind == "update" and "outbox" in statement:
                kind = "lease" if "RETURNING" in statement else "outcome"
            seen.append((kind, level))

    try:
        store.ensure_schema()
        sa.event.listen(store.engine, "before_cursor_execute", spy)
        ingest(store, notification("g1", [alert()]))
        ingest(store, notification("g2", [alert()]))
        pages = store.claim_due_pages(30, limit=5, now=T0 + timedelta(seconds=1))
        assert len(pages) == 2
        store.record_delivery(pages[0].id, status="sent", status_code=202, error=None)
        outbox_queue.record_deliveries(store.db, [{"page_id": pages[1].id, "status": "sent", "status_code": 202, "error": None}])
        ingest(store, notification("g3", [alert()]))  # same pooled connection: durable again
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", spy)
        store.engine.dispose()
    FULL, NORMAL = 2, 1
    assert {level for kind, level in seen if kind == "outcome"} == {NORMAL}
    assert {level for kind, level in seen if kind != "outcome"} == {FULL}
    assert [kind for kind, _ in seen].count("outcome") == 2 and "lease" in [kind for kind, _ in seen]
    assert seen[-1][1] == FULL


def test_a_schema_2_database_gets_the_claim_indexes_when_it_starts(db_url):
    """Databases created before the claim's indexes existed get them (a 10,000-page backlog
    claimed at 54 ms per claim on PostgreSQL without ix_outbox_incident_order)."""
    import sqlalchemy as sa

    wanted = {"ix_outbox_due", "ix_outbox_incident_order"}
    old = Store.from_url(db_url)
    old.ensure_schema()
    with old.engine.begin() as conn:  # make it look like a database created by schema version 2
        for name in sorted(wanted):
            conn.execute(sa.text(f"DROP INDEX {name}"))
        conn.execute(sa.text("UPDATE burnwise_schema SET version = 2"))
    assert not wanted & {ix["name"] for ix in sa.inspect(old.engine).get_indexes("outbox")}
    old.engine.dispose()
    store = Store.from_url(db_url)
    try:
        store.ensure_schema()
        assert wanted <= {ix["name"] for ix in sa.inspect(store.engine).get_indexes("outbox")}
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT version FROM burnwise_schema")).scalar() == 3
        ingest(store, notification("after-migration", [alert()]))
        assert len(store.claim_due_pages(30, limit=5, now=T0 + timedelta(seconds=1))) == 1
    finally:
        store.engine.dispose()
