"""Escalation primary -> backup -> lead against a real receiver process with short ack timeouts.

The roster here is test data: a Directory subclass (loaded by the receiver through the
``directory_factory`` config key) with fixed people and an ack timeout of a second or two.
"""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone

import pytest

from burnwise.cli import main as burnwise
from tests.webhook_receiver.receiver_testlib import (
    TOKEN,
    alert,
    notification,
    wait_until,
)

pytestmark = pytest.mark.integration

DIRECTORY_MODULE = textwrap.dedent(
    '''
    """Test roster: surface 'checkout', Ana primary, Bo backup, Cy lead."""
    import os
    from datetime import timedelta

    from burnwise.roster.directory import Contact, Directory, Responders


    class ShortTimeoutDirectory(Directory):
        def surface_for(self, labels):
            return "checkout" if labels.get("service") == "checkout" else None

        def responders(self, surface, at):
            seconds = float(os.environ["ESC_ACK_SECONDS"])
            ana, bo, cy = (Contact(id=p, name=p.title(), email=p + "@example.test") for p in ("ana", "bo", "cy"))
            return Responders(
                surface, ana, bo, cy,
                smes={"payments": (Contact(id="dee", name="Dee"),)},
                ack_timeouts={"sev1": timedelta(seconds=seconds), "sev2": timedelta(seconds=seconds)},
                routing_key="C" * 32,
            )


    def build():
        return ShortTimeoutDirectory()
    '''
)


@pytest.fixture
def escalating(start_receiver, pager, tmp_path):
    """Start (or restart) a receiver on one database with the short-timeout roster."""
    (tmp_path / "esc_directory.py").write_text(DIRECTORY_MODULE)

    def start(ack_seconds: float):
        return start_receiver(
            {
                "database_url": f"sqlite:///{tmp_path / 'esc.db'}",
                "auth_token": TOKEN,
                "pagerduty_url": pager.enqueue_url,
                "directory_factory": "esc_directory:build",
            },
            env={"ESC_ACK_SECONDS": str(ack_seconds)},
            pythonpath=[tmp_path],
        )

    return start


def paged(pager):
    """Who each trigger paged, in order."""
    return [e["payload"]["custom_details"]["paged"]["contact"]["name"] for e in pager.events if e["event_action"] == "trigger"]


def test_unacknowledged_page_walks_backup_then_lead(escalating, pager):
    receiver = escalating(ack_seconds=1)
    incident_id = receiver.post(notification("esc", [alert()])).json()["opened"][0]
    assert pager.wait_for(lambda s: paged(s) == ["Ana", "Bo", "Cy"], timeout=15), paged(pager)
    first, _, last = [e for e in pager.events if e["event_action"] == "trigger"]
    roster = last["payload"]["custom_details"]["roster"]
    assert roster["primary"]["name"] == "Ana" and roster["lead"]["name"] == "Cy"
    assert roster["smes"]["payments"][0]["name"] == "Dee"
    assert last["payload"]["custom_details"]["paged"]["role"] == "lead"
    # each step is its own PagerDuty incident, so each person is notified (not appended to Ana's)
    assert len({e["dedup_key"] for e in pager.events}) == 3 and first["routing_key"] == "C" * 32
    assert first["dedup_key"] == receiver.incident(incident_id)["dedup_key"]
    assert [n.dedup_key for n in pager.notifications] == [e["dedup_key"] for e in pager.events]
    detail = receiver.incident(incident_id)
    escalations = [e for e in detail["timeline"] if e["kind"] == "escalate"]
    assert [(e["actor"], e["data"]["role"]) for e in escalations] == [("burnwise", "backup"), ("burnwise", "lead")]
    assert detail["escalation_due_at"] is None
    assert [(p["recipient_role"], p["status"]) for p in detail["pages"]] == [
        ("primary", "sent"),
        ("backup", "sent"),
        ("lead", "sent"),
    ]
    assert not pager.wait_for(lambda s: len(s.events) > 3, timeout=1.5)  # the chain ends at the lead
    assert receiver.metric("burnwise_receiver_escalations_total") == 2


def test_acknowledgement_from_the_cli_stops_escalation(escalating, pager, capsys):
    receiver = escalating(ack_seconds=3)
    incident_id = receiver.post(notification("acked", [alert()])).json()["opened"][0]
    assert pager.wait_for(lambda s: paged(s) == ["Ana"])
    due = datetime.fromisoformat(receiver.incident(incident_id)["escalation_due_at"])
    code = burnwise(["incident", "ack", str(incident_id), "--by", "ana", "--url", receiver.url, "--token", TOKEN])
    assert code == 0 and "acknowledged by ana" in capsys.readouterr().out
    detail = receiver.incident(incident_id)
    assert datetime.fromisoformat(detail["acknowledged_at"]) < due, "acknowledged too late to test the stop"
    assert detail["escalation_due_at"] is None
    assert pager.wait_for(lambda s: [e["event_action"] for e in s.events] == ["trigger", "acknowledge"])
    # stay until well past the time the backup would have been paged: nothing more arrives
    remaining = (due - datetime.now(timezone.utc)).total_seconds() + 1.0
    assert not pager.wait_for(lambda s: len(s.events) > 2, timeout=max(remaining, 0.5))
    detail = receiver.incident(incident_id)
    assert detail["status"] == "acknowledged" and detail["acknowledged_by"] == "ana"
    assert [e["kind"] for e in detail["timeline"]] == ["detect", "acknowledge"]


def test_escalation_survives_restarts_without_loss_or_repeat(escalating, pager):
    first = escalating(ack_seconds=2)
    incident_id = first.post(notification("restart", [alert()])).json()["opened"][0]
    assert pager.wait_for(lambda s: paged(s) == ["Ana"])
    assert wait_until(lambda: [p["status"] for p in first.incident(incident_id)["pages"]] == ["sent"])
    first.kill()  # crash while the backup's timer runs; it falls due while nobody is up
    assert not pager.wait_for(lambda s: len(s.events) > 1, timeout=2.5)
    second = escalating(ack_seconds=2)
    assert pager.wait_for(lambda s: paged(s) == ["Ana", "Bo"], timeout=10), second.log()
    # crash once the backup page is recorded as sent: neither the step nor its page may repeat.
    # (Killed between the pager's 202 and that record, the page would be sent again after the
    # lease: delivery is at-least-once, and the stable dedup_key makes PagerDuty merge it.)
    assert wait_until(lambda: [p["status"] for p in second.incident(incident_id)["pages"]] == ["sent", "sent"])
    second.kill()
    third = escalating(ack_seconds=2)
    assert pager.wait_for(lambda s: paged(s) == ["Ana", "Bo", "Cy"], timeout=10), third.log()
    assert not pager.wait_for(lambda s: len(s.events) > 3, timeout=1.5)
    detail = third.incident(incident_id)
    assert [e["data"]["role"] for e in detail["timeline"] if e["kind"] == "escalate"] == ["backup", "lead"]
    assert [p["recipient_role"] for p in detail["pages"]] == ["primary", "backup", "lead"]


def test_each_step_wakes_its_person_and_resolve_closes_every_page(escalating, pager):
    """Issue 15 #2: at a PagerDuty-faithful pager the backup and the lead are notified, and a
    resolve leaves none of the three PagerDuty incidents open."""
    receiver = escalating(ack_seconds=1)
    incident_id = receiver.post(notification("wake", [alert()])).json()["opened"][0]
    assert pager.wait_for(lambda s: len(s.notifications) == 3, timeout=15), paged(pager)
    assert len(pager.open_incidents()) == 3
    answer = receiver.post(notification("wake", [alert(status="resolved")])).json()
    assert answer["resolved"] == [incident_id]
    assert pager.wait_for(lambda s: s.open_incidents() == [], timeout=10), [i.dedup_key for i in pager.open_incidents()]
    assert len(pager.notifications) == 3
