"""What the generated rules must and must not contain (structure; behaviour is in test_alert_behaviour)."""

from __future__ import annotations

import re

import pytest
from burnwise.generator import names
from burnwise.generator.rules import AlertingRule, RecordingRule, rule_groups
from burnwise.generator.spec import ServiceSpec

from tests.generator.specs import service_spec, slo


def groups_for(**slo_overrides):
    spec = ServiceSpec.model_validate(service_spec(labels={"team": "payments"}, owner="payments", slos=[slo(**slo_overrides)]))
    return rule_groups(spec)


def all_rules(groups):
    return [rule for group in groups for rule in group.rules]


def test_one_group_per_slo_recordings_before_alerts():
    spec = ServiceSpec.model_validate(service_spec(slos=[slo(name="b"), slo(name="a")]))
    groups = rule_groups(spec)
    assert [g.name for g in groups] == ["burnwise-checkout-a", "burnwise-checkout-b"]
    for group in groups:
        kinds = [isinstance(r, AlertingRule) for r in group.rules]
        assert kinds == sorted(kinds), "an alert comes before a recording rule"


def test_every_rule_carries_service_slo_and_spec_labels():
    for rule in all_rules(groups_for()):
        assert rule.labels["service"] == "checkout"
        assert rule.labels["slo"] == "availability"
        assert rule.labels["team"] == "payments"


def test_recording_names_follow_level_metric_operations():
    for rule in all_rules(groups_for()):
        if isinstance(rule, RecordingRule):
            assert re.fullmatch(r"[a-z_]+:[a-z_]+:[a-z0-9_]+", rule.record), rule.record


def test_alert_labels_and_annotations():
    alerts = [r for r in all_rules(groups_for(alerting={"runbook_url": "https://rb/x"})) if isinstance(r, AlertingRule)]
    assert [a.labels["severity"] for a in alerts] == ["sev1", "sev2", "sev3"]
    assert [a.labels["burnwise_tier"] for a in alerts] == ["page", "page", "ticket"]
    assert {a.alert for a in alerts} == {"CheckoutAvailabilityBudgetBurn"}
    for alert in alerts:
        assert alert.labels["owner"] == "payments"
        assert alert.annotations["runbook_url"] == "https://rb/x"
        assert alert.annotations["burnwise_objective"] == "99.9"
        assert "$value" in alert.annotations["description"]
        assert "summary" in alert.annotations
        # the burn rate as a number for tools (regression cases), not only inside the English summary
        assert alert.annotations["burnwise_burn_rate"] == "{{ $value }}"


def test_sev1_description_states_budget_share():
    sev1 = [r for r in all_rules(groups_for()) if isinstance(r, AlertingRule)][0]
    assert "above 14.4x over 1h and 5m" in sev1.annotations["description"]
    assert "2% of the 30d error budget is spent in 1h" in sev1.annotations["description"]


def test_thresholds_print_exactly():
    text = "\n".join(r.expr for r in all_rules(groups_for(objective=99.9)))
    assert "> 14.4" in text
    assert "/ 0.001" in text
    assert "vector(0.999)" in text
    assert not re.search(r"\d\.\d{10,}", text), "a float artefact leaked into an expression"


def test_no_group_left_joins_and_no_long_raw_ranges():
    for rule in all_rules(groups_for()):
        assert "group_left" not in rule.expr and "group_right" not in rule.expr
        for match in re.finditer(r"http_requests_total\{[^}]*\}\[(\w+)\]", rule.expr):
            assert match.group(1) in ("5m", "30m", "1h"), f"raw series read over {match.group(1)}"


def test_long_windows_are_sums_of_recorded_windows_end_to_end():
    rules = {r.record: r for r in all_rules(groups_for()) if isinstance(r, RecordingRule)}
    three_days = rules[names.errors(3 * 86400)].expr
    assert three_days.startswith("(\n  86400 * slo:burnwise_errors:rate1d{")
    assert re.findall(r"slo:burnwise_errors:rate1d\{[^}]*\} offset (\w+)", three_days) == ["1d", "2d"]
    assert three_days.rstrip().endswith(") / 259200")
    period = rules[names.events(30 * 86400)].expr
    assert re.findall(r"offset (\w+)", period) == [f"{3 * k}d" for k in range(1, 10)]
    assert "_over_time" not in "\n".join(r.expr for r in rules.values())  # instant lookups only


def test_remainders_of_scaled_windows_read_the_raw_series():
    """7d: the 1h24m window is the raw hour plus the raw 24m before it (recorded as counts only)."""
    rules = {r.record: r for r in all_rules(groups_for(period="7d")) if isinstance(r, RecordingRule)}
    window = rules[names.errors(84 * 60)].expr
    assert "1440 * (slo:burnwise_errors:rate24m{" in window and "} offset 1h or 0 *" in window
    assert "http_requests_total" in rules[names.errors(24 * 60)].expr
    assert names.burn_rate(24 * 60) not in rules


def test_intermediate_windows_record_counts_only():
    """Tiers jumping from 1h to 3d: the 3d window sums four 18h boxes, not 72 hours."""
    tiers = {"sev1": {"disable": True}, "sev2": {"disable": True}, "sev3": {"windows": [{"factor": 1, "long": "3d", "short": "1h"}]}}
    rules = {r.record: r for r in all_rules(groups_for(alerting={"tiers": tiers})) if isinstance(r, RecordingRule)}
    assert rules[names.errors(3 * 86400)].expr.count(" offset ") == 3
    assert names.events(18 * 3600) in rules and names.burn_rate(18 * 3600) not in rules


def test_windowed_queries_that_are_not_rates_run_over_every_window():
    """Sums of points over a range share the point on a seam, so they cannot be tiled."""
    points = "sum_over_time((count(x < 0.5))[{{.window}}:])"
    rules = {
        r.record: r
        for r in all_rules(groups_for(sli={"events": {"error_query": points, "total_query": "sum_over_time((count(x))[{{.window}}:])"}}))
        if isinstance(r, RecordingRule)
    }
    assert rules[names.errors(3 * 86400)].expr == "(sum(sum_over_time((count(x < 0.5))[3d:])) or (0 * sum(sum_over_time((count(x))[3d:]))))"
    assert names.errors(3600) in rules  # the 30d table has a 1h window anyway


def test_ratios_are_ratios_of_sums_and_never_nan():
    rules = {r.record: r for r in all_rules(groups_for()) if isinstance(r, RecordingRule)}
    period_ratio = rules[names.error_ratio(30 * 86400)].expr
    assert "slo:burnwise_errors:rate30d" in period_ratio and "slo:burnwise_events:rate30d" in period_ratio
    assert "> 0)" in period_ratio  # zero events -> no sample instead of NaN
    assert "avg_over_time(slo:burnwise_error_ratio" not in "\n".join(r.expr for r in rules.values())


def test_metadata_recordings():
    rules = {r.record: r for r in all_rules(groups_for(objective=99.95, period="28d")) if isinstance(r, RecordingRule)}
    assert rules[names.OBJECTIVE].expr == "vector(0.9995)"
    assert rules[names.ERROR_BUDGET].expr == "vector(0.0005)"
    assert rules[names.PERIOD].expr == "vector(2419200)"
    assert rules[names.BUDGET_REMAINING].expr.startswith("1 - slo:burnwise_error_ratio:rate28d")
    info = rules[names.INFO]
    assert info.labels["objective"] == "99.95" and info.labels["period"] == "28d" and info.labels["sli"] == "events"
    assert names.burn_rate(300) in rules


def test_latency_matches_both_le_spellings():
    rules = all_rules(groups_for(sli={"latency": {"metric": "http_request_duration_seconds", "selector": '{job="a"}', "threshold": 1}}))
    text = "\n".join(r.expr for r in rules)
    assert 'http_request_duration_seconds_bucket{job="a",le=~"1|1\\\\.0"}[5m]' in text
    assert 'http_request_duration_seconds_count{job="a"}[5m]' in text


def test_raw_sli_runs_its_query_over_every_window_and_records_no_counts():
    rules = {r.record: r for r in all_rules(groups_for(sli={"raw": {"error_ratio_query": "avg_over_time(x[{{.window}}])"}})) if isinstance(r, RecordingRule)}
    assert names.errors(300) not in rules
    assert rules[names.error_ratio(300)].expr == "(avg_over_time(x[5m])) >= 0"
    assert rules[names.error_ratio(6 * 3600)].expr == "(avg_over_time(x[6h])) >= 0"
    # the period (read by no alert) averages the 5m ratio, as Sloth does: the query over 30d costs too much
    period = rules[names.error_ratio(30 * 86400)].expr
    assert period == 'avg_over_time(slo:burnwise_error_ratio:rate5m{service="checkout",slo="availability"}[30d])'


def test_min_events_guards_every_condition():
    alerts = [r for r in all_rules(groups_for(min_events=50)) if isinstance(r, AlertingRule)]
    for alert in alerts:
        assert alert.expr.count(">= 50") == alert.expr.count("(\n")


def test_disabled_tier_and_no_data_alert():
    alerts = [r for r in all_rules(groups_for(alerting={"tiers": {"sev2": {"disable": True}}, "no_data_for": "10m"})) if isinstance(r, AlertingRule)]
    assert [a.labels["severity"] for a in alerts] == ["sev1", "sev3", "sev3"]
    no_data = alerts[-1]
    assert no_data.alert == "CheckoutAvailabilityBudgetBurnNoData"
    assert no_data.for_ == 600
    assert no_data.expr.startswith("absent(slo:burnwise_events:rate5m")


@pytest.mark.parametrize("objective,budget", [(99.9, "0.001"), (99.99, "0.0001"), (99.5, "0.005"), (95, "0.05"), (99.95, "0.0005")])
def test_budget_constants_are_exact(objective, budget):
    rules = {r.record: r for r in all_rules(groups_for(objective=objective)) if isinstance(r, RecordingRule)}
    assert rules[names.ERROR_BUDGET].expr == f"vector({budget})"
