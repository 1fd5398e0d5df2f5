"""Generated promtool unit tests: their series, their expectations, and the real promtool on them.

The fast tests check what `burnwise.generator.proof.unit_tests` and `burnwise.generator.proof.scenarios` write (paths, markers,
series that the SLI queries select, expectations derived from the spec). The promtool tests run
the real binary: the generated tests pass for every example spec, and they fail - naming the
tier - when the rules stop paging.
"""

from __future__ import annotations

import math
import re
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import GENERATED_MARKER, render_outputs, write_outputs
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.proof.notation import compress_notation, expand_notation
from burnwise.generator.proof.scenarios import load_scenarios, scenario
from burnwise.generator.proof.series import events_plan, input_series, selectors_in
from burnwise.generator.proof.timeline import STEP, build_timeline, default_traffic
from burnwise.generator.proof.burn_model import BurnModel
from burnwise.generator.proof.cases import LEAD_IN
from burnwise.generator.proof.unit_tests import unit_test_files
from burnwise.generator.windows import tiers_for

from burnwise.cli import main
from tests.generator.specs import service_spec, slo, write_spec

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [ROOT / "slo_specs" / name for name in ("checkout.yaml", "recommender.yaml", "search.yaml")]


@pytest.fixture(scope="module")
def example_specs():
    return load_specs(EXAMPLES)


@pytest.fixture(scope="module")
def example_tests(example_specs) -> dict[str, dict]:
    return {path: yaml.safe_load(text) for path, text in unit_test_files(example_specs).items()}


def minutes(eval_time: str) -> int:
    match = re.fullmatch(r"(?:(\d+)h)?(?:(\d+)m)?", eval_time)
    assert match, eval_time
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def groups_named(test_file: dict, text: str) -> list[dict]:
    return [group for group in test_file["tests"] if text in group["name"]]


def firing_severities(check: dict) -> set[str]:
    return {re.search(r'severity="([^"]+)"', s["labels"])[1] for s in check["exp_samples"]}


# -- files and determinism -------------------------------------------------------------------


def test_one_test_file_per_service_next_to_the_rules_with_the_generated_marker(example_specs):
    files = unit_test_files(example_specs)
    assert sorted(files) == ["tests/checkout.test.yaml", "tests/recommender.test.yaml", "tests/search.test.yaml"]
    for path, text in files.items():
        assert text.startswith(GENERATED_MARKER)
        data = yaml.safe_load(text)
        service = path.removeprefix("tests/").removesuffix(".test.yaml")
        assert data["rule_files"] == [f"../{service}.rules.yaml"]
        assert data["evaluation_interval"] == "1m"


def test_output_is_deterministic_and_part_of_the_pipeline(example_specs, tmp_path):
    assert unit_test_files(example_specs) == unit_test_files(load_specs(EXAMPLES))
    outputs = render_outputs(example_specs)
    assert "tests/checkout.test.yaml" in outputs
    write_outputs(outputs, tmp_path)
    (tmp_path / "tests" / "gone.test.yaml").write_text(outputs["tests/search.test.yaml"], encoding="utf-8")
    report = write_outputs(outputs, tmp_path)
    assert report.removed == ["tests/gone.test.yaml"]  # stale generated tests are tracked like rules


def test_committed_generated_tests_match_the_specs(example_specs):
    for path, text in unit_test_files(example_specs).items():
        assert (ROOT / "rendered_rules" / path).read_text(encoding="utf-8") == text, f"run `burnwise generate` ({path})"


# -- series ----------------------------------------------------------------------------------


def test_events_series_split_into_one_matching_the_error_query_and_one_matching_only_the_total():
    error_query = 'sum(rate(model_predictions_total{job="recommender",outcome=~"error|fallback"}[{{.window}}]))'
    total_query = 'sum(rate(model_predictions_total{job="recommender"}[{{.window}}]))'
    plan = events_plan(error_query, total_query)
    (error_sel,) = selectors_in(error_query.replace("{{.window}}", "5m"))
    (total_sel,) = selectors_in(total_query.replace("{{.window}}", "5m"))
    kinds = {kind: dict(labels) for _metric, labels, kind in plan.counters}
    assert all(m.matches(kinds["errors"]) for m in error_sel.matchers + total_sel.matchers)
    assert all(m.matches(kinds["good"]) for m in total_sel.matchers)
    assert not all(m.matches(kinds["good"]) for m in error_sel.matchers)


def test_events_series_for_different_error_and_total_metrics():
    plan = events_plan('sum(rate(api_errors_total{job="x"}[{{.window}}]))', 'sum(rate(api_requests_total{job="x"}[{{.window}}]))')
    assert [(metric, kind) for metric, _labels, kind in plan.counters] == [("api_errors_total", "errors"), ("api_requests_total", "events")]


def test_events_series_for_an_error_query_written_as_total_minus_good():
    total = 'sum(rate(apiserver_request_duration_seconds_count{verb!="WATCH"}[{{.window}}]))'
    error = f'({total} - sum(rate(apiserver_request_duration_seconds_bucket{{le="0.4",verb!="WATCH"}}[{{{{.window}}}}])))'
    plan = events_plan(error, total)
    assert [(metric, dict(labels), kind) for metric, labels, kind in plan.counters] == [
        ("apiserver_request_duration_seconds_count", {"verb": "ok"}, "events"),
        ("apiserver_request_duration_seconds_bucket", {"le": "0.4", "verb": "ok"}, "good"),
    ]


def test_counters_are_binary_exact_so_promtool_never_sees_a_reset():
    spec = load_specs([EXAMPLES[1]])[0].spec
    prediction = next(s for s in spec.slos if s.name == "prediction-success")
    timeline = build_timeline(scenario("outage", "", 1800, [{"from": 0, "ratio": 1}]), prediction, LEAD_IN)
    for value in timeline.events + timeline.errors:
        assert (value * 4096) == (value * 4096).to_integral_value()
    for series in input_series(prediction, timeline):
        values = expand_notation(series.values, timeline.minutes + 1)
        assert values == sorted(values), f"{series.series} decreases"
        assert len(values) == timeline.minutes + 1


def test_notation_round_trip_and_raw_hook_splices_healthy_and_failing_minutes():
    values = [Decimal(v) for v in ("0", "60", "120", "180", "0", "0", "7")] + [None, None]
    assert expand_notation(compress_notation(values), 100) == values
    spec = load_specs([EXAMPLES[1]])[0].spec
    freshness = next(s for s in spec.slos if s.name == "freshness")
    timeline = build_timeline(scenario("outage", "", 600, [{"from": 0, "ratio": 1}]), freshness, 5)
    (series,) = input_series(freshness, timeline)
    spliced = expand_notation(series.values, 100)
    # healthy: the update timestamp follows the clock; failing: the failing series' value (0)
    assert spliced[:6] == [Decimal(60 * m) for m in range(6)]
    assert spliced[6:] == [Decimal(0)] * 10


def test_traffic_exceeds_min_events_in_the_shortest_window(example_specs):
    search = next(item.spec for item in example_specs if item.spec.service == "search").slos[0]
    shortest = min(c.long for t in tiers_for(search) for c in t.conditions)
    assert default_traffic(search) * shortest > search.min_events


# -- expectations derived from the spec ------------------------------------------------------


def test_sev1_pages_for_a_full_outage_within_the_workbook_time_plus_evaluation_and_scrape(example_specs, example_tests):
    for item in example_specs:
        test_file = example_tests[f"tests/{item.spec.service}.test.yaml"]
        for objective in item.spec.slos:
            tiers = [t for t in tiers_for(objective) if t.name == "sev1"]
            if not tiers or objective.sli.kind == "raw":
                continue
            sev1 = tiers[0].conditions[0]
            workbook = float(objective.error_budget / 1 * sev1.long * sev1.factor)  # (1-SLO)/ratio x window x factor
            bound = LEAD_IN + math.ceil(workbook / STEP) + 2  # + one evaluation + one scrape interval
            (group,) = groups_named(test_file, f"{item.spec.service}/{objective.name}: full outage (")
            checks = group["promql_expr_test"]
            assert any(minutes(c["eval_time"]) <= bound and "sev1" in firing_severities(c) for c in checks), group["name"]
            before = [c for c in checks if minutes(c["eval_time"]) <= LEAD_IN]
            assert before and all(c["exp_samples"] == [] for c in before)


def test_blip_and_healthy_groups_expect_silence_and_bursts_expect_their_tier(example_tests):
    for test_file in example_tests.values():
        for group in groups_named(test_file, "blip") + groups_named(test_file, ": healthy "):
            assert all(check["exp_samples"] == [] for check in group["promql_expr_test"]), group["name"]
        for group in groups_named(test_file, "burn after"):
            tier = re.search(r"the (sev\d) ", group["name"])[1]
            assert any(tier in firing_severities(c) for c in group["promql_expr_test"]), group["name"]
            assert "sev1" not in set().union(*(firing_severities(c) for c in group["promql_expr_test"]))


def test_min_events_keeps_the_fastest_tier_quiet_at_low_traffic(example_tests):
    (group,) = groups_named(example_tests["tests/search.test.yaml"], "fewer than min_events")
    assert all("sev1" not in firing_severities(c) for c in group["promql_expr_test"])


def test_windows_scale_with_the_period_and_disabled_tiers_are_never_expected(tmp_path):
    data = service_spec(slos=[slo(period="7d", alerting={"tiers": {"sev1": {"disable": True}}})])
    (item,) = load_specs([write_spec(tmp_path, data)])
    test_file = yaml.safe_load(unit_test_files([item])["tests/checkout.test.yaml"])
    seen = set()
    for group in test_file["tests"]:
        for check in group["promql_expr_test"]:
            seen |= firing_severities(check)
    assert seen == {"sev2", "sev3"}
    (outage,) = groups_named(test_file, "full outage")
    sev2 = next(t for t in tiers_for(item.spec.slos[0]) if t.name == "sev2").conditions[0]
    assert sev2.long == 6 * 3600 * 7 // 30 // 60 * 60  # 6h scaled to 7d: 1h24m
    workbook = float(item.spec.slos[0].error_budget * sev2.long * sev2.factor)
    bound = LEAD_IN + math.ceil(workbook / STEP) + 2
    assert any(minutes(c["eval_time"]) <= bound and "sev2" in firing_severities(c) for c in outage["promql_expr_test"])


def test_the_model_agrees_with_the_workbook_for_a_steady_burn(tmp_path):
    """Independent arithmetic: 6h window, full history, 12x burn -> 6x after half the window."""
    (item,) = load_specs([write_spec(tmp_path, service_spec())])
    objective = item.spec.slos[0]
    burn = scenario("burn", "", 5 * 3600, [{"from": 0, "burn": "12"}])
    timeline = build_timeline(burn, objective, 6 * 60, healthy_burn=Decimal(0))
    model = BurnModel(objective, timeline)
    at = 6 * 60 + 3 * 60  # three hours into the burn: 12x over half of a 6h window = 6x
    assert model.burn(6 * 3600, at) == pytest.approx(6.0, rel=0.02)
    assert model.burn(3600, at) == pytest.approx(12.0, rel=1e-4)


# -- the real promtool -----------------------------------------------------------------------


def test_generated_tests_pass_for_every_example_spec(promtool_bin, tmp_path, example_specs):
    write_outputs(render_outputs(example_specs), tmp_path)
    files = sorted((tmp_path / "tests").glob("*.test.yaml"))
    assert len(files) == 3
    promtool = Promtool.at(promtool_bin)
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(lambda f: promtool.test_rules([f]), files))
    for result in results:
        assert result.ok, result.format()


def test_generated_tests_fail_naming_the_tier_when_the_rules_stop_paging(promtool_bin, tmp_path):
    (item,) = load_specs([write_spec(tmp_path, service_spec())])
    out = tmp_path / "out"
    write_outputs(render_outputs([item]), out)
    rules = out / "checkout.rules.yaml"
    text = rules.read_text(encoding="utf-8")
    assert text.count("> 14.4") == 2
    rules.write_text(text.replace("> 14.4", "> 1440"), encoding="utf-8")  # sev1 can never fire
    test_path = out / "tests" / "checkout.test.yaml"
    data = yaml.safe_load(test_path.read_text(encoding="utf-8"))
    data["tests"] = groups_named(data, "full outage")  # the group that proves sev1
    test_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    result = Promtool.at(promtool_bin).test_rules([test_path])
    assert not result.ok
    failure = next(f for f in result.failures if f.kind == "expr")
    assert any('severity="sev1"' in str(item) for item in failure.missing)
    assert "full outage" in (failure.test_name or "")


def test_burnwise_test_runs_the_generated_files_and_maps_failures_to_exit_1(promtool_bin, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    (item,) = load_specs([write_spec(tmp_path, service_spec())])
    out = tmp_path / "out"
    write_outputs(render_outputs([item]), out)
    test_path = out / "tests" / "checkout.test.yaml"
    data = yaml.safe_load(test_path.read_text(encoding="utf-8"))
    data["tests"] = groups_named(data, "blip")
    test_path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["test", "--out", str(out)]) == 0
    assert "ok    " in capsys.readouterr().out
    regression = out / "tests" / "regressions" / "case.yaml"
    regression.parent.mkdir()
    data["tests"][0]["promql_expr_test"][0]["exp_samples"] = [{"labels": 'ALERTS{alertname="Nope"}', "value": 1}]
    data["rule_files"] = ["../../checkout.rules.yaml"]
    regression.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["test", "--out", str(out)]) == 1
    printed = capsys.readouterr().out
    assert "FAIL  " in printed and "regressions/case.yaml" in printed and "expected" in printed


def test_burnwise_test_without_files_says_what_to_do(tmp_path, capsys):
    assert main(["test", "--out", str(tmp_path)]) == 1
    assert "burnwise generate" in capsys.readouterr().err


def test_scenario_files_report_the_file_scenario_and_field(tmp_path):
    path = tmp_path / "scenarios.yaml"
    path.write_text(
        "scenarios:\n  - name: db-failover\n    duration: 2h\n    error_ratio:\n      - {from: 0s, ratio: 0.3, burn: 2}\n",
        encoding="utf-8",
    )
    with pytest.raises(Exception) as caught:
        load_scenarios(path)
    message = str(caught.value)
    assert str(path) in message and "db-failover" in message and "exactly one of" in message
