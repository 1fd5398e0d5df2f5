"""The Sloth importer: every corpus example loads, and each mapping rule holds (or errors by field)."""

from __future__ import annotations

from decimal import Decimal

import pytest
import yaml
from burnwise.generator.errors import SpecError
from burnwise.generator.importers import sloth
from burnwise.generator.loader import validate_document
from burnwise.generator.rules import rule_groups
from burnwise.generator.windows import tiers_for

from tests.interop.corpus import corpus_dir, load_example

SLOTH_EXAMPLES = [
    "getting-started.yml",
    "home-wifi.yml",
    "k8s-getting-started.yml",
    "kubernetes-apiserver.yml",
    "multifile.yml",
    "no-alerts.yml",
    "raw-home-wifi.yml",
]


def _getting_started() -> dict:
    return yaml.safe_load((corpus_dir() / "getting-started.yml").read_text())


@pytest.mark.parametrize("name", SLOTH_EXAMPLES)
def test_every_sloth_example_loads_with_the_same_slos(name):
    path = corpus_dir() / name
    specs = load_example(path)
    sloth_docs = [d for d in yaml.safe_load_all(path.read_text()) if d]
    sloth_slos = [s["name"] for d in sloth_docs for s in (d.get("spec") or d)["slos"]]
    assert [s.name for spec in specs for s in spec.slos] == sloth_slos
    for spec in specs:
        assert rule_groups(spec)  # renders


def test_page_and_ticket_map_to_tiers_with_their_labels_and_severity():
    spec = validate_document(sloth.to_burnwise(_getting_started(), "gs.yml")[0], "gs.yml")
    slo = spec.slos[0]
    tiers = {t.name: t for t in tiers_for(slo)}
    assert [(t.name, t.kind, t.severity) for t in tiers.values()] == [
        ("sev1", "page", "pageteam"),
        ("sev2", "page", "pageteam"),
        ("sev3", "ticket", "slack"),
    ]
    alerts = [r for g in rule_groups(spec) for r in g.rules if hasattr(r, "alert")]
    page = [a for a in alerts if a.labels["burnwise_tier"] == "page"]
    ticket = [a for a in alerts if a.labels["burnwise_tier"] == "ticket"]
    assert {a.alert for a in alerts} == {"MyServiceHighErrorRate"}
    assert all(a.labels["routing_key"] == "myteam" and a.labels["sloth_severity"] == "page" for a in page)
    assert ticket[0].labels["slack_channel"] == "#alerts-myteam" and ticket[0].labels["sloth_severity"] == "ticket"
    assert all(a.labels["category"] == "availability" for a in alerts)
    assert all(a.annotations["summary"] == "High error rate on 'myservice' requests responses" for a in alerts)
    # the two page tiers share a severity, so their label sets must still differ
    assert len({tuple(sorted(a.labels.items())) for a in page}) == 2
    assert spec.owner == "myteam" and "owner" not in spec.labels


def test_kubernetes_crd_converts_like_the_plain_spec():
    plain = sloth.to_burnwise(_getting_started(), "a")[0]
    crd = sloth.to_burnwise(yaml.safe_load((corpus_dir() / "k8s-getting-started.yml").read_text()), "b")[0]
    assert crd == plain


def test_severity_mapping_is_explained_in_the_notes():
    result = sloth.convert(_getting_started(), "gs.yml")
    text = "\n".join(str(n) for n in result.notes)
    assert "page_alert.labels.severity" in text and "tiers.sev1.severity and tiers.sev2.severity = 'pageteam'" in text
    assert "tiers.sev3.severity = 'slack'" in text


def test_disabled_alerts_stay_disabled():
    spec = load_example(corpus_dir() / "no-alerts.yml")[0]
    assert tiers_for(spec.slos[0]) == []


def test_sli_plugin_is_an_error_naming_the_field():
    doc = _getting_started()
    doc["slos"][0]["sli"] = {"plugin": {"id": "sloth-common/availability", "options": {"job": "x"}}}
    with pytest.raises(SpecError) as caught:
        sloth.to_burnwise(doc, "gs.yml")
    problem = caught.value.problems[0]
    assert problem.where == "slos[0] (requests-availability).sli.plugin"
    assert "sloth-common/availability" in problem.message and "cannot be carried" in problem.message


def test_unknown_sloth_field_is_an_error_not_dropped():
    doc = _getting_started()
    doc["slos"][0]["alerting"]["page_alert"]["for"] = "5m"
    with pytest.raises(SpecError, match=r"page_alert\.for: unknown Sloth field"):
        sloth.to_burnwise(doc, "gs.yml")


def test_reserved_label_names_the_field():
    doc = _getting_started()
    doc["slos"][0]["labels"] = {"service": "x"}
    with pytest.raises(SpecError, match=r"slos\[0\] \(requests-availability\)\.labels\.service: label 'service' is set by burnwise"):
        sloth.to_burnwise(doc, "gs.yml")


def test_alert_windows_become_tier_overrides_for_their_period():
    windows_doc = yaml.safe_load((corpus_dir() / "windows" / "7d.yaml").read_text())
    windows = sloth.read_alert_windows(windows_doc, "7d.yaml")
    result = sloth.convert(_getting_started(), "gs.yml", period=7 * 86400, windows=windows)
    slo = validate_document(result.documents[0], "gs.yml").slos[0]
    conditions = {t.name: [(c.factor, c.long, c.short) for c in t.conditions] for t in tiers_for(slo)}
    # Sloth's budget shares: 8% in 1h, 12.5% in 6h, 20% in 1d, 42% in 3d of a 7d period
    assert conditions == {
        "sev1": [(Decimal("13.44"), 3600, 300)],
        "sev2": [(Decimal("3.5"), 6 * 3600, 1800)],
        "sev3": [(Decimal("1.4"), 86400, 7200), (Decimal("0.98"), 3 * 86400, 6 * 3600)],
    }
    # windows for another period are not applied, and the notes say so
    other = sloth.convert(_getting_started(), "gs.yml", windows=windows)
    assert "windows" not in str(other.documents[0]["slos"][0]["alerting"].get("tiers", {}))
    assert any("not applied" in str(n) for n in other.notes)


def test_alert_windows_document_in_specs_points_to_convert():
    doc = yaml.safe_load((corpus_dir() / "windows" / "custom-30d.yaml").read_text())
    with pytest.raises(SpecError, match="--windows"):
        sloth.to_burnwise(doc, "custom-30d.yaml")
