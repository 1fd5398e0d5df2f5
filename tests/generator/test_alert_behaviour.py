"""The generated rules behave as the Workbook says, proven by the real `promtool test rules`.

Each case feeds synthetic counters (1-minute resolution) to the rules of a 99.9% / 30d SLO and
asks which alerts are firing at chosen times, via the ALERTS series promtool keeps.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import rule_files
from burnwise.generator.promtool.runner import Promtool

from tests.generator.promtool_cases import Segment, http_series, write_test_file
from tests.generator.specs import service_spec, write_spec


@pytest.fixture
def rules_file(tmp_path) -> Path:
    specs = load_specs([write_spec(tmp_path, service_spec())])
    path = tmp_path / "checkout.rules.yaml"
    path.write_text(rule_files(specs)["checkout.rules.yaml"], encoding="utf-8")
    return path


def firing(severity: str, minute: int, present: bool) -> dict:
    """An expression test: is the alert of ``severity`` firing at ``minute``?"""
    labels = (
        'ALERTS{alertname="CheckoutAvailabilityBudgetBurn", alertstate="firing", burnwise_tier="%s", '
        'owner="checkout", service="checkout", severity="%s", slo="availability"}'
        % ("ticket" if severity == "sev3" else "page", severity)
    )
    return {
        "expr": f'ALERTS{{alertstate="firing",severity="{severity}"}}',
        "eval_time": f"{minute}m",
        "exp_samples": [{"labels": labels, "value": 1}] if present else [],
    }


def nothing_firing(minute: int) -> dict:
    return {"expr": 'ALERTS{alertstate="firing"}', "eval_time": f"{minute}m", "exp_samples": []}


def run(promtool_bin, tmp_path, rules_file, segments, expr_tests):
    test = write_test_file(tmp_path, rules_file, http_series(segments), expr_tests)
    result = Promtool.at(promtool_bin).test_rules([test])
    assert result.ok, result.format()


def test_full_outage_pages_sev1_within_two_minutes(promtool_bin, tmp_path, rules_file):
    lead_in = 120
    segments = [Segment(lead_in, 1000, 0.0), Segment(30, 1000, 1.0)]
    run(
        promtool_bin,
        tmp_path,
        rules_file,
        segments,
        [nothing_firing(lead_in), firing("sev1", lead_in + 2, True), firing("sev1", lead_in + 20, True)],
    )


def test_ten_minute_one_percent_blip_fires_nothing(promtool_bin, tmp_path, rules_file):
    lead_in = 360
    segments = [Segment(lead_in, 1000, 0.0), Segment(10, 1000, 0.01), Segment(120, 1000, 0.0)]
    checks = [nothing_firing(minute) for minute in range(lead_in, lead_in + 130, 5)]
    run(promtool_bin, tmp_path, rules_file, segments, checks)


def test_sustained_2x_burn_fires_the_ticket_and_no_page(promtool_bin, tmp_path, rules_file):
    lead_in = 60
    segments = [Segment(lead_in, 1000, 0.0), Segment(240, 1000, 0.002)]
    checks = [firing("sev3", lead_in + 180, True), firing("sev3", lead_in + 239, True)]
    for minute in range(lead_in, lead_in + 240, 10):
        checks += [firing("sev1", minute, False), firing("sev2", minute, False)]
    run(promtool_bin, tmp_path, rules_file, segments, checks)


def test_alerts_reset_after_the_errors_stop(promtool_bin, tmp_path, rules_file):
    lead_in = 120
    segments = [Segment(lead_in, 1000, 0.0), Segment(10, 1000, 1.0), Segment(60, 1000, 0.0)]
    # sev1's short window is 5m: a few minutes after recovery the page must stop.
    run(
        promtool_bin,
        tmp_path,
        rules_file,
        segments,
        [firing("sev1", lead_in + 9, True), firing("sev1", lead_in + 10 + 7, False)],
    )


def in_range(expr: str, low: float, high: float, minute: int, labels: str) -> dict:
    return {
        "expr": f"({expr} > bool {low}) * ({expr} < bool {high})",
        "eval_time": f"{minute}m",
        "exp_samples": [{"labels": labels, "value": 1}],
    }


SLO_LABELS = '{service="checkout", slo="availability"}'


def test_period_ratio_is_a_ratio_of_sums_under_variable_traffic(promtool_bin, tmp_path, rules_file):
    # 60 min of 1000 rpm at 1% errors, then 60 min of 100 rpm with none: 600 / 66000 = 0.00909,
    # where an average of ratios would say ~0.005.
    segments = [Segment(60, 1000, 0.01), Segment(60, 100, 0.0)]
    exact = 600 / 66000
    run(
        promtool_bin,
        tmp_path,
        rules_file,
        segments,
        [in_range("slo:burnwise_error_ratio:rate30d", exact * 0.98, exact * 1.02, 120, SLO_LABELS)],
    )


def test_zero_traffic_leaves_no_nan_and_keeps_the_budget(promtool_bin, tmp_path, rules_file):
    # 2h at 0.05% errors (half the budget), then 2h with no traffic at all.
    segments = [Segment(120, 1000, 0.0005), Segment(120, 0, 0.0)]
    run(
        promtool_bin,
        tmp_path,
        rules_file,
        segments,
        [
            # no events in the last 5m: the short ratio is absent, not NaN
            {"expr": "slo:burnwise_error_ratio:rate5m", "eval_time": "230m", "exp_samples": []},
            # the period still reads half the budget left
            in_range("slo:burnwise_error_budget_remaining:ratio", 0.45, 0.55, 230, SLO_LABELS),
            nothing_firing(230),
        ],
    )
