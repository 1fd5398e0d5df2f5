"""The roster files drive a real receiver: who is paged, in which order, with which runbooks.

The receiver engineer's tests cover escalation mechanics with a test Directory; this one proves
the YAML in oncall/ format reaches the pages: ack timeouts shortened in the roster (1s), the
primary/backup/lead that `burnwise oncall who` would name, SMEs and catalog runbooks.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from burnwise.roster.directory import Directory
from tests.oncall.oncall_builders import catalog, person, roster, write
from tests.webhook_receiver.receiver_testlib import (
    TOKEN,
    ReceiverProcess,
    alert,
    notification,
    triggers,
)

pytestmark = pytest.mark.integration


def test_roster_files_drive_pages_and_escalation(tmp_path, pager):
    doc = roster(members=("alice", "bob", "carol"), name="payments", services=["checkout"],
                 ack_timeouts={"sev1": "1s"}, routing_key="R" * 32, smes={"database": ["dana"]})
    doc["people"].append(person("dana", "America/New_York", surface=None))
    roster_path = write(tmp_path, "roster.yaml", doc)
    runbooks_path = write(tmp_path, "runbooks.yaml", catalog(
        id="checkout-availability", url="https://runbooks.example.com/checkout/availability", owner="payments",
        match={"services": ["checkout"], "slos": ["availability"]}))
    expected = Directory.load(roster_path, runbooks_path).responders("payments", datetime.now(timezone.utc))
    receiver = ReceiverProcess(tmp_path, {
        "database_url": f"sqlite:///{tmp_path / 'receiver.db'}",
        "auth_token": TOKEN,
        "pagerduty_url": pager.enqueue_url,
        "roster": str(roster_path),
        "runbooks": str(runbooks_path),
        "worker_poll_seconds": 0.1,
        "retry": {"base_seconds": 0.2, "max_seconds": 1.0, "max_attempts": 30},
    })
    try:
        receiver.start()
        response = receiver.post(notification("roster-e2e", [alert(severity="sev1")]))
        assert response.status_code < 300, response.text
        assert pager.wait_for(lambda s: len(triggers(s)) >= 3, timeout=20), receiver.log()
        pages = triggers(pager)[:3]
        paged = [(p["payload"]["custom_details"]["paged"]["role"], p["payload"]["custom_details"]["paged"]["contact"]["id"])
                 for p in pages]
        assert paged == [("primary", expected.primary.id), ("backup", expected.backup.id), ("lead", "lena")]
        assert expected.primary.id != expected.backup.id
        details = pages[0]["payload"]["custom_details"]
        assert details["surface"] == "payments"
        assert details["roster"]["smes"]["database"][0]["id"] == "dana"
        assert details["roster"]["ack_timeouts_seconds"]["sev1"] == 1
        assert details["roster"]["primary"]["email"] == f"{expected.primary.id}@example.com"
        assert "https://runbooks.example.com/checkout/availability" in [r["url"] for r in details["runbooks"]]
        assert pages[0]["routing_key"] == "R" * 32
    finally:
        receiver.stop()
