"""The HTTP contract against a real `burnwise serve` process and the real local pager stub."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timezone

import pytest
import requests

from tests.webhook_receiver.receiver_testlib import TOKEN, alert, free_port, notification, wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver(start_receiver, pager, tmp_path):
    return start_receiver(
        {
            "database_url": f"sqlite:///{tmp_path / 'r.db'}",
            "auth_token": TOKEN,
            "pagerduty_url": pager.enqueue_url,
            "pagerduty_routing_key": "R" * 32,
            "ticket_url": pager.webhook_url("tickets"),
            "max_body_bytes": 64 * 1024,
            "public_url": "https://burnwise.example.test",
        }
    )


def events_for(pager, dedup_key):
    return [e for e in pager.events if e["dedup_key"] == dedup_key]


def test_accept_duplicate_update_resolve_refire(receiver, pager):
    payload = notification("checkout", [alert("Burn", severity="critical")])
    first = receiver.post(payload)
    assert first.status_code == 200 and first.json()["status"] == "accepted"
    [incident_id] = first.json()["opened"]
    dedup_key = receiver.incident(incident_id)["dedup_key"]
    assert pager.wait_for(lambda s: len(events_for(s, dedup_key)) == 1)
    [event] = events_for(pager, dedup_key)
    assert event["event_action"] == "trigger" and event["routing_key"] == "R" * 32
    assert event["payload"]["severity"] == "critical" and event["payload"]["source"] == "checkout"
    details = event["payload"]["custom_details"]
    assert details["incident_url"] == f"https://burnwise.example.test/v1/incidents/{incident_id}"
    assert details["labels"]["slo"] == "availability"
    hrefs = [link["href"] for link in event["links"]]
    assert any("/#/silences/new?filter=" in h for h in hrefs)
    assert "http://prometheus.test:9090/graph?g0.expr=Burn" in hrefs

    duplicate = receiver.post(payload)
    assert duplicate.json()["status"] == "duplicate" and duplicate.json()["incidents"] == [incident_id]
    update = receiver.post(notification("checkout", [alert("Burn", severity="critical"), alert("Latency")]))
    assert update.json()["incidents"] == [incident_id] and update.json()["opened"] == []
    resolved = receiver.post(
        notification("checkout", [alert("Burn", status="resolved"), alert("Latency", status="resolved")])
    )
    assert resolved.json()["resolved"] == [incident_id]
    assert pager.wait_for(lambda s: len(events_for(s, dedup_key)) == 2)
    assert [e["event_action"] for e in events_for(pager, dedup_key)] == ["trigger", "resolve"]

    later = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
    refire = receiver.post(notification("checkout", [alert("Burn", starts_at=later)]))
    [new_id] = refire.json()["opened"]
    assert new_id != incident_id
    detail = receiver.incident(incident_id)
    assert detail["status"] == "resolved"
    assert [e["kind"] for e in detail["timeline"]] == ["detect", "detect", "resolve"]
    assert sorted(a["alertname"] for a in detail["alerts"]) == ["Burn", "Latency"]
    listing = receiver.get("/v1/incidents?status=open&service=checkout").json()
    assert [i["id"] for i in listing] == [new_id]
    # metrics reflect what happened: 5 payloads, 1 duplicate, 2 opened, 1 resolved, pages delivered
    assert pager.wait_for(lambda s: len(s.events) == 3)
    assert receiver.metric("burnwise_receiver_payloads_received_total") == 5
    assert receiver.metric("burnwise_receiver_payloads_accepted_total") == 5
    assert receiver.metric("burnwise_receiver_duplicates_total") == 1
    assert receiver.metric("burnwise_receiver_incidents_opened_total") == 2
    assert receiver.metric("burnwise_receiver_incidents_resolved_total") == 1
    assert wait_until(lambda: receiver.metric('burnwise_receiver_pages_sent_total{target="pagerduty"}') == 3)
    assert receiver.metric('burnwise_receiver_delivery_latency_seconds_count{target="pagerduty"}') == 3
    assert receiver.metric("burnwise_receiver_outbox_depth") == 0


def test_every_rejection_path(receiver):
    url = receiver.url + "/v1/alertmanager"
    good = notification("rejections", [alert()])
    auth = {"Authorization": f"Bearer {TOKEN}"}

    assert requests.post(url, json=good, timeout=10).status_code == 401
    assert requests.post(url, json=good, headers={"Authorization": "Bearer wrong"}, timeout=10).status_code == 401
    basic = base64.b64encode(f"alertmanager:{TOKEN}".encode()).decode()
    ok = requests.post(url, json=good, headers={"Authorization": f"Basic {basic}"}, timeout=10)
    assert ok.status_code == 200
    assert requests.get(receiver.url + "/v1/incidents", timeout=10).status_code == 401

    bad_type = requests.post(url, data=json.dumps(good), headers={**auth, "Content-Type": "text/plain"}, timeout=10)
    assert bad_type.status_code == 415

    too_big = dict(good, commonAnnotations={"description": "x" * (70 * 1024)})
    assert requests.post(url, json=too_big, headers=auth, timeout=10).status_code == 413
    chunks = (b"x" * 8192 for _ in range(10))  # chunked, no Content-Length: counted while read
    chunked = requests.post(url, data=chunks, headers={**auth, "Content-Type": "application/json"}, timeout=10)
    assert chunked.status_code == 413

    not_json = requests.post(url, data=b"{not json", headers={**auth, "Content-Type": "application/json"}, timeout=10)
    assert not_json.status_code == 400 and "JSON" in not_json.json()["error"]

    wrong_status = notification("rejections", [dict(alert(), status="burning")])
    answer = requests.post(url, json=wrong_status, headers=auth, timeout=10)
    assert answer.status_code == 400 and answer.json()["field"] == "alerts.0.status"

    missing_key = {k: v for k, v in good.items() if k != "groupKey"}
    answer = requests.post(url, json=missing_key, headers=auth, timeout=10)
    assert answer.status_code == 400 and answer.json()["field"] == "groupKey"

    assert receiver.metric('burnwise_receiver_payloads_rejected_total{reason="auth"}') == 2
    assert receiver.metric('burnwise_receiver_payloads_rejected_total{reason="unsupported_media_type"}') == 1
    assert receiver.metric('burnwise_receiver_payloads_rejected_total{reason="too_large"}') == 2
    assert receiver.metric('burnwise_receiver_payloads_rejected_total{reason="invalid"}') == 3
    assert receiver.metric("burnwise_receiver_payloads_accepted_total") == 1
    assert len(receiver.get("/v1/incidents").json()) == 1

    assert requests.get(receiver.url + "/openapi.json", timeout=10).status_code == 401  # token needed by default
    spec = receiver.get("/openapi.json").json()
    assert "/v1/alertmanager" in spec["paths"] and "/v1/incidents/{incident_id}/ack" in spec["paths"]


def test_incident_api_commands(receiver, pager):
    incident_id = receiver.post(notification("commands", [alert()])).json()["opened"][0]
    note = requests.post(
        f"{receiver.url}/v1/incidents/{incident_id}/timeline",
        json={"kind": "triage", "text": "error spike in eu-west", "by": "ana"},
        headers=receiver.headers(),
        timeout=10,
    )
    assert note.status_code == 201 and note.json()["kind"] == "triage"
    bad_kind = requests.post(
        f"{receiver.url}/v1/incidents/{incident_id}/timeline",
        json={"kind": "party", "text": "x"},
        headers=receiver.headers(),
        timeout=10,
    )
    assert bad_kind.status_code == 400 and bad_kind.json()["field"] == "kind"
    assert receiver.get("/v1/incidents/999999").status_code == 404
    resolve = requests.post(
        f"{receiver.url}/v1/incidents/{incident_id}/resolve", json={"by": "ana"}, headers=receiver.headers(), timeout=10
    )
    assert resolve.status_code == 200 and resolve.json()["status"] == "resolved"
    ack = requests.post(
        f"{receiver.url}/v1/incidents/{incident_id}/ack", json={"by": "ana"}, headers=receiver.headers(), timeout=10
    )
    assert ack.status_code == 409
    dedup_key = receiver.incident(incident_id)["dedup_key"]
    assert pager.wait_for(lambda s: [e["event_action"] for e in events_for(s, dedup_key)] == ["trigger", "resolve"])


def test_ticket_routes(receiver, pager):
    sev3 = receiver.post(notification("tickets", [alert(severity="sev3")])).json()["opened"][0]
    forced = receiver.post(notification("forced", [alert(severity="sev1")]), path="/v1/alertmanager/ticket").json()
    tier = receiver.post(notification("tier", [alert(severity="sev2", burnwise_tier="ticket")])).json()["opened"][0]
    assert pager.wait_for(lambda s: len(s.webhooks) == 3)
    assert sorted(w.body["incident"]["id"] for w in pager.webhooks) == sorted([sev3, forced["opened"][0], tier])
    assert {w.path for w in pager.webhooks} == {"/tickets"}
    assert all(w.body["event"] == "incident.opened" for w in pager.webhooks)
    assert pager.events == []  # nothing paged


def test_ticket_without_url_is_recorded_as_skipped(start_receiver, pager, tmp_path):
    only_lead = {"role_routing_keys": {"lead": "L" * 32}}  # a route exists, but not for these pages
    receiver = start_receiver({"database_url": f"sqlite:///{tmp_path / 't.db'}", "pagerduty_url": pager.enqueue_url, **only_lead})
    incident_id = receiver.post(notification("noticket", [alert(severity="info")])).json()["opened"][0]
    [page] = receiver.incident(incident_id)["pages"]
    assert page["target"] == "ticket" and page["status"] == "skipped" and "ticket_url" in page["last_error"]
    # and a page with no routing key anywhere is skipped with the reason, not sent
    paged = receiver.post(notification("nokey", [alert(severity="sev1")])).json()["opened"][0]
    [page] = receiver.incident(paged)["pages"]
    assert page["status"] == "skipped" and "routing key" in page["last_error"]
    assert pager.requests == []


def test_database_unavailable_answers_503(start_receiver):
    dead = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/test"
    receiver = start_receiver({"database_url": dead})
    answer = receiver.post(notification("down", [alert()]))
    assert answer.status_code == 503 and "database unavailable" in answer.json()["error"], (answer.text, receiver.log())
    assert receiver.get("/readyz").status_code == 503, receiver.log()
    assert receiver.get("/healthz").status_code == 200
    assert receiver.metric('burnwise_receiver_payloads_rejected_total{reason="unavailable"}') == 1, receiver.log()
