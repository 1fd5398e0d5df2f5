"""Regression cases at gate scale: a few seconds of promtool time, and noisy incidents flagged.

A ticket case (3-day window) used to simulate the whole window as history plus the failure at one
evaluation a minute against every SLO of the service (76 s of promtool time). It now simulates
only what the longest window holds at the evaluated minute, evaluates every 5 minutes past 16
hours, and `burnwise test` runs it against its SLO's own rule groups. It must still pass against
the committed rules and fail when its tier is gone. A case from an incident nobody acknowledged
that resolved itself within minutes is written with a flag that `burnwise test` prints.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from burnwise.commands.test import flagged
from burnwise.receiver.records import IncidentDetail
from burnwise.reports.regression import FLAG_PREFIX, build_test, plan_regression, write_case
from burnwise.reports.slos import find_slo, load_catalog

REPO = Path(__file__).resolve().parents[2]
OPENED = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)


def incident(severity: str, lasted: timedelta, acknowledged: bool, burn: str | None = None) -> IncidentDetail:
    labels = {"alertname": "CheckoutAvailabilityBudgetBurn", "service": "checkout", "slo": "availability", "severity": severity}
    alert = {
        "fingerprint": "fp", "alertname": labels["alertname"], "status": "resolved", "severity": severity, "labels": labels,
        "annotations": {"burnwise_burn_rate": burn} if burn else {}, "starts_at": OPENED, "ends_at": OPENED + lasted,
        "generator_url": "", "first_seen_at": OPENED, "last_seen_at": OPENED + lasted,
    }
    return IncidentDetail.model_validate({
        "id": 7, "status": "resolved", "severity": severity, "route": "page", "title": "t", "receiver": "r", "group_key": "g",
        "surface": "payments", "service": "checkout", "slo": "availability", "owner": None, "labels": labels, "responders": None,
        "links": [], "dedup_key": "d", "opened_at": OPENED, "acknowledged_at": OPENED + timedelta(minutes=2) if acknowledged else None,
        "acknowledged_by": "ana" if acknowledged else None, "resolved_at": OPENED + lasted, "resolved_by": "alertmanager",
        "escalation_step": 0, "escalation_chain": [], "escalation_due_at": None, "alerts": [alert], "timeline": [], "pages": [],
    })


@pytest.fixture(scope="module")
def ref():
    return find_slo(load_catalog(REPO / "slo_specs"), "checkout", "availability")


def test_an_unacknowledged_page_that_resolved_itself_within_minutes_is_flagged(ref, tmp_path):
    plan = plan_regression(incident("sev1", timedelta(minutes=4), acknowledged=False, burn="20"), ref)
    assert plan.noisy and "never acknowledged and resolved on its own after 4m" in plan.noisy
    path = write_case(plan, ref, tmp_path, REPO / "rendered_rules")
    assert f"{FLAG_PREFIX} incident 7 was never acknowledged" in path.read_text()
    assert flagged(path) == plan.noisy


@pytest.mark.parametrize("lasted, acknowledged", [(timedelta(minutes=4), True), (timedelta(minutes=40), False)])
def test_acknowledged_or_long_incidents_are_not_flagged(ref, tmp_path, lasted, acknowledged):
    plan = plan_regression(incident("sev1", lasted, acknowledged, burn="20"), ref)
    assert plan.noisy is None
    assert flagged(write_case(plan, ref, tmp_path, REPO / "rendered_rules")) is None


def test_a_ticket_case_simulates_only_what_its_window_holds_at_five_minute_steps(ref):
    plan = plan_regression(incident("sev3", timedelta(hours=2), acknowledged=True, burn="6"), ref)
    longest = 3 * 24 * 60  # the ticket's 3d window
    assert plan.history_minutes + plan.failure_minutes == pytest.approx(max(longest, 60 + plan.failure_minutes), abs=5)
    assert plan.history_minutes % 5 == 0 and plan.failure_minutes % 5 == 0
    data = build_test(plan, ref, "../../checkout.rules.yaml").to_data()
    assert data["evaluation_interval"] == "5m"
    assert data["tests"][0]["interval"] == "1m"  # input samples stay one minute apart


@pytest.mark.integration
def test_the_short_ticket_case_passes_now_and_fails_without_its_tier(ref, tmp_path, promtool_bin, monkeypatch):
    from burnwise.commands.test import run_files
    from burnwise.generator.loader import load_specs
    from burnwise.generator.pipeline import rule_files
    from burnwise.generator.promtool.runner import Promtool

    plan = plan_regression(incident("sev3", timedelta(hours=2), acknowledged=True, burn="6"), ref)
    promtool = Promtool.at(promtool_bin)
    case = write_case(plan, ref, tmp_path / "cases", REPO / "rendered_rules")
    [now] = run_files(promtool, [case], jobs=1, timeout=120)
    assert now.ok, now.format()

    doc = yaml.safe_load((REPO / "slo_specs" / "checkout.yaml").read_text())
    slo = next(s for s in doc["slos"] if s["name"] == "availability")
    slo.setdefault("alerting", {}).setdefault("tiers", {})["sev3"] = {"disable": True}
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "checkout.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    (tmp_path / "rules").mkdir()
    for name, text in rule_files(load_specs([tmp_path / "specs"])).items():
        (tmp_path / "rules" / name).write_text(text)
    gone = write_case(plan, ref, tmp_path / "gone", tmp_path / "rules")
    [without] = run_files(promtool, [gone], jobs=1, timeout=120)
    assert not without.ok
