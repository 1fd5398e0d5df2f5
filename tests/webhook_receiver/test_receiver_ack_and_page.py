"""Issue 15 items 9a and the direct page, against `burnwise serve` and the PagerDuty-faithful pager.

Acknowledgements name a roster person (or come with that person's own token); unknown names are
refused with the known ids unless the ack says it is a guest; the load report credits the ack to
whoever made it. `burnwise incident page ID --to ROLE|PERSON` pages somebody new (a new PagerDuty
incident, so a notification), is on the timeline, and is closed by the incident's resolve.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from burnwise.cli import main as burnwise
from burnwise.receiver.store import Store
from burnwise.reports.load import load_report
from tests.oncall.oncall_builders import roster, write
from tests.webhook_receiver.receiver_testlib import TOKEN, alert, notification, triggers

pytestmark = pytest.mark.integration

CAROLS_TOKEN = "carols-own-token"


def start(start_receiver, pager, tmp_path, database_url: str | None = None):
    path = write(tmp_path, "roster.yaml", roster(ack_timeouts={"sev1": "1h"}, routing_key="W" * 32))
    return start_receiver({
        "database_url": database_url or f"sqlite:///{tmp_path / 'ack.db'}",
        "auth_token": TOKEN,
        "ack_tokens": {CAROLS_TOKEN: "carol"},
        "pagerduty_url": pager.enqueue_url,
        "roster": str(path),
    })


def open_incident(receiver, group: str) -> int:
    return receiver.post(notification(group, [alert(service="web")])).json()["opened"][0]


def ack(receiver, incident_id: int, body: dict, token: str = TOKEN):
    import requests

    return requests.post(f"{receiver.url}/v1/incidents/{incident_id}/ack", json=body,
                         headers={"Authorization": f"Bearer {token}"}, timeout=10)


def test_acks_name_a_roster_person_and_the_report_credits_who_acked(start_receiver, pager, tmp_path, monkeypatch, capsys):
    receiver = start(start_receiver, pager, tmp_path)
    first, second, third, fourth = (open_incident(receiver, f"ack-{n}") for n in range(4))

    refused = ack(receiver, first, {"by": "bob (not in roster)"})
    assert refused.status_code == 400 and "not a person in the roster" in refused.json()["error"]
    assert refused.json()["known"] == ["alice", "bob", "carol", "lena"]
    assert receiver.incident(first)["status"] == "open"  # escalation goes on
    monkeypatch.setenv("BURNWISE_URL", receiver.url)
    monkeypatch.setenv("BURNWISE_AUTH_TOKEN", TOKEN)
    assert burnwise(["incident", "ack", str(first), "--by", "mallory"]) == 1
    assert "known: alice, bob, carol, lena" in capsys.readouterr().err

    assert burnwise(["incident", "ack", str(first), "--by", "Bob"]) == 0  # a roster name: stored as the id
    assert receiver.incident(first)["acknowledged_by"] == "bob"
    assert burnwise(["incident", "ack", str(second), "--by", "mallory", "--as-guest"]) == 0
    assert receiver.incident(second)["acknowledged_by"] == "guest:mallory"
    assert ack(receiver, third, {}, token=CAROLS_TOKEN).json()["acknowledged_by"] == "carol"  # her own token
    assert ack(receiver, fourth, {"by": "alice"}, token=CAROLS_TOKEN).status_code == 400  # not as somebody else
    assert ack(receiver, fourth, {"by": "alice"}, token="wrong").status_code == 401

    store = Store.from_url(receiver.settings["database_url"])
    incidents = store.list_incidents()
    now = datetime.now(timezone.utc)
    report = load_report(
        incidents,
        {i.id: store.list_pages(i.id) for i in incidents},
        {i.id: store.get_incident(i.id).timeline for i in incidents},
        now - timedelta(days=1), now + timedelta(minutes=1),
    )
    [web] = report.surfaces
    made = {row.person: row.acks_made for row in web.people}
    assert made["bob"] == 1 and made["guest:mallory"] == 1 and made["carol"] == 1
    primary = incidents[0].escalation_chain[0]["contact"]["id"]
    assert made.get(primary, 0) == sum(1 for i in incidents if i.acknowledged_by == primary)


def test_page_to_a_role_or_person_notifies_them_and_is_closed_by_resolve(start_receiver, pager, tmp_path, monkeypatch, capsys, db_url):
    receiver = start(start_receiver, pager, tmp_path, db_url)
    incident_id = open_incident(receiver, "pull-in")
    assert pager.wait_for(lambda s: len(s.notifications) == 1, timeout=10), receiver.log()
    monkeypatch.setenv("BURNWISE_URL", receiver.url)
    monkeypatch.setenv("BURNWISE_AUTH_TOKEN", TOKEN)

    assert burnwise(["incident", "page", str(incident_id), "--to", "database", "--by", "alice"]) == 0
    assert "paged Lena (sme:database) directly" in capsys.readouterr().out
    assert pager.wait_for(lambda s: len(s.notifications) == 2, timeout=10), receiver.log()
    direct = triggers(pager)[-1]
    assert direct["payload"]["custom_details"]["paged"]["contact"]["id"] == "lena"
    assert direct["dedup_key"] != triggers(pager)[0]["dedup_key"]

    assert burnwise(["incident", "page", str(incident_id), "--to", "carol"]) == 0
    assert pager.wait_for(lambda s: len(s.notifications) == 3, timeout=10), receiver.log()
    assert burnwise(["incident", "page", str(incident_id), "--to", "nobody"]) == 1
    assert "known:" in capsys.readouterr().err

    entries = [e for e in receiver.incident(incident_id)["timeline"] if e["kind"] == "escalate"]
    assert [(e["data"]["role"], e["data"]["direct"]) for e in entries] == [("sme:database", True), ("person:carol", True)]
    assert entries[0]["actor"] == "alice"
    assert burnwise(["incident", "resolve", str(incident_id), "--by", "alice"]) == 0
    assert pager.wait_for(lambda s: s.open_incidents() == [], timeout=10), [i.dedup_key for i in pager.open_incidents()]
    assert burnwise(["incident", "page", str(incident_id), "--to", "lead"]) == 1  # resolved: 409
