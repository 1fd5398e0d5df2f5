"""Reports over a history made through the receiver's real HTTP API (`burnwise serve` + pager stub).

The roster gives sev1 pages a 1s ack timeout, so an unacknowledged page walks primary -> backup ->
lead for real. The pager stub is an independent witness: the load report's pages per person must
equal the triggers the stub received per contact.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone

import pytest
import requests

from tests.reports.history import burn_alert, write_roster
from tests.webhook_receiver.receiver_testlib import TOKEN, triggers, ReceiverProcess, notification, wait_until

pytestmark = pytest.mark.integration


def test_reports_over_a_history_made_through_the_api(tmp_path, pager, run_json, run_cli):
    roster = write_roster(tmp_path, sev1_timeout="1s")
    db_url = f"sqlite:///{tmp_path / 'receiver.db'}"
    receiver = ReceiverProcess(tmp_path, {
        "database_url": db_url, "auth_token": TOKEN, "pagerduty_url": pager.enqueue_url, "roster": str(roster),
        "worker_poll_seconds": 0.1, "retry": {"base_seconds": 0.2, "max_seconds": 1.0, "max_attempts": 30},
    })
    try:
        receiver.start()
        now = datetime.now(timezone.utc).replace(microsecond=0)

        def post(group, item):
            response = receiver.post(notification(group, [item]))
            assert response.status_code == 200, response.text
            return response.json()

        def command(path, body):
            response = requests.post(receiver.url + path, json=body, headers=receiver.headers(), timeout=15)
            assert response.status_code < 300, response.text

        # A: a sev1 page nobody acknowledges for a while: walks to backup, then lead; then acked, mitigated
        a = post("api-a", burn_alert("CheckoutAvailabilityBudgetBurn", "checkout", "availability", "sev1", now, 22.0))["opened"][0]
        assert pager.wait_for(lambda s: len(triggers(s)) >= 3, timeout=20), receiver.log()
        chain = receiver.incident(a)["escalation_chain"]
        command(f"/v1/incidents/{a}/ack", {"by": chain[0]["contact"]["id"]})
        command(f"/v1/incidents/{a}/timeline", {"kind": "mitigation", "text": "shifted traffic to eu-west", "by": "ops"})
        command(f"/v1/incidents/{a}/timeline", {"kind": "deploy", "text": "checkout v44", "by": "ops"})
        # B: a sev2 page acknowledged at once (15m timeout) and resolved
        b = post("api-b", burn_alert("CheckoutLatencyBudgetBurn", "checkout", "latency", "sev2", now, 7.0))["opened"][0]
        command(f"/v1/incidents/{b}/ack", {"by": "someone", "as_guest": True})  # not in the roster: a declared guest
        command(f"/v1/incidents/{b}/resolve", {"by": "someone"})
        # N1, N2: a noisy alert that fires and clears on its own, twice
        for group in ("api-n1", "api-n2"):
            post(group, burn_alert("CheckoutNoisyBudgetBurn", "checkout", "availability", "sev2", now, 6.5))
            post(group, burn_alert("CheckoutNoisyBudgetBurn", "checkout", "availability", "sev2", now, 6.5,
                                   status="resolved", ends_at=datetime.now(timezone.utc)))
        assert pager.wait_for(lambda s: len(triggers(s)) >= 6, timeout=20), receiver.log()
        assert wait_until(lambda: receiver.incident(a)["status"] == "acknowledged")
    finally:
        receiver.stop()

    stub_pages = Counter(e["payload"]["custom_details"]["paged"]["contact"]["id"] for e in triggers(pager))
    args = ["--database-url", db_url, "--roster", str(roster)]

    load = run_json("report", "load", "--since", "1d", *args)
    [payments] = load["surfaces"]
    assert payments["surface"] == "payments" and payments["incidents"] == 4
    assert payments["pages"] == sum(stub_pages.values()) == 6
    assert {p["person"]: p["pages"] for p in payments["people"] if p["pages"]} == dict(stub_pages)
    assert payments["escalations_to_backup"] == 1
    # A missed its 1s timeout, B met its 15m one; the noisy ones cleared inside 15m and are not counted
    assert (payments["ack"]["sla_met"], payments["ack"]["sla_missed"]) == (1, 1)
    primary = chain[0]["contact"]["id"]
    [row] = [p for p in payments["people"] if p["person"] == primary]
    # primary of both A (acked after two 1s timeouts) and B (acked at once): p90 is A's, median B's
    assert row["escalated_to_backup"] == 1 and row["primary_incidents"] == 4
    assert row["ack"]["tta_p90_seconds"] >= 2 > row["ack"]["tta_median_seconds"]

    note = run_json("handoff", "--surface", "payments", "--since", "1d", *args)
    assert [i["id"] for i in note["open_incidents"]] == [a]
    assert note["open_incidents"][0]["owner"] == chain[0]["contact"]["name"]
    assert [(c["kind"], c["text"]) for c in note["recent_changes"]] == [
        ("mitigation", "shifted traffic to eu-west"), ("deploy", "checkout v44")]
    assert note["noisy_alerts"][0] == {"alertname": "CheckoutNoisyBudgetBurn", "fired": 2,
                                       "self_resolved_quickly": 2, "never_acknowledged": 2}

    pm = run_json("postmortem", str(a), "--database-url", db_url)
    kinds = [e["kind"] for e in pm["timeline"]]
    assert kinds[:3] == ["detect", "escalate", "escalate"] and "acknowledge" in kinds and "mitigation" in kinds
    assert pm["key_times"]["time_to_acknowledge_seconds"] >= 2
    code, text, _ = run_cli("postmortem", str(a), "--database-url", db_url)
    causes = text.split("## Contributing factors\n", 1)[1].split("\n## ", 1)[0]
    assert "escalated 2 time(s) (to: backup, lead)" in causes
    assert not any(c["contact"]["name"].split()[0] in causes for c in chain)
