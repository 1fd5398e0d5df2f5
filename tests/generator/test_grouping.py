"""Grouped SLOs (`group_by`): validation, per-group rules, and the generated per-group promtool proof.

The promtool tests run the real binary on what `burnwise generate` writes: the per-group case
passes against the grouped rules (the failing group pages with its label, the healthy group
stays silent) and fails against the same SLO's rules without grouping, the collapse of issue 17.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from burnwise.generator.errors import SpecError
from burnwise.generator.grouping import group_bound, label_values, two_groups
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import render_outputs, write_outputs
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.rules import alerting_rules, recording_rules
from burnwise.generator.spec import ServiceSpec

from tests.generator.specs import service_spec, slo, write_spec

DATA = Path(__file__).parent / "data" / "grouped.yaml"


GROUPED_SLI = {"events": {"error_query": 'rate(x{code="5"}[{{.window}}])', "total_query": "rate(x[{{.window}}])"}}


def _grouped(**overrides) -> dict:
    return service_spec(slos=[slo(group_by=["cluster"], **overrides)])


@pytest.mark.parametrize(
    ("group_by", "reason"),
    [
        (["le"], "cannot group by 'le'"),
        (["severity"], "cannot group by 'severity'"),
        (["alertname"], "cannot group by 'alertname'"),
        (["__name__"], "not a valid Prometheus label name"),
        (["9lives"], "not a valid Prometheus label name"),
        (["cluster", "cluster"], "listed twice"),
    ],
)
def test_group_by_labels_are_validated(tmp_path, group_by, reason):
    path = write_spec(tmp_path, service_spec(slos=[slo(group_by=group_by)]))
    with pytest.raises(SpecError) as caught:
        load_specs([path])
    assert reason in str(caught.value)
    assert "group_by" in str(caught.value)


def test_group_label_may_not_also_be_a_fixed_label(tmp_path):
    path = write_spec(tmp_path, service_spec(slos=[slo(group_by=["cluster"], sli=GROUPED_SLI, labels={"cluster": "eu"})]))
    with pytest.raises(SpecError, match="also set as a fixed label"):
        load_specs([path])
    path = write_spec(tmp_path, service_spec(labels={"cluster": "eu"}, slos=[slo(group_by=["cluster"], sli=GROUPED_SLI)]))
    with pytest.raises(SpecError, match="also a service label"):
        load_specs([path])


def test_a_query_that_sums_the_groups_away_is_refused_naming_the_field(tmp_path):
    # the default test SLI is one plain sum(...): it cannot be split per cluster
    path = write_spec(tmp_path, _grouped())
    with pytest.raises(SpecError) as caught:
        load_specs([path])
    assert "sli.events.error_query" in str(caught.value) and "sum by (cluster)" in str(caught.value)
    sli = {"events": {"error_query": 'sum by (route) (rate(x{code="5"}[{{.window}}]))', "total_query": "rate(x[{{.window}}])"}}
    path = write_spec(tmp_path, service_spec(slos=[slo(group_by=["cluster"], sli=sli)]))
    with pytest.raises(SpecError, match="drops the grouping label 'cluster'"):
        load_specs([path])


def test_a_raw_ratio_averaged_over_every_group_is_refused(tmp_path):
    sli = {"raw": {"error_ratio_query": "avg(1 - avg_over_time(up[{{.window}}]))"}}
    path = write_spec(tmp_path, service_spec(slos=[slo(group_by=["cluster"], sli=sli)]))
    with pytest.raises(SpecError, match="sli.raw.error_ratio_query is one avg"):
        load_specs([path])
    sli = {"raw": {"error_ratio_query": "avg by (cluster) (1 - avg_over_time(up[{{.window}}]))"}}
    assert load_specs([write_spec(tmp_path, service_spec(slos=[slo(group_by=["cluster"], sli=sli)]))])


def test_max_groups_needs_a_grouping(tmp_path):
    path = write_spec(tmp_path, service_spec(slos=[slo(max_groups=3)]))
    with pytest.raises(SpecError, match="max_groups bounds a grouping"):
        load_specs([path])


def test_recording_rules_sum_by_the_grouping_labels_and_alerts_name_the_group():
    spec = load_specs([DATA])[0].spec
    availability, latency = spec.slos
    exprs = [r.expr for r in recording_rules(spec, availability)]
    # the user's `sum(...) by (cluster)` is kept as written, the bare rate() is summed by cluster
    assert exprs[0].startswith('(sum(rate(http_requests_total{job="edge",code=~"5.."}[5m])) by (cluster) or')
    assert exprs[1] == 'sum by (cluster) (rate(http_requests_total{job="edge"}[5m]))'
    assert "sum(" not in " ".join(exprs).replace("sum(rate(http_requests_total{job=\"edge\",code", "")
    latency_exprs = [r.expr for r in recording_rules(spec, latency)]
    assert latency_exprs[0].startswith("(sum by (cluster, route) (rate(http_request_duration_seconds_count")
    info = next(r for r in recording_rules(spec, latency) if r.record == "slo:burnwise_slo:info")
    assert info.labels["group_by"] == "cluster,route"
    summary = alerting_rules(spec, availability)[0].annotations["summary"]
    assert "(cluster={{ $labels.cluster }})" in summary


def test_ungrouped_rules_still_sum_to_one_series():
    spec = ServiceSpec.model_validate(service_spec())
    exprs = [r.expr for r in recording_rules(spec, spec.slos[0])]
    assert "sum by" not in " ".join(exprs)
    assert "group_by" not in next(r for r in recording_rules(spec, spec.slos[0]) if r.record == "slo:burnwise_slo:info").labels


def test_groups_and_bounds_come_from_the_selectors():
    spec = load_specs([DATA])[0].spec
    availability, latency = spec.slos
    assert label_values(latency, "route") == ["/cart", "/checkout"]
    assert label_values(latency, "cluster") is None
    assert group_bound(latency) == 200  # cluster is unbounded: the spec's max_groups
    assert two_groups(availability) == ({"cluster": "cluster-a"}, {"cluster": "cluster-b"})
    assert two_groups(latency) == ({"cluster": "cluster-a", "route": "/cart"}, {"cluster": "cluster-b", "route": "/cart"})
    pinned = latency.model_dump()
    pinned.update(group_by=["route"], max_groups=None)
    bounded = type(latency).model_validate(pinned)
    assert group_bound(bounded) == 2


def _promtool_test(directory: Path) -> tuple[bool, str]:
    result = Promtool.find().test_rules([directory / "tests" / "edge.test.yaml"], timeout=300)
    return result.ok, "\n".join(f.format() for f in result.failures)


def test_generated_per_group_test_passes_and_fails_against_collapsed_rules(tmp_path):
    specs = load_specs([DATA])
    outputs = render_outputs(specs)
    tests = yaml.safe_load(outputs["tests/edge.test.yaml"])
    per_group = [t for t in tests["tests"] if ": per group: " in t["name"]]
    assert len(per_group) == 2  # one per grouped SLO
    firing = [s["labels"] for t in per_group for case in t["promql_expr_test"] for s in case["exp_samples"]]
    assert firing and all('cluster="cluster-a"' in labels for labels in firing)
    assert not any('cluster="cluster-b"' in labels for labels in firing)
    write_outputs(outputs, tmp_path / "grouped")
    ok, failures = _promtool_test(tmp_path / "grouped")
    assert ok, failures

    # the same tests against rules that collapse the groups into one series (the old import)
    collapsed = yaml.safe_load(DATA.read_text())
    for item in collapsed["slos"]:
        item.pop("group_by"), item.pop("max_groups")
    item = collapsed["slos"][0]
    item["sli"]["events"]["error_query"] = item["sli"]["events"]["error_query"].replace(" by (cluster)", "")
    flat = load_specs([write_spec(tmp_path, collapsed)])
    flat_dir = tmp_path / "collapsed"
    write_outputs(render_outputs(flat), flat_dir)
    only_per_group = {**tests, "tests": per_group}  # the other groups expect no group labels anyway
    (flat_dir / "tests" / "edge.test.yaml").write_text(yaml.safe_dump(only_per_group), encoding="utf-8")
    ok, failures = _promtool_test(flat_dir)
    assert not ok
    assert "per group" in failures and 'cluster="cluster-a"' in failures


def test_alertmanager_groups_and_inhibits_per_group(tmp_path, amtool_bin):
    from burnwise.generator.alertmanager import build_config
    from tests.alertmanager.am_testlib import check_config

    grouped = load_specs([DATA])
    plain = load_specs([write_spec(tmp_path, service_spec())])
    config = build_config(grouped + plain)
    # one notification group (one incident, one page) per failing cluster/route
    assert config["route"]["group_by"] == ["alertname", "service", "slo", "cluster", "route"]
    assert all(r["group_by"] == config["route"]["group_by"] for r in config["route"]["routes"] if "group_by" in r)
    # cluster A's page mutes only cluster A's lower tiers
    assert all(rule["equal"] == ["service", "slo", "cluster", "route"] for rule in config["inhibit_rules"])
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    assert check_config(amtool_bin, path).returncode == 0
    # without grouped SLOs nothing changes
    assert build_config(plain)["route"]["group_by"] == ["alertname", "service", "slo"]


def test_dashboard_draws_one_line_per_group():
    from burnwise.generator.dashboard import slo_queries

    spec = load_specs([DATA])[0].spec
    queries = slo_queries(spec, spec.slos[1])
    assert queries["Burn rate"][0][1] == "burn rate 5m {{cluster}} {{route}}"
    assert queries["Error budget remaining"][0][1].endswith("{{cluster}} {{route}}")
    alerts_expr, legend = queries["Alerts"][0]
    assert alerts_expr.startswith("sum by (severity, burnwise_tier, cluster, route) (ALERTS{")
    assert legend == "{{severity}} {{burnwise_tier}} {{cluster}} {{route}}"
    plain = ServiceSpec.model_validate(service_spec())
    assert slo_queries(plain, plain.slos[0])["Alerts"][0][1] == "{{severity}} {{burnwise_tier}}"


def test_budget_and_tiled_burn_rates_are_per_group_in_promtool(tmp_path):
    """The per-group series of the generated test, asked for the period budget and the 6h burn
    rate (both sums of recorded boxes): the failing cluster's budget is gone, the healthy one's is not."""
    outputs = render_outputs(load_specs([DATA]))
    write_outputs(outputs, tmp_path)
    tests = yaml.safe_load(outputs["tests/edge.test.yaml"])
    group = next(t for t in tests["tests"] if t["name"].startswith("edge/availability: per group: "))
    during = max(group["promql_expr_test"], key=lambda case: len(case["exp_samples"]))["eval_time"]
    sel = '{service="edge",slo="availability"}'
    checks = {
        f"count by (cluster) (slo:burnwise_error_budget_remaining:ratio{sel} < 0)": "cluster-a",
        f"count by (cluster) (slo:burnwise_error_budget_remaining:ratio{sel} > 0.5)": "cluster-b",
        f"count by (cluster) (slo:burnwise_burn_rate:rate6h{sel} > 6)": "cluster-a",
        f"count by (cluster) (slo:burnwise_burn_rate:rate6h{sel} < 1)": "cluster-b",
        f"count(slo:burnwise_objective:ratio{sel})": None,  # metadata: one series per SLO
    }
    group["promql_expr_test"] = [
        {
            "expr": expr,
            "eval_time": during,
            "exp_samples": [{"labels": f'{{cluster="{cluster}"}}' if cluster else "{}", "value": 1}],
        }
        for expr, cluster in checks.items()
    ]
    path = tmp_path / "tests" / "budget.test.yaml"
    path.write_text(yaml.safe_dump({**tests, "tests": [group]}), encoding="utf-8")
    result = Promtool.find().test_rules([path], timeout=300)
    assert result.ok, "\n".join(f.format() for f in result.failures)


def test_opt_in_budget_exhausted_ticket_fires_per_group_in_promtool(tmp_path):
    data = yaml.safe_load(DATA.read_text())
    data["slos"][0]["alerting"] = {"budget_exhausted_for": "5m"}
    specs = load_specs([write_spec(tmp_path, data, "edge.yaml")])
    spec = specs[0].spec
    rule = next(r for r in alerting_rules(spec, spec.slos[0]) if r.alert == "EdgeAvailabilityBudgetExhausted")
    assert rule.expr == 'slo:burnwise_error_budget_remaining:ratio{service="edge",slo="availability"} <= 0'
    assert rule.for_ == 300 and rule.labels["burnwise_tier"] == "ticket" and rule.labels["severity"] == "sev3"
    assert "(cluster={{ $labels.cluster }})" in rule.annotations["summary"]
    assert not any(r.alert.endswith("BudgetExhausted") for r in alerting_rules(spec, spec.slos[1]))  # opt-in
    outputs = render_outputs(specs)
    assert "EdgeAvailabilityBudgetExhausted fires after 5m of an exhausted budget, not before" in outputs["tests/edge.test.yaml"]
    write_outputs(outputs, tmp_path / "out")
    tests = yaml.safe_load(outputs["tests/edge.test.yaml"])
    tests["tests"] = [t for t in tests["tests"] if "BudgetExhausted" in t["name"]]
    assert len(tests["tests"]) == 1
    path = tmp_path / "out" / "tests" / "exhausted.test.yaml"
    path.write_text(yaml.safe_dump(tests), encoding="utf-8")
    result = Promtool.find().test_rules([path], timeout=300)
    assert result.ok, "\n".join(f.format() for f in result.failures)
