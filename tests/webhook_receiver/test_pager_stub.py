"""The test pager models PagerDuty Events API v2 state: what a person would have been notified of."""

from __future__ import annotations

import requests

ROUTING = "R" * 32


def send(pager, action: str, dedup_key: str | None, routing_key: str = ROUTING, **extra) -> requests.Response:
    event = {"routing_key": routing_key, "event_action": action, **extra}
    if dedup_key is not None:
        event["dedup_key"] = dedup_key
    if action == "trigger":
        event.setdefault("payload", {"summary": f"down: {dedup_key}", "source": "checkout", "severity": "critical"})
    return requests.post(pager.enqueue_url, json=event, timeout=5)


def test_trigger_opens_once_and_appends_without_notifying(pager):
    assert send(pager, "trigger", "k1").status_code == 202
    assert send(pager, "trigger", "k1").status_code == 202  # same key, open: appended
    assert [n.dedup_key for n in pager.notifications] == ["k1"]
    [incident] = pager.open_incidents()
    assert (incident.dedup_key, incident.status, len(incident.events)) == ("k1", "triggered", 2)
    # the same dedup key on another routing key (another service) is another incident
    send(pager, "trigger", "k1", routing_key="S" * 32)
    assert len(pager.notifications) == 2 and len(pager.open_incidents()) == 2


def test_resolve_or_ack_of_unknown_key_does_nothing_and_a_later_trigger_stays_open(pager):
    assert send(pager, "resolve", "late").status_code == 202  # accepted, but no incident
    assert send(pager, "acknowledge", "late").status_code == 202
    assert pager.incidents() == [] and pager.notifications == []
    send(pager, "trigger", "late")  # the trigger that was overtaken arrives: it opens and stays open
    assert [i.dedup_key for i in pager.open_incidents()] == ["late"]


def test_ack_then_resolve_then_trigger_opens_a_new_incident(pager):
    send(pager, "trigger", "k")
    send(pager, "acknowledge", "k")
    assert pager.incident(ROUTING, "k").status == "acknowledged"
    send(pager, "trigger", "k")  # still open (acknowledged): appended, no new notification
    assert len(pager.notifications) == 1
    send(pager, "resolve", "k")
    assert pager.open_incidents() == []
    send(pager, "resolve", "k")  # resolving a resolved key: nothing
    send(pager, "trigger", "k")  # after a resolve the same key opens a new incident and notifies
    assert len(pager.notifications) == 2 and len(pager.incidents()) == 2 and len(pager.open_incidents()) == 1


def test_failures_on_demand_with_retry_after_and_size_limit(pager):
    pager.fail_next(429, 1, retry_after=3)
    answer = send(pager, "trigger", "k")
    assert answer.status_code == 429 and answer.headers["Retry-After"] == "3"
    pager.fail_next(503)
    assert send(pager, "trigger", "k").status_code == 503
    assert pager.notifications == []  # refused events change nothing
    big = {"summary": "big", "source": "s", "severity": "error", "custom_details": {"blob": "x" * (512 * 1024)}}
    answer = send(pager, "trigger", "big", payload=big)
    assert answer.status_code == 400 and "512 KB" in answer.text
    assert send(pager, "trigger", None, payload={"summary": "", "source": "s", "severity": "error"}).status_code == 400
    assert pager.notifications == [] and pager.incidents() == []
    assert send(pager, "trigger", "k").status_code == 202 and len(pager.notifications) == 1


def test_hang_delays_only_its_path(pager):
    import time

    pager.hang("/chat", 1.0)
    started = time.monotonic()
    send(pager, "trigger", "fast")
    assert time.monotonic() - started < 0.5
    started = time.monotonic()
    assert requests.post(pager.webhook_url("chat"), json={}, timeout=5).status_code == 200
    assert time.monotonic() - started >= 1.0
