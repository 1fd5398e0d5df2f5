"""Backtest tier attribution, unreachable tiers and grouped SLOs (issue 17, items 1, 5 and 6).

* A Sloth spec gives both page tiers one `severity`; the backtest must still credit sev1 and sev2
  apart (it matched alerts to tiers by severity, so sev2's alerts were counted as sev1's and sev2
  never "fired").
* At objective 80% a 14.4x burn needs 288% errors: `validate` warns and the backtest says so.
* A grouped SLO's backtest runs the scenario in one group beside a healthy one, which stays silent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from burnwise.cli import main
from burnwise.generator.advice import grouping_problems, spec_warnings
from burnwise.generator.loader import load_specs
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.proof.backtest import CANNOT_FIRE, format_table, run_backtest
from burnwise.generator.proof.scenarios import scenario

from tests.generator.specs import service_spec, slo, write_spec

SLOTH_GROUPED = Path(__file__).parents[1] / "interop" / "data" / "sloth-grouped.yml"
GROUPED = Path(__file__).parent / "data" / "grouped.yaml"
OUTAGE = scenario("outage", "", 20 * 60, [{"from": 0, "ratio": 1}, {"from": 600, "burn": "0.2"}], recovery_at=600)


def _tier(result, name):
    return next(t for t in result.tiers if t.tier == name)


def test_page_tiers_sharing_one_severity_are_credited_apart(promtool_bin):
    specs = load_specs([SLOTH_GROUPED])
    (slo_result,) = run_backtest(
        specs, [OUTAGE], promtool=Promtool.at(promtool_bin), history=3600, interval=60, slo_names={"requests-availability"}
    )
    (result,) = slo_result.scenarios
    assert result.error is None
    sev1, sev2 = _tier(result, "sev1"), _tier(result, "sev2")
    assert sev1.severity == sev2.severity == "critical"
    assert sev1.detected_seconds is not None and sev2.detected_seconds is not None
    # sev1 (short window 5m) stopped after recovery, sev2 (short window 30m) still fires: two tiers
    assert not sev1.still_firing and 0 < sev1.reset_seconds <= 300 + 120
    assert sev2.still_firing
    assert sev1.onsets == 1 and sev2.onsets == 1
    # grouped: the outage ran in one cluster beside a healthy one, which stayed silent
    assert result.healthy_group_alerts == 0
    assert "cluster_id=cluster_id-b stayed healthy and stayed silent" in format_table([slo_result])


def test_unreachable_tiers_are_warned_and_reported_as_such(promtool_bin, tmp_path):
    path = write_spec(tmp_path, service_spec(slos=[slo(objective=80)]))
    specs = load_specs([path])
    warnings = spec_warnings(specs)
    assert any("sev1 (page) can never fire at objective 80%" in w and "288% errors" in w for w in warnings)
    assert any("sev2 (page) can never fire at objective 80%" in w for w in warnings)
    assert not any("sev3" in w for w in warnings)  # 3x 20% = 60% errors can happen
    (slo_result,) = run_backtest(specs, [OUTAGE], promtool=Promtool.at(promtool_bin), history=3600, interval=60)
    (result,) = slo_result.scenarios
    assert [_tier(result, n).unreachable for n in ("sev1", "sev2", "sev3")] == [True, True, False]
    table = format_table([slo_result])
    sev1_row = next(line for line in table.splitlines() if "sev1 page" in line)
    assert CANNOT_FIRE in sev1_row
    assert CANNOT_FIRE not in next(line for line in table.splitlines() if "sev3 ticket" in line)


def test_reachable_tiers_get_no_warning(tmp_path):
    assert spec_warnings(load_specs([write_spec(tmp_path, service_spec())])) == []


def test_validate_prints_warnings_and_refuses_a_grouping_above_the_limit(tmp_path, capsys):
    path = write_spec(tmp_path, service_spec(slos=[slo(objective=80)]))
    assert main(["validate", "--no-promql", str(path)]) == 0
    assert "warning:" in capsys.readouterr().out
    assert main(["validate", "--no-promql", str(GROUPED)]) == 0
    assert main(["validate", "--no-promql", "--max-grouped-series", "1000", str(GROUPED)]) == 1
    err = capsys.readouterr().err
    assert "slos[1] (latency).group_by" in err and "above the limit of 1000" in err


def test_grouping_cost_uses_the_selectors_bound_or_max_groups():
    specs = load_specs([GROUPED])
    assert grouping_problems(specs, limit=10**6) == []
    (problem,) = grouping_problems(specs, limit=5000)  # latency: max_groups 200 (cluster unbounded) x 36
    assert problem.where == "slos[1] (latency).group_by" and "up to 200 groups x 36 recorded series" in problem.message


def test_unknown_group_count_is_a_warning(tmp_path):
    grouped_sli = {"events": {"error_query": 'rate(x{code="5"}[{{.window}}])', "total_query": "rate(x[{{.window}}])"}}
    specs = load_specs([write_spec(tmp_path, service_spec(slos=[slo(group_by=["tenant"], sli=grouped_sli)]))])
    (warning,) = spec_warnings(specs)
    assert "group_by (tenant): no label is bounded" in warning and "max_groups" in warning
