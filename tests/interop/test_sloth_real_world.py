"""Sloth specs as teams write them: dashed alert names and `alerting.labels.severity` are kept (issue 17 item 2)."""

from __future__ import annotations

import pytest
from burnwise.generator.errors import SpecError
from burnwise.generator.importers import sloth
from burnwise.generator.loader import validate_document
from burnwise.generator.rules import rule_groups
from burnwise.generator.windows import tiers_for


def _spec(alerting: dict, sli: dict | None = None) -> dict:
    return {
        "version": "prometheus/v1",
        "service": "cart",
        "slos": [
            {
                "name": "requests-availability",
                "objective": 99.5,
                "sli": sli
                or {
                    "events": {
                        "error_query": 'sum(rate(http_requests_total{job="cart",code=~"5.."}[{{.window}}]))',
                        "total_query": 'sum(rate(http_requests_total{job="cart"}[{{.window}}]))',
                    }
                },
                "alerting": alerting,
            }
        ],
    }


def _alerts(doc: dict):
    [out] = sloth.convert(doc, "sloth/cart.yml").documents
    spec = validate_document(out, "sloth/cart.yml")
    return spec, [r for g in rule_groups(spec) for r in g.rules if getattr(r, "alert", None)]


def test_dashed_alert_name_is_kept():
    spec, alerts = _alerts(_spec({"name": "cart-requests-availability", "page_alert": {}, "ticket_alert": {}}))
    assert {a.alert for a in alerts} == {"cart-requests-availability"}


def test_common_severity_label_applies_to_page_and_ticket_alerts():
    spec, alerts = _alerts(_spec({"name": "CartAvailability", "labels": {"severity": "critical", "team": "cart"}}))
    by_tier = {(a.labels["burnwise_tier"], a.labels.get(sloth.TIER_LABEL)): a.labels for a in alerts}
    assert {labels["severity"] for labels in by_tier.values()} == {"critical"}
    assert set(by_tier) == {("page", "sev1"), ("page", "sev2"), ("ticket", None)}
    assert all(labels["team"] == "cart" for labels in by_tier.values())
    assert [t.severity for t in tiers_for(spec.slos[0])] == ["critical", "critical", "critical"]


def test_alert_own_severity_wins_over_the_common_one():
    doc = _spec({"name": "CartAvailability", "labels": {"severity": "critical"}, "ticket_alert": {"labels": {"severity": "warning"}}})
    _spec_model, alerts = _alerts(doc)
    severities = {a.labels["burnwise_tier"]: a.labels["severity"] for a in alerts}
    assert severities == {"page": "critical", "ticket": "warning"}
    notes = " ".join(str(n) for n in sloth.convert(doc, "sloth/cart.yml").notes)
    assert "alerting.labels.severity: applies to both alerts as in Sloth: the page_alert severity is 'critical'" in notes


def test_bad_common_severity_names_file_slo_and_field():
    with pytest.raises(SpecError) as caught:
        sloth.convert(_spec({"name": "A", "labels": {"severity": "very bad"}}), "sloth/cart.yml")
    assert [str(p) for p in caught.value.problems] == [
        "sloth/cart.yml: slos[0] (requests-availability).alerting.labels.severity: "
        "'very bad' must be letters, digits, '_' or '-' to become a tier severity"
    ]


@pytest.mark.parametrize("selector", ['{handle="/cart"}', '{module="api"}'])
def test_latency_like_selectors_with_le_substrings_load(selector):
    """Sloth itself has no latency SLI; the burnwise spec it converts into must accept such selectors too."""
    doc = {
        "version": "burnwise/v1",
        "service": "cart",
        "slos": [{"name": "latency", "objective": 99, "sli": {"latency": {"metric": "h", "threshold": 0.5, "selector": selector}}}],
    }
    assert validate_document(doc, "x.yaml").slos[0].sli.latency.selector == selector


def test_severity_in_service_or_slo_labels_applies_to_both_alerts_below_alert_labels():
    doc = _spec({"name": "CartAvailability", "ticket_alert": {"labels": {"severity": "warning"}}})
    doc["labels"] = {"severity": "critical"}
    _model, alerts = _alerts(doc)
    assert {a.labels["burnwise_tier"]: a.labels["severity"] for a in alerts} == {"page": "critical", "ticket": "warning"}
    doc["slos"][0]["labels"] = {"severity": "high"}  # the SLO's own beats the service's
    _model, alerts = _alerts(doc)
    assert {a.labels["burnwise_tier"]: a.labels["severity"] for a in alerts} == {"page": "high", "ticket": "warning"}
    assert "severity" not in doc["slos"][0].get("alerting", {}).get("labels", {}), "the input document was changed"
