"""Two receiver processes on one PostgreSQL: the same notification at the same moment is one
incident and one page (unique constraints, not luck)."""

from __future__ import annotations

import threading

import pytest

from tests.webhook_receiver.receiver_testlib import alert, notification, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.postgres]


def test_two_processes_same_notification_one_incident_one_page(start_receiver, pager, postgres_url, tmp_path):
    settings = {"database_url": postgres_url, "pagerduty_url": pager.enqueue_url, "pagerduty_routing_key": "R" * 32}
    receivers = [start_receiver(settings, workdir=tmp_path / name) for name in ("a", "b")]
    groups = [f"ha-{i}" for i in range(5)]
    answers: list[tuple[str, int, dict]] = []
    lock = threading.Lock()

    def post(receiver, payload, barrier):
        barrier.wait()
        response = receiver.post(payload)
        with lock:
            answers.append((payload["groupLabels"]["group"], response.status_code, response.json()))

    for group in groups:  # like an HA Alertmanager pair: both copies arrive together
        payload = notification(group, [alert("Burn"), alert("Latency")])
        barrier = threading.Barrier(2)
        threads = [threading.Thread(target=post, args=(r, payload, barrier)) for r in receivers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert sorted(code for _, code, _ in answers) == [200] * 10
    for group in groups:
        bodies = [body for g, _, body in answers if g == group]
        assert sorted(b["status"] for b in bodies) == ["accepted", "duplicate"]
    incidents = receivers[0].get("/v1/incidents").json()
    assert len(incidents) == len(groups)
    assert pager.wait_for(lambda s: len(s.events) == len(groups), timeout=15)
    assert not pager.wait_for(lambda s: len(s.events) > len(groups), timeout=1.5)
    assert sorted(e["dedup_key"] for e in pager.events) == sorted(i["dedup_key"] for i in incidents)
    assert wait_until(lambda: all(p["status"] == "sent" for p in receivers[1].incident(incidents[0]["id"])["pages"]))
    opened = sum(r.metric("burnwise_receiver_incidents_opened_total") for r in receivers)
    duplicates = sum(r.metric("burnwise_receiver_duplicates_total") for r in receivers)
    assert (opened, duplicates) == (len(groups), len(groups))
