"""The receiver with the real example roster and runbook catalog (oncall/*.yaml)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from burnwise.roster.directory import Directory
from tests.webhook_receiver.receiver_testlib import REPO_ROOT, alert, notification

pytestmark = pytest.mark.integration

ROSTER = REPO_ROOT / "oncall" / "roster.yaml"
RUNBOOKS = REPO_ROOT / "oncall" / "runbooks.yaml"


def test_page_names_the_rostered_primary_and_links_runbooks(start_receiver, pager, tmp_path):
    receiver = start_receiver(
        {
            "database_url": f"sqlite:///{tmp_path / 'roster.db'}",
            "pagerduty_url": pager.enqueue_url,
            "pagerduty_routing_key": "DEFAULT" * 4,
            "roster": str(ROSTER),
            "runbooks": str(RUNBOOKS),
        }
    )
    payload = notification("roster", [alert("CheckoutAvailabilityBudgetBurn", owner="payments")])
    payload["alerts"][0]["annotations"]["runbook_url"] = "https://wiki.example.test/checkout-special"
    incident_id = receiver.post(payload).json()["opened"][0]
    assert pager.wait_for(lambda s: len(s.events) == 1)
    [event] = pager.events

    expected = Directory.load(ROSTER, RUNBOOKS).responders("payments", datetime.now(timezone.utc))
    details = event["payload"]["custom_details"]
    assert event["routing_key"] == expected.routing_key  # the surface's key wins over the default
    assert details["surface"] == "payments"
    assert details["paged"] == {"role": "primary", "contact": expected.primary.to_json()}
    assert details["roster"]["lead"]["name"] == expected.lead.name
    runbook_links = [link["href"] for link in event["links"] if link["text"].startswith("Runbook")]
    assert runbook_links[0] == "https://wiki.example.test/checkout-special"  # the annotation wins
    assert "https://runbooks.example.com/checkout/availability" in runbook_links
    detail = receiver.incident(incident_id)
    assert (detail["surface"], detail["owner"]) == ("payments", "payments")
    assert [c["role"] for c in detail["escalation_chain"]] == ["primary", "backup", "lead"]
    assert detail["escalation_due_at"] is not None  # sev1: the 5 minute ack timer runs
