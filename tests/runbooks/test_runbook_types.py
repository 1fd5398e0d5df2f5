"""Incident types (issue 20): from the alert label or the triage entry; runbooks match on them."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from burnwise.roster.incident_types import incident_type
from burnwise.roster.runbooks import RunbookMatch
from burnwise.runbooks.selection import NoRunbook, choose_runbook
from tests.runbooks.runbook_stack import catalog

OUTAGE = {"kind": "triage", "data": {"type": "provider-outage"}}


def test_triage_wins_over_the_label_and_unknown_is_other():
    assert incident_type({"incident_type": "serving"}) == "serving"
    assert incident_type({"incident_type": "serving"}, [OUTAGE]) == "provider-outage"
    assert incident_type({"incident_type": "serving"}, [OUTAGE, {"kind": "triage", "data": {"type": "data-pipeline"}}]) == "data-pipeline"
    assert incident_type({"incident_type": "made-up"}) == "other"
    assert incident_type({}, [{"kind": "note", "data": {"type": "serving"}}]) == "other"  # only triage sets it


def test_a_runbook_matches_on_type_and_the_catalog_refuses_unknown_types():
    base = catalog()
    typed = base.get("checkout-availability").model_copy(update={
        "id": "provider-outage-generic", "match": RunbookMatch(types=["provider-outage"])})
    cat = base.model_copy(update={"runbooks": [*base.runbooks, typed]})
    search = {"id": 7, "service": "search", "slo": "latency", "labels": {"service": "search", "slo": "ranking-freshness"}}
    with pytest.raises(NoRunbook):
        choose_runbook(cat, search)
    assert choose_runbook(cat, search | {"timeline": [OUTAGE]}).id == "provider-outage-generic"
    assert choose_runbook(cat, search | {"labels": search["labels"] | {"incident_type": "provider-outage"}}).id == \
        "provider-outage-generic"
    checkout = {"id": 8, "labels": {"service": "checkout", "slo": "availability"}, "timeline": [OUTAGE]}
    assert choose_runbook(cat, checkout).id == "checkout-availability"  # an SLO runbook is more specific than a type
    with pytest.raises(ValidationError, match="provider-outage"):
        RunbookMatch(types=["outage"])
