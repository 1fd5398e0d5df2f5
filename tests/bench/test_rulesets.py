"""The rule sets compared in benchmark 1: burnwise specs load, Sloth replicas rename every reference."""

from __future__ import annotations

import yaml

from bench import rulesets
from bench.traffic import make_slos


def test_burnwise_rule_set_has_one_file_and_period_query_per_job(tmp_path):
    slos = make_slos(3, 8)
    rule_set = rulesets.burnwise_rules(slos, tmp_path)
    assert sorted(rule_set.period_ratio) == [s.job for s in slos]
    assert len(rule_set.files) == 3
    for slo in slos:
        query = rule_set.period_ratio[slo.job]
        assert f'service="{slo.job}"' in query and "rate5m" in query
    # backfills cover the recorded 5m rates over the whole history, the 1h rates only at the end
    assert rule_set.backfills[0].since_end is None and rule_set.backfills[1].since_end
    records = {r["record"] for g in yaml.safe_load(rule_set.backfills[0].rules_yaml)["groups"] for r in g["rules"]}
    assert records == {"slo:burnwise_errors:rate5m", "slo:burnwise_events:rate5m"}


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
