"""Every validation error names file, SLO and field, and all problems are reported at once."""

from __future__ import annotations

import pytest
from burnwise.generator.errors import SpecError
from burnwise.generator.loader import load_specs

from tests.generator.specs import EVENTS_SLI, service_spec, slo, write_spec


def problems_for(tmp_path, data, name="checkout.yaml") -> list[str]:
    path = write_spec(tmp_path, data, name)
    with pytest.raises(SpecError) as caught:
        load_specs([path])
    return [str(p) for p in caught.value.problems]


def test_valid_spec_loads_with_defaults(tmp_path):
    [loaded] = load_specs([write_spec(tmp_path, service_spec())])
    assert loaded.spec.service == "checkout"
    assert loaded.spec.owner_surface == "checkout"
    assert loaded.spec.slos[0].period == 30 * 86400
    assert str(loaded.spec.slos[0].error_budget) == "0.001"


@pytest.mark.parametrize(
    ("slo_overrides", "expected"),
    [
        ({"objective": 100}, "slos[0] (availability): objective: must be > 0 and < 100"),
        ({"objective": 0}, "slos[0] (availability): objective: must be > 0 and < 100"),
        ({"objective": "high"}, "slos[0] (availability): objective: must be a number"),
        ({"period": "12h"}, "slos[0] (availability): period: must be at least 1d"),
        ({"period": "30 days"}, "slos[0] (availability): period: '30 days' is not a Prometheus duration"),
        ({"name": "Availability"}, "slos[0] (Availability): name: 'Availability' must be lowercase letters"),
        ({"perod": "30d"}, "slos[0] (availability): perod: unknown field"),
        ({"min_events": 0}, "slos[0] (availability): min_events: Input should be greater than or equal to 1"),
        ({"labels": {"severity": "x"}}, "slos[0] (availability): labels: label 'severity' is set by burnwise"),
        ({"labels": {"bad-name": "x"}}, "slos[0] (availability): labels: label name 'bad-name' is not a valid"),
        ({"sli": {}}, "slos[0] (availability): sli: must have exactly one of events, latency, raw (found: none)"),
        (
            {"sli": {**EVENTS_SLI, "raw": {"error_ratio_query": "x[{{.window}}]"}}},
            "slos[0] (availability): sli: must have exactly one of events, latency, raw (found: events, raw)",
        ),
        (
            {"sli": {"events": {"error_query": "sum(rate(x[5m]))", "total_query": "sum(rate(y[{{.window}}]))"}}},
            "slos[0] (availability): sli.events.error_query: must contain {{.window}}",
        ),
        (
            {"sli": {"events": {"error_query": "sum(rate(x[{{.window}}]))"}}},
            "slos[0] (availability): sli.events.total_query: required field is missing",
        ),
        (
            {"sli": {"raw": {"error_ratio_query": "x"}}},
            "slos[0] (availability): sli.raw.error_ratio_query: must contain {{.window}}",
        ),
        (
            {"sli": {"latency": {"metric": "h_bucket", "threshold": 0.3}}},
            "slos[0] (availability): sli.latency.metric: name the histogram without '_bucket'",
        ),
        (
            {"sli": {"latency": {"metric": "h", "threshold": -1}}},
            "slos[0] (availability): sli.latency.threshold: must be a positive number",
        ),
        (
            {"sli": {"latency": {"metric": "h", "threshold": 0.3, "selector": 'job="x"'}}},
            "slos[0] (availability): sli.latency.selector: must be a label selector in braces",
        ),
        (
            {"sli": {"latency": {"metric": "h", "threshold": 0.3, "selector": '{le="0.3"}'}}},
            "slos[0] (availability): sli.latency.selector: must not select `le`",
        ),
        (
            {"sli": {"latency": {"metric": "h", "threshold": 0.3, "selector": '{job="x", le =~ "0.3|0.5"}'}}},
            "slos[0] (availability): sli.latency.selector: must not select `le`",
        ),
        (
            {"sli": {"latency": {"metric": "h", "threshold": 0.3, "selector": '{job="x"'}}},
            "slos[0] (availability): sli.latency.selector: must be a label selector in braces",
        ),
        (
            {"min_events": 10, "sli": {"raw": {"error_ratio_query": "x[{{.window}}]"}}},
            "slos[0] (availability): min_events needs event counts",
        ),
        (
            {"alerting": {"name": "bad name"}},
            "slos[0] (availability): alerting.name: 'bad name' must be a valid alert name",
        ),
        (
            {"alerting": {"tiers": {"sev1": {"windows": [{"factor": 2, "long": "5m", "short": "1h"}]}}}},
            "slos[0] (availability): alerting.tiers.sev1.windows[0]: short window must not be longer than the long window",
        ),
        (
            {"alerting": {"tiers": {"sev2": {"windows": [{"factor": 0, "long": "1h", "short": "5m"}]}}}},
            "slos[0] (availability): alerting.tiers.sev2.windows[0].factor: must be a positive burn-rate factor",
        ),
        (
            {"alerting": {"tiers": {"sev4": {}}}},
            "slos[0] (availability): alerting.tiers.sev4: unknown field",
        ),
        (
            {"alerting": {"no_data_for": "soon"}},
            "slos[0] (availability): alerting.no_data_for: 'soon' is not a Prometheus duration",
        ),
    ],
)
def test_slo_field_errors_name_file_slo_and_field(tmp_path, slo_overrides, expected):
    problems = problems_for(tmp_path, service_spec(slos=[slo(**slo_overrides)]))
    assert any(p.endswith("checkout.yaml: " + expected) or f"checkout.yaml: {expected}" in p for p in problems), problems


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"version": "burnwise/v2"}, "version: unknown spec format: version 'burnwise/v2'"),
        ({"service": "Checkout"}, "service: 'Checkout' must be lowercase letters"),
        ({"owner": "Payments Team"}, "owner: 'Payments Team' must be lowercase letters"),
        ({"slos": []}, "slos: List should have at least 1 item"),
        ({"labels": {"slo": "x"}}, "labels: label 'slo' is set by burnwise"),
        ({"extra": 1}, "extra: unknown field"),
    ],
)
def test_service_level_errors(tmp_path, overrides, expected):
    problems = problems_for(tmp_path, service_spec(**overrides))
    assert any(expected in p for p in problems), problems


def test_duplicate_slo_names_are_refused(tmp_path):
    problems = problems_for(tmp_path, service_spec(slos=[slo(), slo()]))
    assert any("SLO name 'availability' is used twice" in p for p in problems), problems


def test_all_problems_in_all_files_are_reported_together(tmp_path):
    write_spec(tmp_path, service_spec(slos=[slo(objective=101), slo(name="latency", period="1h")]), "a.yaml")
    write_spec(tmp_path, service_spec(service="search", slos=[slo(sli={})]), "b.yaml")
    with pytest.raises(SpecError) as caught:
        load_specs([tmp_path])
    text = str(caught.value)
    assert text.startswith("3 problems in SLO specs:")
    assert "a.yaml: slos[0] (availability): objective" in text
    assert "a.yaml: slos[1] (latency): period" in text
    assert "b.yaml: slos[0] (availability): sli" in text


def test_same_service_in_two_files_is_refused(tmp_path):
    write_spec(tmp_path, service_spec(), "a.yaml")
    write_spec(tmp_path, service_spec(), "b.yaml")
    with pytest.raises(SpecError, match="service 'checkout' is also defined in"):
        load_specs([tmp_path])


def test_invalid_yaml_names_line(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("version: burnwise/v1\nslos: [\n  - name: x\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_specs([path])
    assert "broken.yaml: line " in str(caught.value)
    assert "invalid YAML" in str(caught.value)


def test_missing_file_and_non_mapping_document(tmp_path):
    listed = tmp_path / "list.yaml"
    listed.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        load_specs([listed, tmp_path / "nope.yaml"])
    text = str(caught.value)
    assert "nope.yaml: no such file or directory" in text
    assert "list.yaml: a spec must be a mapping" in text


def test_cli_validate_prints_problems_without_traceback(tmp_path, capsys):
    from burnwise.cli import main

    path = write_spec(tmp_path, service_spec(slos=[slo(objective=100)]))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "objective: must be > 0 and < 100" in err
    assert "Traceback" not in err
    assert main(["validate", str(write_spec(tmp_path, service_spec(), "ok.yaml"))]) == 0


def test_invalid_promql_is_reported_against_the_spec(tmp_path, promtool_bin, monkeypatch, capsys):
    from burnwise.cli import main

    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    broken = slo(
        name="latency",
        sli={"events": {"error_query": 'sum(rate(x{code=~"5.."[{{.window}}]))', "total_query": "sum(rate(x[{{.window}}]))"}},
    )
    path = write_spec(tmp_path, service_spec(slos=[slo(), broken]))
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "1 problem in SLO specs" in err
    assert "checkout.yaml: slos[1] (latency): sli.events.error_query: invalid PromQL at line 1, column" in err
    assert "unexpected character inside braces" in err


def test_same_service_twice_in_one_file_is_refused(tmp_path):
    path = tmp_path / "two.yaml"
    import yaml

    path.write_text(yaml.safe_dump(service_spec()) + "---\n" + yaml.safe_dump(service_spec()), encoding="utf-8")
    with pytest.raises(SpecError, match="service 'checkout' is also defined earlier in the same file"):
        load_specs([path])


def test_page_tiers_with_the_same_severity_and_labels_are_refused(tmp_path):
    same = {"tiers": {"sev1": {"severity": "critical"}, "sev2": {"severity": "critical"}}}
    problems = problems_for(tmp_path, service_spec(slos=[slo(alerting=same)]))
    assert any("slos[0] (availability): alerting: tiers sev1 and sev2 both use severity 'critical'" in p for p in problems), problems
    distinct = {"tiers": {"sev1": {"severity": "critical"}, "sev2": {"severity": "critical", "labels": {"speed": "slow"}}}}
    load_specs([write_spec(tmp_path, service_spec(slos=[slo(alerting=distinct)]), "ok.yaml")])


@pytest.mark.parametrize(
    "selector",
    ['{handle="/cart"}', '{module="api"}', '{handle="/cart", job="web"}', '{rule="x le=1"}', '{file=~".*le=.*"}'],
)
def test_latency_selector_with_le_inside_other_labels_is_accepted(tmp_path, selector):
    """Only an actual `le` matcher is refused; `le=` inside another label's name or value is fine."""
    sli = {"latency": {"metric": "http_request_duration_seconds", "threshold": 0.3, "selector": selector}}
    [loaded] = load_specs([write_spec(tmp_path, service_spec(slos=[slo(sli=sli)]))])
    assert loaded.spec.slos[0].sli.latency.selector == selector


def test_alert_name_with_dashes_is_accepted(tmp_path):
    [loaded] = load_specs([write_spec(tmp_path, service_spec(slos=[slo(alerting={"name": "checkout-availability-burn"})]))])
    assert loaded.spec.slos[0].alerting.name == "checkout-availability-burn"
