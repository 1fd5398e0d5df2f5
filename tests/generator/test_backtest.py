"""`burnwise backtest` against the real promtool: detection, reset and budget numbers that mean something.

Each test replays a scenario through `promtool test rules` (real Prometheus evaluation) and checks
the measured times against the Workbook's arithmetic, computed here from the spec.
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from burnwise.generator.proof.backtest import builtin_scenarios, format_table, run_backtest
from burnwise.generator.loader import load_specs
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.proof.scenarios import scenario
from burnwise.generator.windows import tiers_for

from burnwise.cli import main
from tests.generator.specs import service_spec, write_spec

EVAL = 60  # the evaluation interval these short runs use
SCRAPE = 60  # input samples are one minute apart


@pytest.fixture
def checkout(tmp_path):
    """checkout availability: 99.9% over 30d, events SLI."""
    return load_specs([write_spec(tmp_path, service_spec())])


def tier(result, name):
    return next(t for t in result.tiers if t.tier == name)


def test_full_outage_on_a_999_slo_pages_within_one_evaluation_of_the_workbook_time(promtool_bin, checkout):
    outage = scenario("outage", "", 40 * 60, [{"from": 0, "ratio": 1}, {"from": 1200, "burn": "0.2"}], recovery_at=1200)
    (slo_result,) = run_backtest(checkout, [outage], promtool=Promtool.at(promtool_bin), history=3600, interval=EVAL)
    (result,) = slo_result.scenarios
    assert result.error is None
    objective = checkout[0].spec.slos[0]
    sev1 = next(t for t in tiers_for(objective) if t.name == "sev1").conditions[0]
    workbook = float(objective.error_budget / 1 * sev1.long * sev1.factor)  # (1-SLO)/ratio x window x factor
    measured = tier(result, "sev1")
    assert measured.workbook_seconds == pytest.approx(workbook)
    assert workbook - EVAL <= measured.detected_seconds <= workbook + EVAL + SCRAPE
    assert result.paged
    # the page stops within its short window (plus an evaluation and a scrape) after recovery
    assert 0 < measured.reset_seconds <= sev1.short + EVAL + SCRAPE
    # budget before the first page: minutes of 100% errors over the period's budget at constant traffic
    spent = (measured.detected_seconds / 60) / (float(objective.error_budget) * objective.period / 60)
    assert result.budget_before_first_page == pytest.approx(spent, rel=0.05)


def test_a_ten_minute_one_percent_blip_pages_nothing(promtool_bin, checkout):
    objective = checkout[0].spec.slos[0]
    (blip,) = [s for s in builtin_scenarios(objective) if s.name == "blip-10m"]
    assert blip.error_ratio[0].start_ratio(objective.error_budget) == Decimal("0.01")  # 1% at 99.9%
    (slo_result,) = run_backtest(checkout, [blip], promtool=Promtool.at(promtool_bin), history=2 * 3600, interval=EVAL)
    (result,) = slo_result.scenarios
    assert result.error is None
    assert not result.paged
    assert all(t.detected_seconds is None and t.onsets == 0 for t in result.tiers)


def test_builtin_scenarios_cover_the_issue_list_and_fit_the_slo(checkout):
    objective = checkout[0].spec.slos[0]
    scenarios = {s.name: s for s in builtin_scenarios(objective)}
    assert set(scenarios) == {
        "full-outage", "burn-15.84x", "burn-6.6x", "burn-3.3x", "burn-1.1x", "burn-0.5x", "blip-5m", "blip-10m",
        "slow-leak", "flapping", "zero-traffic", "low-traffic",
    }
    longest = max(c.long for t in tiers_for(objective) for c in t.conditions)
    # a sustained 3.3x burn runs past the Workbook's 1d detection time, but no sustained burn beyond 1.2x the 3d window
    assert scenarios["burn-3.3x"].recovery_at >= 24 * 3600
    assert all(s.recovery_at is None or s.recovery_at <= longest * 1.2 + 60 for s in scenarios.values())


def test_cli_replays_a_scenario_file_and_prints_json(promtool_bin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    spec = write_spec(tmp_path, service_spec())
    scenarios = tmp_path / "incidents.yaml"
    scenarios.write_text(
        "scenarios:\n"
        "  - name: db-failover\n"
        "    description: half the requests failed for ten minutes\n"
        "    duration: 30m\n"
        "    recovery_at: 20m\n"
        "    error_ratio:\n"
        "      - {from: 0s, burn: 0.2}\n"
        "      - {from: 10m, ratio: 0.5}\n"
        "      - {from: 20m, burn: 0.2}\n",
        encoding="utf-8",
    )
    code = main(["backtest", str(spec), "--scenarios", str(scenarios), "--history", "1h", "--eval-interval", "1m", "--json"])
    assert code == 0
    (slo_result,) = json.loads(capsys.readouterr().out)
    (result,) = slo_result["scenarios"]
    assert result["scenario"] == "db-failover" and result["paged"] is True
    sev1 = next(t for t in result["tiers"] if t["tier"] == "sev1")
    workbook_from_incident_start = 0.001 / 0.5 * 3600 * 14.4
    assert 600 <= sev1["detected_seconds"] <= 600 + workbook_from_incident_start + EVAL + SCRAPE
    assert sev1["workbook_seconds"] is None  # the ratio is not steady over the scenario


def test_table_names_every_tier_and_the_workbook_column(promtool_bin, checkout):
    outage = scenario("outage", "", 20 * 60, [{"from": 0, "ratio": 1}])
    results = run_backtest(checkout, [outage], promtool=Promtool.at(promtool_bin), history=3600, interval=EVAL)
    table = format_table(results)
    assert "checkout/availability: 99.9% over 30d, history 1h" in table
    assert "workbook" in table and "52s" in table  # sev1: 0.001 x 1h x 14.4 = 51.8s
    assert table.count("outage (every 1m)") == 1 and "sev3 ticket" in table


def test_bad_scenario_file_is_a_user_error(tmp_path, capsys):
    spec = write_spec(tmp_path, service_spec())
    bad = tmp_path / "bad.yaml"
    bad.write_text("- name: Bad Name\n  duration: 1h\n  error_ratio: 2\n", encoding="utf-8")
    assert main(["backtest", str(spec), "--scenarios", str(bad)]) == 1
    err = capsys.readouterr().err
    assert str(bad) in err and "scenarios[0]" in err
