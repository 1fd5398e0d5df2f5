"""Real Alertmanager -> `burnwise serve` on PostgreSQL -> pager, with the demo's routing config.

Beside the full chain (which runs on SQLite), this proves the PostgreSQL path end to end: alerts
posted to Alertmanager's API are routed by severity (sev1 to the page endpoint, sev3 of another
SLO to the ticket endpoint), stored in PostgreSQL, paged, and resolved when Alertmanager sends the
resolve. Prometheus is not needed for that, which keeps this test to a few seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests
import sqlalchemy as sa

from burnwise.demo.stack import Stack
from tests.integration.chainlib import RUNBOOK_URL, fast_settings, stopped_everything, wait_until

pytestmark = [pytest.mark.integration, pytest.mark.postgres]

BASE = {"service": "checkout", "owner": "payments", "team": "payments"}


def am_alert(slo: str, severity: str, tier: str, ends_at: datetime, starts_at: datetime) -> dict:
    return {
        "labels": {
            **BASE,
            "alertname": f"Checkout{slo.capitalize()}BudgetBurn",
            "slo": slo,
            "severity": severity,
            "burnwise_tier": tier,
        },
        "annotations": {"summary": f"checkout {slo} burning", "runbook_url": f"https://runbooks.example.com/checkout/{slo}"},
        "startsAt": starts_at.isoformat(),
        "endsAt": ends_at.isoformat(),
        "generatorURL": "http://prometheus.example/graph",
    }


def post_alerts(stack: Stack, alerts: list[dict]) -> None:
    response = requests.post(f"{stack.alertmanager_url}/api/v2/alerts", json=alerts, timeout=10)
    assert response.status_code == 200, response.text


def test_alertmanager_to_receiver_on_postgres(tmp_path, alertmanager_bin, postgres_url):
    stack = Stack(fast_settings(tmp_path, alertmanager_bin=alertmanager_bin, database_url=postgres_url))
    try:
        stack.start_pager()
        stack.start_receiver()
        stack.start_alertmanager()
        start = datetime.now(timezone.utc).replace(microsecond=0)
        firing = [
            am_alert("availability", "sev1", "page", start + timedelta(hours=1), start),
            am_alert("latency", "sev3", "ticket", start + timedelta(hours=1), start),
        ]
        post_alerts(stack, firing)

        triggers = wait_until(lambda: [e for e in stack.pager.events if e["event_action"] == "trigger"], 30, "the page")
        wait_until(lambda: stack.pager.webhooks, 30, "the ticket")
        incidents = {i["slo"]: i for i in stack.incidents()}
        assert sorted(incidents) == ["availability", "latency"]
        page, ticket = incidents["availability"], incidents["latency"]
        assert (page["route"], page["severity"], ticket["route"], ticket["severity"]) == ("page", "sev1", "ticket", "sev3")
        assert [t["dedup_key"] for t in triggers] == [page["dedup_key"]]
        assert RUNBOOK_URL in {link["href"] for link in triggers[0]["links"]}
        assert stack.pager.webhooks[0].path == "/ticket"
        assert stack.pager.webhooks[0].body["event"] == "incident.opened"
        assert stack.pager.webhooks[0].body["incident"]["id"] == ticket["id"]

        # the rows are in PostgreSQL, in the fixture's schema
        engine = sa.create_engine(postgres_url)
        try:
            with engine.connect() as conn:
                count = conn.execute(sa.text("SELECT count(*) FROM incidents")).scalar()
                schema = conn.execute(sa.text("SELECT current_schema()")).scalar()
        finally:
            engine.dispose()
        assert count == 2 and schema.startswith("t_")

        # Alertmanager sends the resolve; the page incident closes and the pager gets a resolve
        ended = datetime.now(timezone.utc)
        post_alerts(stack, [{**a, "endsAt": ended.isoformat()} for a in firing])
        wait_until(
            lambda: [e for e in stack.pager.events if e["event_action"] == "resolve" and e["dedup_key"] == page["dedup_key"]],
            30, "the resolve at the pager",
        )
        closed = wait_until(lambda: stack.incident(page["id"])["status"] == "resolved" and stack.incident(page["id"]), 10, "closed")
        assert [e["kind"] for e in closed["timeline"]] == ["detect", "resolve"]
        assert [e["event_action"] for e in stack.pager.events] == ["trigger", "resolve"]
    finally:
        stack.stop()
    assert stopped_everything(stack) == []
