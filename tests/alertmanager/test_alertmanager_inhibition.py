"""A real Alertmanager, configured by `burnwise alertmanager-config`, notifies once per burn.

Posts a sev1 and a sev2 of the same SLO (plus controls: a sev2 of another SLO, a sev3 of a third)
and checks what reaches a webhook sink: the sev1 on the page path, the other SLO's sev2 (inhibition
is per SLO, not blanket), the sev3 on the ticket path, never the muted sev2, and the token from the
credentials file as a Bearer header.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from burnwise.cli import main
from tests.alertmanager.am_testlib import REPO, alert_severities, running_alertmanager, webhook_sink

pytestmark = pytest.mark.integration


def burn_alert(service: str, slo: str, owner: str, severity: str, tier: str) -> dict:
    """An alert with the labels burnwise's rules put on a burn-rate alert."""
    now = datetime.now(timezone.utc)
    return {
        "labels": {
            "alertname": f"{service.capitalize()}{slo.capitalize()}BudgetBurn",
            "service": service,
            "slo": slo,
            "owner": owner,
            "severity": severity,
            "burnwise_tier": tier,
        },
        "annotations": {"summary": f"{service} {slo} {severity}"},
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
    }


def notified(deliveries, slo: str, severity: str) -> list[str]:
    """Paths of deliveries that carried the firing alert of ``slo`` at ``severity``."""
    return [d.path for d in deliveries if (slo, severity, "firing") in alert_severities(d)]


def test_sev1_inhibits_sev2_of_the_same_slo_only(alertmanager_bin, tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)  # the example specs and roster, as a user runs the command
    token = "test-token-1f9c"
    credentials = tmp_path / "receiver-token"
    credentials.write_text(token + "\n", encoding="utf-8")
    config = tmp_path / "alertmanager.yaml"
    with webhook_sink() as sink:
        assert main([
            "alertmanager-config", "--full", "--out", str(config),
            "--receiver-url", sink.url, "--credentials-file", str(credentials),
            "--group-wait", "1s", "--group-interval", "1s",
        ]) == 0
        with running_alertmanager(alertmanager_bin, config, tmp_path) as am:
            am.post_alerts([
                burn_alert("checkout", "availability", "payments", "sev1", "page"),
                burn_alert("checkout", "availability", "payments", "sev2", "page"),
                burn_alert("checkout", "latency", "payments", "sev2", "page"),
                burn_alert("search", "latency", "search", "sev3", "ticket"),
            ])
            got = sink.wait_for(
                lambda ds: notified(ds, "availability", "sev1")
                and notified(ds, "latency", "sev2")
                and notified(ds, "latency", "sev3")
            )
            muted = [
                a for a in am.alerts()
                if a["labels"]["slo"] == "availability" and a["labels"]["severity"] == "sev2"
            ]
            # A few more group intervals: a muted alert that was going out would have gone by now.
            time.sleep(3)
            got = sink.snapshot()

    assert notified(got, "availability", "sev1") and set(notified(got, "availability", "sev1")) == {"/v1/alertmanager"}
    assert set(notified(got, "latency", "sev2")) == {"/v1/alertmanager"}
    assert set(notified(got, "latency", "sev3")) == {"/v1/alertmanager/ticket"}
    assert notified(got, "availability", "sev2") == [], "the sev2 of a burning sev1's SLO reached the receiver"
    [state] = [a["status"] for a in muted]
    assert state["state"] == "suppressed" and state["inhibitedBy"], state
    assert {d.authorization for d in got} == {f"Bearer {token}"}
    assert all(d.body.get("version") == "4" for d in got)
