"""The Pyrra importer (issue 17 item 7): ratio, latency, boolGauge, grouping, target/window, alerting,
`pyrra.dev/*` labels and annotations, multi-document files, bare `v1alpha1`; latencyNative refused."""

from __future__ import annotations

import copy

import pytest
import yaml
from burnwise.cli import main
from burnwise.generator.errors import SpecError
from burnwise.generator.importers import pyrra
from burnwise.generator.loader import load_specs, validate_document
from burnwise.generator.rules import rule_groups
from burnwise.generator.spec import SLO
from burnwise.generator.windows import tiers_for

RATIO = {
    "apiVersion": "pyrra.dev/v1alpha1",
    "kind": "ServiceLevelObjective",
    "metadata": {
        "name": "api-errors",
        "namespace": "monitoring",
        "labels": {"prometheus": "k8s", "role": "alert-rules", "pyrra.dev/team": "checkout"},
        "annotations": {"pyrra.dev/runbook_url": "https://runbooks.example.com/api-errors", "kubectl.kubernetes.io/x": "y"},
    },
    "spec": {
        "target": "99.5",
        "window": "4w",
        "description": "API requests that fail",
        "indicator": {
            "ratio": {
                "errors": {"metric": 'http_requests_total{job="api",code=~"5.."}'},
                "total": {"metric": 'http_requests_total{job="api"}'},
            }
        },
    },
}
GROUPING_ON_MAIN = "group_by" in SLO.model_fields


def _one(doc: dict) -> dict:
    [out] = pyrra.convert(doc, "pyrra/api.yaml").documents
    return out


def _with(**spec_changes) -> dict:
    doc = copy.deepcopy(RATIO)
    doc["spec"].update(spec_changes)
    return doc


def _problems(doc: dict) -> list[str]:
    with pytest.raises(SpecError) as caught:
        pyrra.convert(doc, "pyrra/api.yaml")
    return [str(p) for p in caught.value.problems]


def test_ratio_maps_target_window_labels_annotations_and_pyrra_windows():
    out = _one(RATIO)
    spec = validate_document(out, "pyrra/api.yaml")
    slo = spec.slos[0]
    assert (spec.service, slo.name, str(slo.objective), slo.period) == ("api-errors", "api-errors", "99.5", 28 * 86400)
    assert slo.sli.events.error_query == 'sum(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))'
    assert slo.sli.events.total_query == 'sum(rate(http_requests_total{job="api"}[{{.window}}]))'
    assert slo.labels == {"team": "checkout"}
    assert slo.alerting.annotations == {"runbook_url": "https://runbooks.example.com/api-errors"}
    assert slo.alerting.name == "ErrorBudgetBurn"
    tiers = [(t.name, t.severity, [(str(c.factor), c.long, c.short) for c in t.conditions]) for t in tiers_for(slo)]
    assert tiers == [
        ("sev1", "critical", [("14", 3600, 300)]),
        ("sev2", "critical", [("7", 6 * 3600, 1800)]),
        ("sev3", "warning", [("2", 86400, 7200), ("1", 4 * 86400, 6 * 3600)]),
    ]
    alerts = [r for g in rule_groups(spec) for r in g.rules if getattr(r, "alert", None)]
    assert {r.alert for r in alerts} == {"ErrorBudgetBurn", "ErrorBudgetBurnNoData"}
    assert all(r.labels["slo"] == "api-errors" and r.labels["team"] == "checkout" for r in alerts)


def test_windows_scale_with_the_window_like_pyrra():
    slo = validate_document(_one(_with(window="2w")), "x").slos[0]
    assert [(c.long, c.short) for t in tiers_for(slo) for c in t.conditions] == [
        (1800, 120), (3 * 3600, 900), (12 * 3600, 3600), (2 * 86400, 3 * 3600)
    ]


def test_latency_becomes_a_latency_sli_with_le_as_threshold():
    doc = _with(indicator={"latency": {
        "success": {"metric": 'http_request_duration_seconds_bucket{job="api",handle="/cart",le="0.5"}'},
        "total": {"metric": 'http_request_duration_seconds_count{job="api",handle="/cart"}'},
    }})
    latency = validate_document(_one(doc), "x").slos[0].sli.latency
    assert (latency.metric, latency.selector, str(latency.threshold)) == ("http_request_duration_seconds", '{job="api",handle="/cart"}', "0.5")


def test_latency_with_another_total_is_total_minus_fast():
    doc = _with(indicator={"latency": {
        "success": {"metric": 'http_request_duration_seconds_bucket{job="api",le="1"}'},
        "total": {"metric": 'http_requests_total{job="api"}'},
    }})
    events = validate_document(_one(doc), "x").slos[0].sli.events
    assert events.total_query == 'sum(rate(http_requests_total{job="api"}[{{.window}}]))'
    assert "-" in events.error_query and 'le="1"' in events.error_query


def test_bool_gauge_is_the_share_of_samples_at_zero_with_test_series():
    doc = _with(indicator={"boolGauge": {"metric": 'probe_success{job="blackbox"}'}})
    raw = validate_document(_one(doc), "x").slos[0].sli.raw
    assert "count_over_time(probe_success{job=\"blackbox\"}[{{.window}}])" in raw.error_ratio_query
    assert "sum_over_time(probe_success{job=\"blackbox\"}[{{.window}}])" in raw.error_ratio_query
    assert raw.test_series.healthy == {'probe_success{job="blackbox"}': "1+0x100000"}


def test_grouping_becomes_group_by_and_per_group_sums():
    doc = copy.deepcopy(RATIO)
    doc["spec"]["indicator"]["ratio"]["grouping"] = ["route", "cluster"]
    slo = _one(doc)["slos"][0]
    assert slo["group_by"] == ["route", "cluster"]
    assert slo["sli"]["events"]["error_query"] == 'sum by (route, cluster)(rate(http_requests_total{job="api",code=~"5.."}[{{.window}}]))'
    assert slo["sli"]["events"]["total_query"] == 'sum by (route, cluster)(rate(http_requests_total{job="api"}[{{.window}}]))'


@pytest.mark.skipif(not GROUPING_ON_MAIN, reason="needs the `group_by` SLO field (helper `grouping`)")
def test_grouped_pyrra_spec_validates():
    doc = copy.deepcopy(RATIO)
    doc["spec"]["indicator"]["ratio"]["grouping"] = ["route"]
    assert validate_document(_one(doc), "x").slos[0].group_by == ["route"]


@pytest.mark.parametrize(
    ("alerting", "page", "no_data"),
    [({"disabled": True}, False, False), ({"burnrates": False}, False, True), ({"absent": False}, True, False), ({}, True, True)],
)
def test_alerting_disabled_burnrates_and_absent(alerting, page, no_data):
    slo = validate_document(_one(_with(alerting=alerting)), "x").slos[0]
    assert (not slo.alerting.page.disable) == page and (not slo.alerting.ticket.disable) == page
    assert (slo.alerting.no_data_for is not None) == no_data


def test_alert_name_is_kept():
    assert validate_document(_one(_with(alerting={"name": "ApiErrorsBudgetBurn"})), "x").slos[0].alerting.name == "ApiErrorsBudgetBurn"


def test_latency_native_is_refused_naming_file_object_and_field():
    doc = _with(indicator={"latencyNative": {"latency": "1s", "total": {"metric": 'connect_server_requests_duration_seconds{job="api"}'}}})
    [problem] = _problems(doc)
    assert problem.startswith("pyrra/api.yaml: ServiceLevelObjective api-errors: spec.indicator.latencyNative: native histograms")


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d["spec"].update(alertin={}), "spec.alertin: unknown Pyrra field"),
        (lambda d: d["spec"].update(window="a month"), "spec.window: 'a month' must be a duration"),
        (lambda d: d["spec"].update(target="high"), "spec.target: 'high' must be a percentage"),
        (lambda d: d["metadata"]["labels"].update({"pyrra.dev/severity": "x"}), "metadata.labels.pyrra.dev/severity: label 'severity' is set by burnwise"),
        (lambda d: d["metadata"].update(name="API_errors"), "metadata.name: 'API_errors' must be lowercase"),
        (lambda d: d["spec"]["indicator"]["ratio"]["errors"].update(metric="rate(x[5m])"), "spec.indicator.ratio.errors.metric:"),
    ],
)
def test_what_cannot_be_carried_names_the_field(change, where):
    doc = copy.deepcopy(RATIO)
    change(doc)
    problems = _problems(doc)
    assert any(where in p for p in problems), problems


def test_multi_document_file_with_bare_v1alpha1_loads_every_object(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    second = copy.deepcopy(RATIO)
    second["apiVersion"] = "v1alpha1"
    second["metadata"] = {"name": "api-latency"}
    (tmp_path / "slos.yaml").write_text(yaml.safe_dump_all([RATIO, second]), encoding="utf-8")
    loaded = load_specs([tmp_path / "slos.yaml"])
    assert [(item.spec.service, item.origin) for item in loaded] == [("api-errors", "pyrra.dev/v1alpha1"), ("api-latency", "v1alpha1")]


def test_every_failing_object_is_reported(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    bad = [_with(target="high"), copy.deepcopy(RATIO), _with(window="soon")]
    bad[2]["metadata"]["name"] = "api-other"
    (tmp_path / "slos.yaml").write_text(yaml.safe_dump_all(bad), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_specs([tmp_path / "slos.yaml"])
    assert [p.where for p in caught.value.problems] == [
        "ServiceLevelObjective api-errors: spec.target",
        "ServiceLevelObjective api-other: spec.window",
    ]


def test_convert_from_pyrra_writes_a_spec_that_generates_rules_promtool_accepts(tmp_path, monkeypatch, capsys, promtool_bin):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    (tmp_path / "api.yaml").write_text(yaml.safe_dump(RATIO), encoding="utf-8")
    assert main(["convert", "--from", "pyrra", "api.yaml", "--out", "api-errors.yaml"]) == 0
    text = (tmp_path / "api-errors.yaml").read_text()
    assert "# Converted by burnwise from api.yaml (pyrra)" in text and "SLOMetricAbsent" in text
    assert main(["generate", "api-errors.yaml", "--out", "out"]) == 0
    assert (tmp_path / "out" / "api-errors.rules.yaml").exists()
