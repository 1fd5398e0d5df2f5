"""Issue 15 against real `burnwise serve` processes and the PagerDuty-faithful pager stub.

Each test asserts what a person would have been notified of (``pager.notifications``) and what
is left open at the pager (``pager.open_incidents()``), the way a team trusting its pager would.
"""

from __future__ import annotations

import time
from collections import Counter

import pytest

from tests.webhook_receiver.receiver_testlib import alert, notification, wait_until

pytestmark = pytest.mark.integration

ROUTING = "R" * 32


def settings(tmp_path, pager, name: str = "pages", **extra) -> dict:
    return {
        "database_url": f"sqlite:///{tmp_path / f'{name}.db'}",
        "pagerduty_url": pager.enqueue_url,
        "pagerduty_routing_key": ROUTING,
        **extra,
    }


def drained(receiver) -> bool:
    return receiver.metric("burnwise_receiver_outbox_depth") == 0


def test_resolve_never_overtakes_a_trigger_in_backoff(start_receiver, pager, tmp_path):
    """#1: 429s while alerts fire and resolve: the pager must end with nothing left open."""
    pager.fail_next(429, 6)
    receiver = start_receiver(settings(tmp_path, pager))
    groups = [f"flap-{n}" for n in range(4)]
    for group in groups:
        assert receiver.post(notification(group, [alert()])).status_code == 200
    for group in groups:
        assert receiver.post(notification(group, [alert(status="resolved")])).json()["resolved"]
    assert wait_until(lambda: drained(receiver), timeout=30), receiver.log()
    assert pager.open_incidents() == [], [i.dedup_key for i in pager.open_incidents()]
    for event_list in (pager.events,):
        # per dedup key the pager saw trigger, then resolve: never resolve first
        order: dict[str, list[str]] = {}
        for event in event_list:
            order.setdefault(event["dedup_key"], []).append(event["event_action"])
        assert all(actions == ["trigger", "resolve"] for actions in order.values()), order


def test_hung_chat_webhook_does_not_delay_pages(start_receiver, pager, tmp_path):
    """#3: a chat target that takes 5 s per call must not hold up pages (separate lanes)."""
    pager.hang("/chat", 5.0)
    receiver = start_receiver(settings(tmp_path, pager, chat_url=pager.webhook_url("chat"), delivery_timeout_seconds=10))
    started = time.monotonic()
    for n in range(6):
        receiver.post(notification(f"chatty-{n}", [alert()]))
    assert pager.wait_for(lambda s: len(s.notifications) == 6, timeout=10), receiver.log()
    assert time.monotonic() - started < 3.0  # old: one serial worker, 5 s of chat before each next page
    pager.hang("/chat", 0)


def test_retry_after_is_honoured(start_receiver, pager, tmp_path):
    """#4: PagerDuty's Retry-After decides the wait, not the (much shorter) backoff."""
    pager.fail_next(429, 1, retry_after=2)
    receiver = start_receiver(settings(tmp_path, pager, retry={"base_seconds": 0.05, "max_seconds": 5.0, "max_attempts": 30}))
    receiver.post(notification("slow-down", [alert()]))
    assert pager.wait_for(lambda s: len(s.notifications) == 1, timeout=15), receiver.log()
    first, second = pager.requests[:2]
    assert first.status == 429 and second.status == 202
    assert second.at - first.at >= 1.9


def test_page_of_an_open_incident_is_never_given_up(start_receiver, pager, tmp_path):
    """#4: past max_attempts the page keeps trying (operator alerted), and reaches the person."""
    pager.fail_next(503, 5)
    retry = {"base_seconds": 0.1, "max_seconds": 0.3, "max_attempts": 2}
    receiver = start_receiver(settings(tmp_path, pager, retry=retry))
    incident_id = receiver.post(notification("stubborn", [alert()])).json()["opened"][0]
    assert pager.wait_for(lambda s: len(s.notifications) == 1, timeout=15), receiver.log()
    assert wait_until(lambda: receiver.incident(incident_id)["pages"][0]["status"] == "sent")
    detail = receiver.incident(incident_id)
    assert detail["pages"][0]["attempts"] == 6
    overdue = [e for e in detail["timeline"] if "still undelivered" in e["text"]]
    assert len(overdue) == 1 and overdue[0]["kind"] == "note"
    assert receiver.metric('burnwise_receiver_pages_not_delivered_total{reason="overdue",target="pagerduty"}') == 1
    assert receiver.metric('burnwise_receiver_pages_failed_total{target="pagerduty"}') == 0
    assert "ERROR" in receiver.log() and "still undelivered" in receiver.log()


def test_unroutable_page_is_loud(start_receiver, pager, tmp_path):
    """#5: no routing key anywhere: ERROR line, metric by reason, timeline entry, and not counted."""
    only_lead = {"role_routing_keys": {"lead": "L" * 32}}  # a route exists, but not for this page
    receiver = start_receiver({"database_url": f"sqlite:///{tmp_path / 'loud.db'}", "pagerduty_url": pager.enqueue_url, **only_lead})
    answer = receiver.post(notification("nokey", [alert(severity="sev1")])).json()
    assert answer["pages"] == 0
    detail = receiver.incident(answer["opened"][0])
    [entry] = [e for e in detail["timeline"] if e["kind"] == "note"]
    assert "not sent" in entry["text"] and "routing key" in entry["text"] and entry["data"]["reason"] == "no_routing_key"
    assert receiver.metric('burnwise_receiver_pages_not_delivered_total{reason="no_routing_key",target="pagerduty"}') == 1
    assert wait_until(lambda: "page not sent (no_routing_key)" in receiver.log(), timeout=5)
    assert "ERROR" in [line.split()[2] for line in receiver.log().splitlines() if "no_routing_key" in line][0]


def test_oversized_event_is_retried_once_trimmed(start_receiver, pager, tmp_path):
    """#5: a trigger over PagerDuty's 512 KB (a huge runbook link) is sent again trimmed."""
    receiver = start_receiver(settings(tmp_path, pager))
    huge = alert()
    huge["annotations"]["runbook_url"] = "https://runbooks.test/" + "x" * (600 * 1024)
    incident_id = receiver.post(notification("huge", [huge])).json()["opened"][0]
    assert pager.wait_for(lambda s: len(s.notifications) == 1, timeout=15), receiver.log()
    assert [r.status for r in pager.requests] == [400, 202]
    [event] = pager.events
    assert event["payload"]["custom_details"]["trimmed"] is True and event["payload"]["summary"]
    assert wait_until(lambda: receiver.incident(incident_id)["pages"][0]["status"] == "sent")
    assert any("sent trimmed" in e["text"] for e in receiver.incident(incident_id)["timeline"])


def test_two_replicas_with_a_slow_pager_send_no_duplicates(start_receiver, pager, tmp_path):
    """#7: one lease per delivery: a replica never re-sends a page another one is still delivering."""
    pager.hang("/v2/enqueue", 1.0)
    shared = {"claim_lease_seconds": 2.5, "concurrency": {"pagerduty": 4, "ticket": 1, "chat": 1}}
    first = start_receiver(settings(tmp_path, pager, name="shared", **shared))
    second = start_receiver(settings(tmp_path, pager, name="shared", **shared))
    for n in range(12):
        (first if n % 2 else second).post(notification(f"slow-{n}", [alert()]))
    assert pager.wait_for(lambda s: len(s.notifications) == 12, timeout=40), first.log()
    assert wait_until(lambda: drained(first), timeout=20)
    time.sleep(1.5)
    sent = Counter(e["dedup_key"] for e in pager.events)
    assert max(sent.values()) == 1, sent
    pager.hang("/v2/enqueue", 0)


def test_dedup_keys_differ_across_databases(start_receiver, pager, tmp_path):
    """#10: two deployments (or a reset database) sharing a routing key never merge incidents."""
    one = start_receiver(settings(tmp_path, pager, name="one"))
    two = start_receiver(settings(tmp_path, pager, name="two"))
    a = one.post(notification("same", [alert()])).json()["opened"][0]
    b = two.post(notification("same", [alert()])).json()["opened"][0]
    assert a == b == 1
    assert pager.wait_for(lambda s: len(s.events) == 2, timeout=10)
    assert one.incident(a)["dedup_key"] != two.incident(b)["dedup_key"]
    assert len(pager.notifications) == 2 and len(pager.open_incidents()) == 2
