"""The cheaper proof of `burnwise test` is as strong as the full one: mutations are still caught.

Two services from the benchmark corpus hold one SLO each of the same rule shape (99.9% over 30d,
events SLI), differing in names, team labels and queries. `burnwise test` runs the full scenario
set for the first (svc000) and only the wiring groups for the second (svc001), each against its
own rule groups. Each test mutates svc001's rendered rules the way a generator bug could - a
window, a factor, a label, a query - and shows that the run fails for svc001 (and only there):
a window or factor changes the rule shape, so svc001's full scenario set runs; a label or query
keeps the shape, and the wiring groups catch it. Real promtool throughout.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.spec_corpus import write_corpus
from burnwise.commands.test import run_files
from burnwise.commands.test import test_files as files_under
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import render_outputs, write_outputs
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.promtool.shapes import reduce_parts, rule_skeleton, wiring_indexes
from burnwise.generator.promtool.split import group_slo, rule_group_slo, split_file

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("gate")
    write_corpus(root / "specs", files=2, slos_per_file=1)
    write_outputs(render_outputs(load_specs([root / "specs"])), root / "out")
    return root / "out"


@pytest.fixture
def out(rendered, tmp_path) -> Path:
    copy = tmp_path / "out"
    shutil.copytree(rendered, copy)
    return copy


@pytest.fixture
def promtool(promtool_bin) -> Promtool:
    return Promtool.at(promtool_bin)


def mutate(out: Path, old: str, new: str, count: int = 1) -> None:
    path = out / "svc001.rules.yaml"
    text = path.read_text()
    assert text.count(old) >= count, old
    path.write_text(text.replace(old, new, count))


def modes(out: Path) -> dict[str, str]:
    parts = [part for f in files_under(out) for part in split_file(f) or []]
    reduce_parts(parts)
    return {part.slo[0]: part.mode.split(":")[0] for part in parts}


def run(promtool: Promtool, out: Path) -> dict[str, bool]:
    files = files_under(out)
    return {f.name.split(".")[0]: r.ok for f, r in zip(files, run_files(promtool, files, jobs=2, timeout=300))}


def test_unmutated_rules_pass_with_one_full_proof_per_shape(out, promtool):
    assert modes(out) == {"svc000": "full", "svc001": "wiring only"}
    assert run(promtool, out) == {"svc000": True, "svc001": True}


def test_a_mutated_window_gives_the_slo_its_own_shape_and_is_caught(out, promtool):
    # sev1's short window 5m -> 30m: pages keep firing long after recovery
    mutate(out, 'slo:burnwise_burn_rate:rate5m{service="svc001",slo="slo-000"} > 14.4',
           'slo:burnwise_burn_rate:rate30m{service="svc001",slo="slo-000"} > 14.4')
    assert modes(out) == {"svc000": "full", "svc001": "full"}
    assert run(promtool, out) == {"svc000": True, "svc001": False}


def test_a_mutated_factor_gives_the_slo_its_own_shape_and_is_caught(out, promtool):
    # sev2's factor 6 -> 16: the sustained 12.96x burn no longer pages (the outage alone would)
    mutate(out, "} > 6\n", "} > 16\n", count=2)
    assert modes(out) == {"svc000": "full", "svc001": "full"}
    assert run(promtool, out) == {"svc000": True, "svc001": False}


def test_a_mutated_label_keeps_the_shape_and_the_wiring_groups_catch_it(out, promtool):
    mutate(out, "      severity: sev1\n", "      severity: sev2\n")
    assert modes(out) == {"svc000": "full", "svc001": "wiring only"}
    assert run(promtool, out) == {"svc000": True, "svc001": False}


def test_a_mutated_query_keeps_the_shape_and_the_wiring_groups_catch_it(out, promtool):
    mutate(out, 'handler="/h0",code=~"5.."}[5m]', 'handler="/h0",code=~"4.."}[5m]')
    assert modes(out) == {"svc000": "full", "svc001": "wiring only"}
    assert run(promtool, out) == {"svc000": True, "svc001": False}


def test_a_failure_names_the_original_file_test_index_and_why_only_wiring_ran(out, promtool):
    mutate(out, 'handler="/h0",code=~"5.."}[5m]', 'handler="/h0",code=~"4.."}[5m]')
    files = files_under(out)
    results = dict(zip([f.name for f in files], run_files(promtool, files, jobs=2, timeout=300)))
    result = results["svc001.test.yaml"]
    assert not result.ok and result.failures
    assert {f.file for f in result.failures} == {str(out / "tests" / "svc001.test.yaml")}
    assert {f.test_index for f in result.failures} == {2}  # the outage group's index in the generated file
    assert all("full outage" in f.test_name for f in result.failures)
    assert all("[wiring only: same rule shape as svc000/slo-000" in f.format() for f in result.failures)


# --- pure parts: no promtool ---------------------------------------------------------------

def test_test_groups_and_rule_groups_are_attributed_by_their_service_and_slo_labels():
    group = {"promql_expr_test": [{"expr": 'ALERTS{alertname="A",service="s",slo="x"}'}, {"expr": 'max(ALERTS{slo="x", service="s"})'}]}
    assert group_slo(group) == ("s", "x")
    assert group_slo({"promql_expr_test": [{"expr": 'ALERTS{service="s",slo="x"}'}, {"expr": 'ALERTS{service="s",slo="y"}'}]}) is None
    assert group_slo({"promql_expr_test": [{"expr": "up"}]}) is None
    rules = [{"record": "a", "labels": {"service": "s", "slo": "x"}}, {"alert": "B", "labels": {"service": "s", "slo": "x"}}]
    assert rule_group_slo({"rules": rules}) == ("s", "x")
    mixed = rules + [{"record": "c", "labels": {"service": "s", "slo": "y"}}]
    assert rule_group_slo({"rules": mixed}) is None  # goes with every SLO of the file


def test_a_mislabelled_rule_group_goes_with_every_slo_and_keeps_them_full(tmp_path):
    (tmp_path / "r.yaml").write_text(
        "groups:\n- name: a\n  rules:\n  - record: x\n    expr: up\n    labels:\n      service: s\n      slo: a\n"
        "- name: b\n  rules:\n  - record: y\n    expr: up\n    labels:\n      service: s\n      slo: b\n"
        "  - record: z\n    expr: up\n    labels:\n      service: s\n      slo: a\n"
    )
    test = tmp_path / "t.yaml"
    test.write_text(
        "# Generated by burnwise from x\nrule_files:\n- r.yaml\ntests:\n"
        "- name: 'one'\n  promql_expr_test:\n  - expr: ALERTS{service=\"s\",slo=\"a\"}\n    eval_time: 1m\n"
        "- name: 'two'\n  promql_expr_test:\n  - expr: ALERTS{service=\"s\",slo=\"b\"}\n    eval_time: 1m\n"
    )
    parts = split_file(test)
    assert [p.slo for p in parts] == [("s", "a"), ("s", "b")]
    assert [[g["name"] for g in p.own_rules] for p in parts] == [["a"], []]
    assert all([g["name"] for g in p.shared_rules] == ["b"] for p in parts)
    reduce_parts(parts)
    assert [p.mode for p in parts] == ["full", "full"]


def test_the_rule_skeleton_keeps_windows_and_factors_and_blanks_names():
    def group(service, window, factor, query_value):
        return [{"name": f"burnwise-{service}", "rules": [
            {"record": "slo:burnwise_errors:rate5m", "expr": f'sum(rate(http_requests_total{{job="{service}",code=~"{query_value}"}}[5m]))',
             "labels": {"service": service, "slo": "a", "team": service}},
            {"alert": f"{service}Burn", "expr": f'slo:burnwise_burn_rate:rate{window}{{service="{service}",slo="a"}} > {factor}',
             "labels": {"service": service, "severity": "sev1"}},
        ]}]
    base = rule_skeleton(group("one", "1h", "14.4", "5.."))
    assert rule_skeleton(group("two", "1h", "14.4", "4..")) == base  # names, labels, query values
    assert rule_skeleton(group("one", "6h", "14.4", "5..")) != base  # a window
    assert rule_skeleton(group("one", "1h", "14", "5..")) != base  # a factor


def test_wiring_groups_are_the_outage_and_the_missing_data_groups():
    tests = [
        {"name": "quiet", "input_series": [{}], "promql_expr_test": [{"exp_samples": []}]},
        {"name": "outage", "input_series": [{}], "promql_expr_test": [{"exp_samples": []}, {"exp_samples": [{}, {}]}]},
        {"name": "burn", "input_series": [{}], "promql_expr_test": [{"exp_samples": []}, {"exp_samples": [{}]}]},
        {"name": "no data", "promql_expr_test": [{"exp_samples": []}, {"exp_samples": [{}]}]},
    ]
    assert wiring_indexes(tests) == [1, 3]
    assert wiring_indexes([tests[0]]) == []


def test_wiring_outage_stops_at_the_first_minute_every_tier_fires():
    from burnwise.generator.promtool.shapes import _until_all_fire

    checks = [{"eval_time": t, "exp_samples": [{}] * n} for t, n in (("60m", 0), ("1h3m", 1), ("65m", 2), ("70m", 2), ("90m", 0))]
    group = {"input_series": [{}], "promql_expr_test": checks}
    assert [c["eval_time"] for c in _until_all_fire(group)["promql_expr_test"]] == ["60m", "1h3m", "65m"]
    assert group["promql_expr_test"] is checks and len(checks) == 5  # the original is left alone
