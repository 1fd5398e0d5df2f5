"""The rule sets compared in benchmark 1: burnwise specs load, Sloth replicas rename every reference."""

from __future__ import annotations

import re

import pytest
import yaml
from burnwise.generator.rules import RecordingRule

from bench import rulesets
from bench.rulesets import backfill_levels
from bench.traffic import make_slos


def test_burnwise_rule_set_has_one_file_and_period_query_per_job(tmp_path):
    slos = make_slos(3, 8)
    rule_set = rulesets.burnwise_rules(slos, tmp_path)
    assert sorted(rule_set.period_ratio) == [s.job for s in slos]
    assert len(rule_set.files) == 3
    levels = [
        [r for g in yaml.safe_load(b.rules_yaml)["groups"] for r in g["rules"]] for b in rule_set.backfills
    ]
    backfilled = {r["record"] for level in levels for r in level}
    recorded = re.compile(r"slo:burnwise_\w+:\w+")
    for slo in slos:
        query = rule_set.period_ratio[slo.job]
        assert f'service="{slo.job}"' in query
        # every recording the period query reads exists as history
        assert set(recorded.findall(query)) <= backfilled
    # each level reads only raw series and recordings backfilled before it
    available: set[str] = set()
    for level in levels:
        for rule in level:
            assert set(recorded.findall(rule["expr"])) <= available, rule["record"]
        available |= {r["record"] for r in level}
    assert {b.since_end for b in rule_set.backfills} == {None}


def test_sloth_replicas_rename_job_service_and_id(tmp_path, monkeypatch):
    source = tmp_path / "examples" / "_gen"
    source.mkdir(parents=True)
    (source / "getting-started.yml").write_text(
        "groups:\n- name: sloth-slo-sli-recordings-myservice-requests-availability\n  rules:\n"
        "  - record: slo:sli_error:ratio_rate5m\n    expr: sum(rate(x{job=\"myservice\"}[5m]))\n"
        "    labels: {sloth_id: myservice-requests-availability, sloth_service: myservice}\n"
        "  - record: slo:sli_error:ratio_rate30d\n    expr: avg_over_time(slo:sli_error:ratio_rate5m{sloth_service=\"myservice\"}[30d])\n"
        "    labels: {sloth_service: myservice}\n"
    )
    monkeypatch.setenv("BURNWISE_SLOTH_CORPUS", str(tmp_path))
    slos = make_slos(2, 8)
    rule_set = rulesets.sloth_rules(slos)
    assert rule_set is not None
    text = rule_set.files["sloth-myservice01.yml"]
    assert 'job="myservice01"' in text and "sloth_service: myservice01" in text
    assert 'job="myservice"' not in text
    assert 'sloth_service="myservice01"' in rule_set.period_ratio["myservice01"]


def test_missing_sloth_corpus_is_reported_not_fatal(tmp_path, monkeypatch):
    monkeypatch.setenv("BURNWISE_SLOTH_CORPUS", str(tmp_path / "nowhere"))
    sets, notes = rulesets.all_rule_sets(make_slos(1, 4), tmp_path)
    assert [s.name for s in sets] == ["burnwise", "pyrra_style"]
    assert "Sloth corpus not found" in notes[0]


def test_backfill_levels_order_recordings_by_what_they_read():
    raw = RecordingRule("a:rate1h", 'sum(rate(x{job="j"}[1h]))')
    two = RecordingRule("a:rate2h", "a:rate1h + a:rate1h offset 1h")
    six = RecordingRule("a:rate6h", "a:rate2h + a:rate2h offset 2h + a:rate2h offset 4h")
    unrelated = RecordingRule("b:rate1h", "sum(rate(y[1h]))")
    # a name that only starts like another (a:rate1h vs a:rate1h_total) is not a dependency
    lookalike = RecordingRule("a:rate1h_total", "sum(rate(z[1h]))")
    levels = backfill_levels([six, unrelated, two, raw, lookalike], ["a:rate6h"])
    assert [[r.record for r in level] for level in levels] == [["a:rate1h"], ["a:rate2h"], ["a:rate6h"]]


def test_backfill_levels_refuse_a_cycle():
    first = RecordingRule("a:one", "a:two * 2")
    second = RecordingRule("a:two", "a:one / 2")
    with pytest.raises(ValueError, match="cycle"):
        backfill_levels([first, second], ["a:one"])
