"""The demo's chain with real processes: service -> Prometheus -> Alertmanager -> receiver -> pager.

One test walks the whole outage because each step needs the state the previous one built (a
firing alert, an open incident); every check names what failed. It uses the demo's own
:class:`Scenario` steps, so the test proves what `make demo` shows.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests
import sqlalchemy as sa
from burnwise.receiver import schema

from burnwise.demo.scenario import ALERT_NAME, DemoFailure, Scenario
from burnwise.demo.stack import Stack
from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Directory
from tests.integration.chainlib import (
    ROSTER,
    RUNBOOK_URL,
    RUNBOOKS,
    fast_settings,
    stays_false,
    stopped_everything,
    wait_until,
)

pytestmark = pytest.mark.integration


def stored_notifications(database_url: str) -> list[dict]:
    """What Alertmanager posted, as the receiver stored it (the exact payloads to replay)."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(schema.notifications.c.payload).order_by(schema.notifications.c.id))
            return [row[0] for row in rows]
    finally:
        engine.dispose()


def am_alerts(stack: Stack) -> dict[str, str]:
    """severity -> Alertmanager's view (active / inhibited) of the checkout availability alerts."""
    return {
        a["labels"]["severity"]: ("inhibited" if a["status"]["inhibitedBy"] else a["status"]["state"])
        for a in stack.alertmanager_alerts()
        if a["labels"].get("alertname") == ALERT_NAME and a["labels"].get("slo") == "availability"
    }


def test_burn_pages_once_and_heal_resolves(tmp_path, prometheus_bin, alertmanager_bin, promtool_bin):
    lines: list[str] = []
    stack = Stack(fast_settings(tmp_path, prometheus_bin=prometheus_bin, alertmanager_bin=alertmanager_bin))
    try:
        stack.start()
        scenario = Scenario(stack, out=lines.append, poll_seconds=0.5)

        # healthy traffic never pages: the wait fails with a clear message (the demo's non-zero exit)
        scenario.wait_for_traffic(timeout=30)
        with pytest.raises(DemoFailure, match=r"the page did not happen within 2s.*Logs: ") as failure:
            scenario.wait_for_page(timeout=2)
        assert isinstance(failure.value, BurnwiseError)  # `burnwise demo` prints the message and exits 1
        assert stack.incidents() == []

        # a burn: Alertmanager posts, the receiver opens one incident, the pager gets one trigger
        scenario.break_service()
        event = scenario.wait_for_page(timeout=60)
        incidents = stack.incidents()
        assert len(incidents) == 1, incidents
        incident = stack.incident(incidents[0]["id"])
        assert (incident["status"], incident["severity"], incident["route"], incident["surface"]) == (
            "open", "sev1", "page", "payments"
        )
        assert incident["labels"]["alertname"] == ALERT_NAME and incident["service"] == "checkout"
        assert event["dedup_key"] == incident["dedup_key"]
        assert incident["dedup_key"].startswith("burnwise-") and incident["dedup_key"].endswith(f"-{incident['id']}")
        assert event["routing_key"] == "example-payments-routing-key"  # the roster's key for payments
        details = event["payload"]["custom_details"]
        assert details["incident_id"] == incident["id"]
        assert details["incident_url"] == f"{stack.receiver_url}/v1/incidents/{incident['id']}"
        opened = datetime.fromisoformat(incident["opened_at"]).replace(tzinfo=timezone.utc)
        on_call = Directory.load(ROSTER, RUNBOOKS).responders("payments", opened)
        assert details["paged"]["role"] == "primary"
        assert details["paged"]["contact"]["name"] == on_call.primary.name
        assert details["roster"]["backup"]["name"] == on_call.backup.name
        hrefs = {link["text"]: link["href"] for link in event["links"]}
        assert RUNBOOK_URL in hrefs.values()
        assert [u for t, u in hrefs.items() if t.startswith("Silence")][0].startswith(stack.alertmanager_url + "/#/silences/new")
        assert [u for t, u in hrefs.items() if t.startswith("Alert source")][0].startswith(stack.prometheus_url + "/graph")
        # the slower tiers burn too, but Alertmanager inhibits them: one page, no ticket
        wait_until(lambda: am_alerts(stack) == {"sev1": "active", "sev2": "inhibited", "sev3": "inhibited"}, 20,
                   "sev2 and sev3 to be inhibited by sev1")
        assert stack.pager.webhooks == []

        # the same notification again: accepted as a duplicate, nothing new
        payloads = stored_notifications(stack.database_url)
        assert payloads, "the receiver stored no notification"
        answer = requests.post(
            f"{stack.receiver_url}/v1/alertmanager", json=payloads[0],
            headers={"Authorization": f"Bearer {stack.token}"}, timeout=10,
        )
        assert answer.status_code == 200 and answer.json()["status"] == "duplicate", answer.text

        # an Alertmanager restart: it learns the alert again from Prometheus and sends nothing new
        stack.restart_alertmanager()
        wait_until(lambda: am_alerts(stack).get("sev1") == "active", 30, "the restarted Alertmanager to hold sev1 again")
        settle = stack.settings.group_wait + 2 * stack.settings.group_interval + 1
        assert stays_false(lambda: len(stack.pager.events) > 1 or len(stack.incidents()) > 1, settle), (
            stack.pager.events, stack.incidents()
        )

        # acknowledge, mitigate, heal: the resolve reaches the pager and the incident closes
        scenario.acknowledge(incident["id"])
        scenario.mitigate(incident["id"])
        scenario.heal_service()
        closed = scenario.wait_for_resolve(incident["id"], incident["dedup_key"], timeout=60)
        assert closed["resolved_by"] == "alertmanager"
        final = scenario.show_final(incident["id"])
        assert [e["kind"] for e in final["timeline"]] == ["detect", "acknowledge", "mitigation", "resolve"]
        assert [e["event_action"] for e in stack.pager.events] == ["trigger", "acknowledge", "resolve"]
        assert {e["dedup_key"] for e in stack.pager.events} == {incident["dedup_key"]}
        assert len(stack.incidents()) == 1
        assert stack.pager.webhooks == []
    finally:
        stack.stop()
    assert stopped_everything(stack) == []
    text = "\n".join(lines)
    for expected in ("==> The page reached the pager", RUNBOOK_URL, "acknowledged by ", "Final timeline"):
        assert expected in text
