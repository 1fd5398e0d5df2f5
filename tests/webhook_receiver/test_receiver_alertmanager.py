"""The real Alertmanager (0.25) notifying a real receiver: what it actually sends parses, opens
one incident, pages, and resolves it - with bearer-token auth as Alertmanager sends it."""

from __future__ import annotations

import subprocess
from datetime import datetime, timedelta, timezone

import pytest
import requests
import yaml

from tests.conftest import stop_process
from tests.webhook_receiver.receiver_testlib import TOKEN, free_port, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def alertmanager(alertmanager_bin, tmp_path):
    """Start Alertmanager for a receiver URL; returns its base URL. Stopped by pid at teardown."""
    procs: list[subprocess.Popen] = []

    def start(webhook_url: str) -> str:
        port = free_port()
        config = {
            "route": {
                "receiver": "burnwise",
                "group_by": ["alertname", "service", "slo"],
                "group_wait": "0s",
                "group_interval": "1s",
                "repeat_interval": "1h",
            },
            "receivers": [
                {
                    "name": "burnwise",
                    "webhook_configs": [
                        {
                            "url": webhook_url,
                            "send_resolved": True,
                            "http_config": {"authorization": {"type": "Bearer", "credentials": TOKEN}},
                        }
                    ],
                }
            ],
        }
        (tmp_path / "am.yml").write_text(yaml.safe_dump(config))
        log = open(tmp_path / "alertmanager.log", "wb")
        proc = subprocess.Popen(
            [
                alertmanager_bin,
                f"--config.file={tmp_path / 'am.yml'}",
                f"--storage.path={tmp_path / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                f"--web.external-url=http://127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"

        def ready() -> bool:
            try:
                return requests.get(url + "/-/ready", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(ready, timeout=30), (tmp_path / "alertmanager.log").read_text()
        return url

    try:
        yield start
    finally:
        for proc in procs:
            stop_process(proc, grace=10)


def test_alertmanager_notifications_open_page_and_resolve(start_receiver, pager, alertmanager, tmp_path):
    receiver = start_receiver(
        {
            "database_url": f"sqlite:///{tmp_path / 'am.db'}",
            "auth_token": TOKEN,
            "pagerduty_url": pager.enqueue_url,
            "pagerduty_routing_key": "R" * 32,
        }
    )
    am = alertmanager(receiver.url + "/v1/alertmanager")
    starts = datetime.now(timezone.utc) - timedelta(minutes=1)
    labels = {"alertname": "CheckoutAvailabilityBudgetBurn", "service": "checkout", "slo": "availability",
              "severity": "sev1", "owner": "payments", "burnwise_tier": "page"}
    alert = {
        "labels": labels,
        "annotations": {"summary": "checkout availability burning", "runbook_url": "https://runbooks.test/checkout"},
        "startsAt": starts.isoformat(),
        "generatorURL": "http://prometheus.test:9090/graph",
    }
    assert requests.post(am + "/api/v2/alerts", json=[alert], timeout=10).status_code == 200

    assert wait_until(lambda: len(receiver.get("/v1/incidents").json()) == 1, timeout=20), receiver.log()
    [incident] = receiver.get("/v1/incidents").json()
    assert (incident["status"], incident["severity"], incident["service"]) == ("open", "sev1", "checkout")
    assert pager.wait_for(lambda s: len(s.events) == 1, timeout=15)
    event = pager.events[0]
    assert event["payload"]["summary"].endswith("checkout availability burning")
    assert event["links"][0]["href"] == "https://runbooks.test/checkout"
    assert any(link["href"].startswith(am) and "silences" in link["href"] for link in event["links"])

    ended = dict(alert, endsAt=datetime.now(timezone.utc).isoformat())
    assert requests.post(am + "/api/v2/alerts", json=[ended], timeout=10).status_code == 200
    assert wait_until(lambda: receiver.incident(incident["id"])["status"] == "resolved", timeout=20), receiver.log()
    assert pager.wait_for(lambda s: [e["event_action"] for e in s.events] == ["trigger", "resolve"], timeout=15)
    assert len(receiver.get("/v1/incidents").json()) == 1
    assert receiver.metric('burnwise_receiver_payloads_rejected_total{reason="auth"}') == 0
