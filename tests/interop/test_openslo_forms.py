"""OpenSLO as tools write it: list form, every failing SLO reported, formats named by apiVersion (issue 17 item 4)."""

from __future__ import annotations

import pytest
import yaml
from burnwise.generator.convert import convert_file
from burnwise.generator.errors import SpecError
from burnwise.generator.loader import load_specs


def _slo(name: str, service: str, target: float = 0.995, budgeting: str = "Occurrences") -> dict:
    return {
        "apiVersion": "openslo/v1",
        "kind": "SLO",
        "metadata": {"name": name},
        "spec": {
            "service": service,
            "budgetingMethod": budgeting,
            "timeWindow": [{"duration": "28d", "isRolling": True}],
            "indicator": {
                "metadata": {"name": f"{name}-errors"},
                "spec": {
                    "ratioMetric": {
                        "counter": True,
                        "bad": {"metricSource": {"type": "Prometheus", "spec": {"query": f'http_requests_total{{job="{service}",code=~"5.."}}'}}},
                        "total": {"metricSource": {"type": "Prometheus", "spec": {"query": f'http_requests_total{{job="{service}"}}'}}},
                    }
                },
            },
            "objectives": [{"displayName": "good", "target": target}],
        },
    }


def _write(tmp_path, data, name="slos.yaml", list_form=True):
    path = tmp_path / name
    text = yaml.safe_dump(data, sort_keys=False) if list_form else yaml.safe_dump_all(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def test_list_form_loads_every_object(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    service = {"apiVersion": "openslo/v1", "kind": "Service", "metadata": {"name": "cart"}, "spec": {"description": "Cart"}}
    path = _write(tmp_path, [service, _slo("availability", "cart"), _slo("search-availability", "search")])
    loaded = load_specs([path])
    assert [(item.spec.service, [s.name for s in item.spec.slos], item.origin) for item in loaded] == [
        ("cart", ["availability"], "openslo/v1"),
        ("search", ["search-availability"], "openslo/v1"),
    ]


def test_list_form_converts(tmp_path):
    path = _write(tmp_path, [_slo("availability", "cart"), _slo("latency-ish", "cart", 0.99)])
    [doc] = [d for d in yaml.safe_load_all(convert_file(path, "openslo")) if d]
    assert doc["service"] == "cart" and [s["name"] for s in doc["slos"]] == ["availability", "latency-ish"]


@pytest.mark.parametrize("list_form", [True, False], ids=["list", "multi-document"])
def test_every_failing_slo_is_reported_not_only_the_first(tmp_path, monkeypatch, list_form):
    monkeypatch.chdir(tmp_path)
    docs = [
        _slo("availability", "cart", budgeting="Timeslices"),
        _slo("checkout", "cart", budgeting="Timeslices"),
        _slo("search-availability", "search", budgeting="Timeslices"),
        _slo("fine", "other"),
    ]
    path = _write(tmp_path, docs, list_form=list_form)
    with pytest.raises(SpecError) as caught:
        load_specs([path])
    wheres = [p.where for p in caught.value.problems]
    assert wheres == [
        "SLO availability: spec.budgetingMethod",
        "SLO checkout: spec.budgetingMethod",
        "SLO search-availability: spec.budgetingMethod",
    ]
    with pytest.raises(SpecError) as converted:
        convert_file(path, "openslo")
    assert [p.where for p in converted.value.problems] == wheres


def test_unknown_format_is_named_by_apiversion(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = _write(tmp_path, [{"apiVersion": "openslo/v2", "kind": "SLO", "metadata": {"name": "x"}}, _slo("ok", "cart")])
    with pytest.raises(SpecError) as caught:
        load_specs([path])
    [problem] = caught.value.problems
    assert problem.where == "apiVersion"
    assert problem.message.startswith("unknown spec format: apiVersion 'openslo/v2' (kind SLO) (known: burnwise/v1, ")


def test_two_page_conditions_of_one_severity_stay_distinct_alerts(tmp_path, monkeypatch):
    """Both burn-rate conditions `severity: page` (a common OpenSLO shape) used to be refused as one alert."""
    monkeypatch.chdir(tmp_path)
    slo = _slo("availability", "cart")
    slo["spec"]["alertPolicies"] = [{
        "kind": "AlertPolicy",
        "metadata": {"name": "burn"},
        "spec": {"conditions": [
            {"kind": "AlertCondition", "metadata": {"name": "fast"},
             "spec": {"severity": "page", "condition": {"kind": "burnrate", "op": "gt", "threshold": 14.4, "lookbackWindow": "1h", "alertAfter": "5m"}}},
            {"kind": "AlertCondition", "metadata": {"name": "medium"},
             "spec": {"severity": "page", "condition": {"kind": "burnrate", "op": "gt", "threshold": 6, "lookbackWindow": "6h", "alertAfter": "30m"}}},
        ]},
    }]
    [loaded] = load_specs([_write(tmp_path, [slo])])
    tiers = loaded.spec.slos[0].alerting.tiers
    assert (tiers.sev1.severity, tiers.sev2.severity) == ("page", "page")
    assert (tiers.sev1.labels, tiers.sev2.labels) == ({"burnwise_sev": "sev1"}, {"burnwise_sev": "sev2"})


def test_convert_names_the_apiversion_of_a_file_in_another_format(tmp_path):
    path = _write(tmp_path, [_slo("availability", "cart")])
    with pytest.raises(SpecError) as caught:
        convert_file(path, "sloth")
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: apiVersion: apiVersion 'openslo/v1' is not Sloth (prometheus/v1 or sloth.slok.dev/v1)"
    ]


def test_good_over_total_of_one_counter_gets_series_the_total_counts_once():
    """OpenSLO `good`/`total` over one counter: errors are `total - good`, and the total selector also
    reads the good series. The generated unit tests used to write a total series *and* a good one,
    so the total counted good events twice and the SLO's generated tests failed in promtool."""
    from burnwise.generator.proof.series import events_plan

    total = "sum(rate(shipping_carrier_bookings_total[{{.window}}]))"
    good = 'sum(rate(shipping_carrier_bookings_total{outcome="booked"}[{{.window}}]))'
    plan = events_plan(f"(\n  {total}\n  -\n  {good}\n)", total)
    assert plan.counters == (
        ("shipping_carrier_bookings_total", (("outcome", "500"),), "errors"),
        ("shipping_carrier_bookings_total", (("outcome", "booked"),), "good"),
    )
    # a histogram's _count minus its _bucket keeps the former plan: the total does not read the bucket
    latency = events_plan("(sum(rate(h_count[{{.window}}])) - sum(rate(h_bucket{le=\"0.5\"}[{{.window}}])))", "sum(rate(h_count[{{.window}}]))")
    assert [kind for _m, _l, kind in latency.counters] == ["events", "good"]
