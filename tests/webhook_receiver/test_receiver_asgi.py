"""The app in-process (ASGI test client), in addition to the real-process tests: the outbox
holds a committed page until a worker runs, and the worker's retry bookkeeping."""

from __future__ import annotations

from datetime import timedelta

from burnwise.receiver.api import create_app
from burnwise.receiver.config import ReceiverConfig
from fastapi.testclient import TestClient

from tests.webhook_receiver.receiver_testlib import alert, notification


def app_without_worker(tmp_path, pager):
    """The receiver app on a fresh SQLite file, paging the stub; no outbox worker runs by itself."""
    config = ReceiverConfig(
        database_url=f"sqlite:///{tmp_path / 'asgi.db'}",
        pagerduty_url=pager.enqueue_url,
        pagerduty_routing_key="R" * 32,
    )
    return create_app(config, start_worker=False)


def test_page_waits_in_outbox_until_a_worker_delivers_it(tmp_path, pager):
    app = app_without_worker(tmp_path, pager)
    with TestClient(app) as client:
        assert client.get("/readyz").json() == {"status": "ready"}
        answer = client.post("/v1/alertmanager", json=notification("asgi", [alert()])).json()
        assert answer["status"] == "accepted" and answer["pages"] == 1
        assert "burnwise_receiver_outbox_depth 1.0" in client.get("/metrics").text
        assert pager.requests == []  # committed, not yet sent: no worker runs
        pager.fail_next(502, 1)
        worker = app.state.worker
        assert worker.run_once() == 1  # 502: kept for a retry later
        [page] = app.state.store.list_pages()
        assert (page.status, page.attempts, page.last_status_code) == ("pending", 1, 502)
        assert page.next_attempt_at > page.created_at
        assert worker.run_once(now=page.next_attempt_at - timedelta(milliseconds=1)) == 0  # not due yet
        assert worker.run_once(now=page.next_attempt_at) == 1
        assert [r.status for r in pager.requests] == [502, 202]
        [page] = app.state.store.list_pages()
        assert (page.status, page.attempts) == ("sent", 2)
        assert "burnwise_receiver_outbox_depth 0.0" in client.get("/metrics").text


def test_time_to_acknowledge_is_exported_once_per_incident(tmp_path, pager):
    app = app_without_worker(tmp_path, pager)
    with TestClient(app) as client:
        client.post("/v1/alertmanager", json=notification("tta", [alert(severity="sev1")]))
        [incident] = client.get("/v1/incidents").json()
        assert client.post(f"/v1/incidents/{incident['id']}/ack", json={"by": "ana"}).status_code == 200
        assert client.post(f"/v1/incidents/{incident['id']}/ack", json={"by": "ana"}).status_code == 200
        text = client.get("/metrics").text
        line = next(l for l in text.splitlines() if l.startswith("burnwise_receiver_time_to_acknowledge_seconds_count{"))
        assert 'severity="sev1"' in line and line.endswith(" 1.0"), line
