"""The OpenSLO importer: the corpus examples (v1alpha), v1 with alert policies, and errors by field."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from burnwise.generator.errors import SpecError
from burnwise.generator.importers import openslo
from burnwise.generator.loader import load_specs
from burnwise.generator.windows import tiers_for

from tests.interop.corpus import corpus_dir, load_example

V1_FILE = """\
apiVersion: openslo/v1
kind: Service
metadata: {name: checkout}
spec: {description: Checkout API}
---
apiVersion: openslo/v1
kind: AlertPolicy
metadata: {name: fast-burn}
spec:
  conditions:
    - kind: AlertCondition
      metadata: {name: page-fast}
      spec:
        severity: page
        condition: {kind: burnrate, op: gte, threshold: 14.4, lookbackWindow: 1h, alertAfter: 5m}
    - conditionRef: slow-ticket
---
apiVersion: openslo/v1
kind: AlertCondition
metadata: {name: slow-ticket}
spec:
  severity: ticket
  condition: {kind: burnrate, op: gt, threshold: 3, lookbackWindow: 1d, alertAfter: 2h}
---
apiVersion: openslo/v1
kind: SLO
metadata: {name: availability}
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow: [{duration: 28d, isRolling: true}]
  indicator:
    metadata: {name: errors}
    spec:
      ratioMetric:
        counter: true
        bad: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout",code=~"5.."}'}}}
        total: {metricSource: {type: Prometheus, spec: {query: 'http_requests_total{job="checkout"}'}}}
  objectives: [{displayName: good, target: 0.995}]
  alertPolicies: [fast-burn]
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "slo.yaml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["openslo-getting-started.yml", "openslo-kubernetes-apiserver.yml"])
def test_corpus_examples_load_one_slo_per_objective_without_alerts(name):
    path = corpus_dir() / name
    specs = load_example(path)
    docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    objectives = [o["target"] for d in docs for o in d["spec"]["objectives"]]
    slos = [s for spec in specs for s in spec.slos]
    assert [s.objective for s in slos] == [Decimal(str(t)) * 100 for t in objectives]
    assert all(s.period == 30 * 86400 for s in slos)
    assert all(tiers_for(s) == [] for s in slos)  # no alertPolicies: no alerts, as in Sloth
    # good/total becomes errors = total - good, with the window placeholder kept
    assert all("-" in s.sli.events.error_query and "{{.window}}" in s.sli.events.error_query for s in slos)


def test_v1_with_referenced_alert_policy_maps_conditions_to_tiers(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    [loaded] = load_specs([_write(tmp_path, V1_FILE)])
    assert loaded.origin == "openslo/v1"
    slo = loaded.spec.slos[0]
    assert (loaded.spec.service, slo.name, slo.objective, slo.period) == ("checkout", "availability", Decimal("99.5"), 28 * 86400)
    assert slo.sli.events.error_query == 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))'
    tiers = {t.name: (t.kind, t.severity, [(c.factor, c.long, c.short) for c in t.conditions]) for t in tiers_for(slo)}
    assert tiers == {
        "sev1": ("page", "page", [(Decimal("14.4"), 3600, 300)]),
        "sev3": ("ticket", "ticket", [(Decimal("3"), 86400, 7200)]),
    }


@pytest.mark.parametrize(
    "change, where, words",
    [
        (("budgetingMethod: Occurrences", "budgetingMethod: Timeslices"), "spec.budgetingMethod", "cannot be carried"),
        (("{duration: 28d, isRolling: true}", "{duration: 1M, isRolling: false}"), "timeWindow[0]", "calendar"),
        (("op: gte", "op: lt"), "spec.conditions[0].spec.condition.op", "cannot be carried"),
        (("kind: burnrate, op: gt", "kind: threshold, op: gt"), "spec.conditions[1].spec.condition.kind", "only burnrate"),
        (("type: Prometheus, spec: {query: 'http_requests_total{job=\"checkout\"}'}", "type: Datadog, spec: {query: 'x'}"), "total.metricSource.type", "not Prometheus"),
        (("alertPolicies: [fast-burn]", "alertPolicies: [missing]"), "alertPolicies[0]", "not in this file"),
    ],
)
def test_what_cannot_be_mapped_is_an_error_naming_the_field(tmp_path, monkeypatch, change, where, words):
    monkeypatch.chdir(tmp_path)
    text = V1_FILE.replace(*change)
    assert text != V1_FILE
    with pytest.raises(SpecError) as caught:
        load_specs([_write(tmp_path, text)])
    messages = [str(p) for p in caught.value.problems]
    assert any(where in m and words in m for m in messages), messages


def test_threshold_objective_is_refused():
    doc = yaml.safe_load_all(V1_FILE)
    slo = [d for d in doc if d["kind"] == "SLO"][0]
    slo["spec"]["objectives"] = [{"op": "lte", "value": 0.3, "target": 0.99}]
    with pytest.raises(SpecError, match=r"objectives\[0\]\.value: threshold objectives"):
        openslo.to_burnwise(slo, "nowhere.yaml")


def test_slo_documents_of_one_service_become_one_spec():
    """Several OpenSLO SLO documents for one service: one burnwise spec (one rule file), all SLOs."""
    loaded = load_specs([corpus_dir() / "openslo-kubernetes-apiserver.yml"])
    assert [(item.spec.service, [s.name for s in item.spec.slos]) for item in loaded] == [
        ("k8s-apiserver", ["requests-availability-openslo", "requests-latency-openslo-0", "requests-latency-openslo-1"])
    ]
