"""Escalation on request, timeline entries dated when they happened, deploy records (issues 20, 21).

Against a real `burnwise serve` process and the PagerDuty-faithful pager stub, with the short
timeout roster of test_receiver_escalation (Ana primary, Bo backup, Cy lead).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from burnwise.cli import main as burnwise
from tests.webhook_receiver.receiver_testlib import TOKEN, alert, notification
from tests.webhook_receiver.test_receiver_escalation import DIRECTORY_MODULE, paged

pytestmark = pytest.mark.integration


@pytest.fixture
def receiver(start_receiver, pager, tmp_path):
    (tmp_path / "esc_directory.py").write_text(DIRECTORY_MODULE)
    return start_receiver(
        {"database_url": f"sqlite:///{tmp_path / 'practice.db'}", "auth_token": TOKEN,
         "pagerduty_url": pager.enqueue_url, "directory_factory": "esc_directory:build"},
        env={"ESC_ACK_SECONDS": "600"}, pythonpath=[tmp_path],
    )


def call(receiver, method: str, path: str, body: dict | None = None) -> requests.Response:
    return requests.request(method, receiver.url + path, json=body, headers=receiver.headers(), timeout=15)


def test_escalate_pages_the_next_role_of_an_acknowledged_incident_until_the_chain_ends(receiver, pager, capsys):
    incident = receiver.post(notification("esc-now", [alert()])).json()["opened"][0]
    assert pager.wait_for(lambda s: paged(s) == ["Ana"])
    assert call(receiver, "POST", f"/v1/incidents/{incident}/ack", {"by": "ana"}).status_code == 200
    answer = call(receiver, "POST", f"/v1/incidents/{incident}/escalate",
                  {"by": "runbook:auto", "reason": "runbook checkout-availability: no step helped"})
    assert answer.status_code == 202, answer.text
    assert answer.json()["paged"] == {"step": 1, "role": "backup", "name": "Bo"}
    assert pager.wait_for(lambda s: paged(s) == ["Ana", "Bo"], timeout=10), paged(pager)
    code = burnwise(["incident", "escalate", str(incident), "--reason", "need the lead", "--by", "bo",
                     "--url", receiver.url, "--token", TOKEN])
    assert code == 0 and "paging lead Cy" in capsys.readouterr().out
    assert pager.wait_for(lambda s: paged(s) == ["Ana", "Bo", "Cy"], timeout=10), paged(pager)
    exhausted = call(receiver, "POST", f"/v1/incidents/{incident}/escalate", {"by": "bo", "reason": "again"})
    assert exhausted.status_code == 409 and "exhausted" in exhausted.json()["error"]
    detail = receiver.incident(incident)
    escalations = [(e["actor"], e["data"]["role"], e["data"]["reason"]) for e in detail["timeline"] if e["kind"] == "escalate"]
    assert escalations == [("runbook:auto", "backup", "runbook checkout-availability: no step helped"),
                           ("bo", "lead", "need the lead")]
    assert detail["status"] == "acknowledged" and detail["escalation_due_at"] is None
    call(receiver, "POST", f"/v1/incidents/{incident}/resolve", {"by": "ana"})
    closed = call(receiver, "POST", f"/v1/incidents/{incident}/escalate", {"by": "bo", "reason": "late"})
    assert closed.status_code == 409 and "resolved" in closed.json()["error"]
    assert call(receiver, "POST", "/v1/incidents/999/escalate", {"by": "x", "reason": "y"}).status_code == 404


def test_timeline_entries_carry_when_it_happened_within_bounds(receiver, capsys):
    incident = receiver.post(notification("at", [alert()])).json()["opened"][0]
    opened = datetime.fromisoformat(receiver.incident(incident)["opened_at"])
    path = f"/v1/incidents/{incident}/timeline"
    future = call(receiver, "POST", path, {"kind": "mitigation", "text": "x",
                                           "at": (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()})
    assert future.status_code == 400 and future.json()["field"] == "at" and "in the future" in future.json()["error"]
    too_early = call(receiver, "POST", path, {"kind": "deploy", "text": "x", "at": (opened - timedelta(hours=25)).isoformat()})
    assert too_early.status_code == 400 and "24h before the incident opened" in too_early.json()["error"]
    naive = call(receiver, "POST", path, {"kind": "note", "text": "x", "at": "2026-12-03T10:00:00"})
    assert naive.status_code == 400 and "timezone" in naive.json()["error"]
    rolled_back = opened - timedelta(minutes=30)
    entry = call(receiver, "POST", path, {"kind": "mitigation", "text": "rolled back v3.2", "by": "ana",
                                          "at": rolled_back.isoformat()})
    assert entry.status_code == 201 and datetime.fromisoformat(entry.json()["at"]) == rolled_back
    step = {"kind": "runbook", "text": "step 1/3 rollback: applied", "by": "runbook:auto",
            "data": {"step": 1, "action": "POST http://svc/rollback", "result": "applied", "sli_before": 0.5, "sli_after": 0.15}}
    written = call(receiver, "POST", path, step)
    assert written.status_code == 201 and written.json()["data"]["sli_after"] == 0.15
    earlier = (opened - timedelta(minutes=10)).isoformat()
    assert burnwise(["incident", "note", str(incident), "--kind", "triage", "--text", "saw it first", "--at", earlier,
                     "--url", receiver.url, "--token", TOKEN]) == 0
    capsys.readouterr()
    timeline = receiver.incident(incident)["timeline"]
    kinds = [e["kind"] for e in timeline]
    assert kinds[:2] == ["mitigation", "triage"]  # ordered by when they happened, not when typed
    assert "runbook" in kinds


def test_deploys_are_recorded_by_their_real_time_and_listed_by_window(receiver, capsys):
    now = datetime.now(timezone.utc)
    went_out = (now - timedelta(hours=2)).replace(microsecond=0)
    answer = call(receiver, "POST", "/v1/deploys", {"service": "checkout", "text": "checkout v3.2", "by": "ci",
                                                    "at": went_out.isoformat()})
    assert answer.status_code == 201 and datetime.fromisoformat(answer.json()["at"]) == went_out
    assert burnwise(["deploy", "record", "--service", "search", "--text", "search v9", "--by", "ci",
                     "--url", receiver.url, "--token", TOKEN]) == 0
    assert "deploy 2 recorded: search" in capsys.readouterr().out
    future = call(receiver, "POST", "/v1/deploys", {"service": "checkout", "text": "x", "at": (now + timedelta(hours=1)).isoformat()})
    assert future.status_code == 400 and future.json()["field"] == "at"
    assert call(receiver, "POST", "/v1/deploys", {"service": "", "text": "x"}).status_code == 400
    listed = call(receiver, "GET", f"/v1/deploys?since={(now - timedelta(hours=3)).isoformat().replace('+', '%2B')}").json()
    assert [(d["service"], d["text"]) for d in listed] == [("checkout", "checkout v3.2"), ("search", "search v9")]
    only = call(receiver, "GET", "/v1/deploys?service=search").json()
    assert [d["text"] for d in only] == ["search v9"]
    assert requests.post(receiver.url + "/v1/deploys", json={"service": "a", "text": "b"}, timeout=5).status_code == 401


def test_triage_sets_a_known_incident_type_only(receiver, capsys):
    incident = receiver.post(notification("typed", [alert()])).json()["opened"][0]
    path = f"/v1/incidents/{incident}/timeline"
    unknown = call(receiver, "POST", path, {"kind": "triage", "text": "x", "data": {"type": "outage"}})
    assert unknown.status_code == 400 and unknown.json()["field"] == "data.type"
    assert "known types: model-degradation, data-pipeline, provider-outage, serving, other" in unknown.json()["error"]
    wrong_kind = call(receiver, "POST", path, {"kind": "note", "text": "x", "data": {"type": "serving"}})
    assert wrong_kind.status_code == 400 and "only a triage entry" in wrong_kind.json()["error"]
    assert burnwise(["incident", "note", str(incident), "--kind", "triage", "--type", "provider-outage", "--text",
                     "payment provider timeouts", "--url", receiver.url, "--token", TOKEN]) == 0
    assert burnwise(["incident", "note", str(incident), "--type", "serving", "--text", "x",
                     "--url", receiver.url, "--token", TOKEN]) == 1
    capsys.readouterr()
    detail = receiver.incident(incident)
    assert [e["data"] for e in detail["timeline"] if e["kind"] == "triage"] == [{"type": "provider-outage"}]
    assert detail["incident_type"] == "provider-outage"
    assert burnwise(["incident", "show", str(incident), "--url", receiver.url, "--token", TOKEN]) == 0
    assert "type: provider-outage" in capsys.readouterr().out
