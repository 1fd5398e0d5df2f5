"""Automatic runs: opt-in per runbook and severity, on open or after acknowledge, switchable off.

The gate is checked with incidents as the receiver's API shows them; the runs themselves go
against the real chain (Prometheus, receiver, checkout service).
"""

from __future__ import annotations

import threading

import pytest

from burnwise.demo.service import DEMO_FAULTS
from burnwise.roster.runbooks import AutoRun, CatalogSettings
from burnwise.runbooks.auto import auto_decision, auto_run
from tests.integration.chainlib import wait_until
from tests.runbooks.runbook_stack import catalog, client, open_incident, options, runbook_entries, set_faults

CHECKOUT = {"id": 1, "status": "open", "severity": "sev1", "service": "checkout", "slo": "availability",
            "labels": {"service": "checkout", "slo": "availability"}}


def auto_catalog(after: str = "open", severities=("sev1",), automation: bool = True):
    base = catalog()
    runbook = base.get("checkout-availability").model_copy(
        update={"auto": AutoRun(severities=list(severities), after=after)})
    return base.model_copy(update={"runbooks": [runbook if r.id == runbook.id else r for r in base.runbooks],
                                   "settings": CatalogSettings(automation=automation)})


@pytest.mark.parametrize("kwargs, incident, event, why", [
    ({}, CHECKOUT, "open", None),
    ({"automation": False}, CHECKOUT, "open", "automation is switched off"),
    ({}, CHECKOUT | {"severity": "sev2"}, "open", "runs automatically only for sev1"),
    ({}, CHECKOUT | {"status": "resolved"}, "open", "the incident is resolved"),
    ({"after": "acknowledge"}, CHECKOUT, "open", "runs automatically on acknowledge, not on open"),
    ({"after": "acknowledge"}, CHECKOUT | {"status": "acknowledged"}, "acknowledge", None),
    ({}, CHECKOUT | {"service": "search", "labels": {"service": "search", "slo": "latency"}}, "open",
     "does not opt in"),
])
def test_the_gate(kwargs, incident, event, why):
    decision = auto_decision(auto_catalog(**kwargs), incident, event)
    assert decision is None if why is None else why in decision
    assert auto_decision(catalog(), CHECKOUT, "open") == "runbook checkout-availability does not opt in to automatic runs"
    assert auto_decision(auto_catalog(), CHECKOUT, "open", automation=False) == "automation is switched off"


@pytest.mark.integration
def test_an_opted_in_runbook_runs_on_open_once_and_the_switch_stops_it(stack):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    common = dict(event="open", database=stack.database_url, prometheus_url=stack.prometheus_url,
                  incidents=client(stack), options=options(stack))
    assert auto_run(incident, catalog=auto_catalog(automation=False), **common) is None
    assert auto_run(incident, catalog=auto_catalog(), automation=False, **common) is None
    assert len(stack.service.control_calls) == before
    report = auto_run(incident, catalog=auto_catalog(), **common)
    assert report.outcome == "recovered" and report.applied == [1, 2, 3]
    assert {e["actor"] for e in stack.incident(incident)["timeline"] if "runbook" in e["text"]} == {"runbook:auto"}
    set_faults(stack, DEMO_FAULTS)
    assert auto_run(incident, catalog=auto_catalog(), **common) is None  # once per incident episode
    assert len(stack.service.control_calls) == before + 3


@pytest.mark.integration
def test_an_acknowledge_takes_over_from_a_run_started_on_open(stack):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    result: dict = {}
    run = threading.Thread(target=lambda: result.update(report=auto_run(
        incident, event="open", database=stack.database_url, catalog=auto_catalog(),
        prometheus_url=stack.prometheus_url, incidents=client(stack), options=options(stack, settle_seconds=30.0))))
    run.start()
    try:
        wait_until(lambda: len(stack.service.control_calls) > before, 20, "step 1's call")
        stack.receiver_api("POST", f"/v1/incidents/{incident}/ack", {"by": "alice", "as_guest": True})
    finally:
        run.join(timeout=20)
    assert result["report"].outcome == "stopped"
    assert result["report"].message == "the incident was acknowledged: a person took over"
    assert len(stack.service.control_calls) == before + 1
    assert runbook_entries(stack, incident)[-1].endswith("a person took over")
