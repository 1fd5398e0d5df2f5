"""Issue 15 item 6 and 9b: Alertmanager semantics for states that arrive late, against `burnwise serve`.

A firing whose alert (fingerprint, startsAt) was already resolved is stale: no incident, no page.
Resolves repeated for 15 minutes change nothing. A manual resolve still records Alertmanager's
resolve. A group that truly fires again (a new startsAt) opens a new incident.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.webhook_receiver.receiver_testlib import alert, notification, wait_until

pytestmark = pytest.mark.integration

ROUTING = "L" * 32
T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


def start(start_receiver, pager, tmp_path):
    return start_receiver(
        {"database_url": f"sqlite:///{tmp_path / 'late.db'}", "pagerduty_url": pager.enqueue_url, "pagerduty_routing_key": ROUTING}
    )


def incidents(receiver) -> list[dict]:
    return receiver.get("/v1/incidents").json()


def test_stale_firing_after_resolve_opens_nothing(start_receiver, pager, tmp_path):
    """The resolve overtook the firing (HA peer, group re-send): the late firing pages nobody."""
    receiver = start(start_receiver, pager, tmp_path)
    assert receiver.post(notification("late", [alert(status="resolved", starts_at=T0)])).status_code == 200
    answer = receiver.post(notification("late", [alert(starts_at=T0)])).json()
    assert answer["opened"] == [] and answer["pages"] == 0, answer
    assert incidents(receiver) == [] and pager.events == []
    assert "ignored a stale firing" in receiver.log()
    # a later payload with the stale firing next to a new alert: only the new alert opens
    fresh = receiver.post(notification("late", [alert(starts_at=T0), alert("Other", starts_at=T0, fingerprint="fp-o")])).json()
    [opened] = fresh["opened"]
    assert [a["fingerprint"] for a in receiver.incident(opened)["alerts"]] == ["fp-o"]
    assert pager.wait_for(lambda s: len(s.notifications) == 1, timeout=10)


def test_repeated_resolves_and_a_late_firing_change_nothing(start_receiver, pager, tmp_path):
    """Fire, resolve, then 15 minutes of resolve re-sends and one stale firing: one incident, closed."""
    receiver = start(start_receiver, pager, tmp_path)
    a, b = alert("A", starts_at=T0, fingerprint="fp-a"), alert("B", starts_at=T0, fingerprint="fp-b")
    incident_id = receiver.post(notification("flappy", [a, b])).json()["opened"][0]
    assert pager.wait_for(lambda s: len(s.notifications) == 1, timeout=10), receiver.log()
    assert receiver.post(notification("flappy", [alert("A", "resolved", "fp-a", starts_at=T0)])).json()["resolved"] == []
    assert receiver.post(notification("flappy", [alert("B", "resolved", "fp-b", starts_at=T0)])).json()["resolved"] == [incident_id]
    for minute in range(0, 15, 3):  # Prometheus re-sends resolved alerts (endsAt moves)
        again = alert("A", "resolved", "fp-a", starts_at=T0)
        again["endsAt"] = (T0 + timedelta(minutes=31 + minute)).isoformat().replace("+00:00", "Z")
        assert receiver.post(notification("flappy", [again])).json()["status"] == "duplicate"
    # a stale firing of B (same startsAt), re-delivered by the group after the resolve
    stale = receiver.post(notification("flappy", [alert("B", starts_at=T0, fingerprint="fp-b")])).json()
    assert stale["opened"] == [] and stale["pages"] == 0 and stale["status"] == "duplicate"
    assert [i["id"] for i in incidents(receiver)] == [incident_id]
    assert receiver.incident(incident_id)["status"] == "resolved"
    assert wait_until(lambda: pager.open_incidents() == [], timeout=10)
    assert len(pager.notifications) == 1


def test_manual_resolve_still_records_alertmanagers_resolve(start_receiver, pager, tmp_path):
    """9b: after `incident resolve`, Alertmanager's own resolve marks the alert resolved on that incident."""
    receiver = start(start_receiver, pager, tmp_path)
    incident_id = receiver.post(notification("manual", [alert(starts_at=T0)])).json()["opened"][0]
    assert receiver.post({"by": "ana", "text": "fixed"}, f"/v1/incidents/{incident_id}/resolve").status_code == 200
    assert [a["status"] for a in receiver.incident(incident_id)["alerts"]] == ["firing"]
    answer = receiver.post(notification("manual", [alert(status="resolved", starts_at=T0)])).json()
    assert answer["opened"] == [] and answer["incidents"] == [incident_id], answer
    detail = receiver.incident(incident_id)
    assert [a["status"] for a in detail["alerts"]] == ["resolved"]
    assert any("Alertmanager resolved" in e["text"] for e in detail["timeline"])
    assert detail["resolved_by"] == "ana"


def test_true_refire_with_a_new_starts_at_opens_a_new_incident(start_receiver, pager, tmp_path):
    receiver = start(start_receiver, pager, tmp_path)
    first = receiver.post(notification("again", [alert(starts_at=T0)])).json()["opened"][0]
    assert receiver.post(notification("again", [alert(status="resolved", starts_at=T0)])).json()["resolved"] == [first]
    later = T0 + timedelta(hours=1)
    second = receiver.post(notification("again", [alert(starts_at=later)])).json()["opened"]
    assert second and second[0] != first
    assert pager.wait_for(lambda s: len(s.notifications) == 2, timeout=10), receiver.log()


def test_ack_and_resolve_behind_a_trigger_in_backoff_collapse_to_trigger_then_follow_up(start_receiver, pager, tmp_path):
    """Collapse rule: an ack/resolve written while its trigger is undelivered goes out after it, never alone."""
    receiver = start(start_receiver, pager, tmp_path)
    pager.fail_next(503, 4)
    acked = receiver.post(notification("ack-early", [alert(starts_at=T0)])).json()["opened"][0]
    gone = receiver.post(notification("gone-early", [alert("Other", starts_at=T0, fingerprint="fp-other")])).json()["opened"][0]
    assert receiver.post({"by": "ana"}, f"/v1/incidents/{acked}/ack").status_code == 200
    assert receiver.post(notification("gone-early", [alert("Other", "resolved", "fp-other", starts_at=T0)])).json()["resolved"] == [gone]
    assert wait_until(lambda: receiver.metric("burnwise_receiver_outbox_depth") == 0, timeout=30), receiver.log()
    order: dict[str, list[str]] = {}
    for event in pager.events:
        order.setdefault(event["dedup_key"], []).append(event["event_action"])
    assert order == {
        receiver.incident(acked)["dedup_key"]: ["trigger", "acknowledge"],
        receiver.incident(gone)["dedup_key"]: ["trigger", "resolve"],
    }
    assert sorted(i.status for i in pager.incidents()) == ["acknowledged", "resolved"]
