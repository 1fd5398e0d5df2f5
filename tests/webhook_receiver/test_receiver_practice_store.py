"""The practice-loop writes on the store itself, on SQLite and PostgreSQL: dated entries, escalation
on request (two at once advance one step each), deploys, budget breaches, the run lease."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from burnwise.receiver.budget_breaches import BreachReport, breaches_between, record_breach
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.deploys import list_deploys, record_deploy
from burnwise.receiver.escalate_now import escalate_now
from burnwise.receiver.store import IncidentConflict
from burnwise.receiver.timeline_entries import EntryTimeRefused, add_entry

from burnwise.errors import BurnwiseError
from burnwise.runbooks.lease import LeaseRefused, RunLeases
from tests.webhook_receiver.receiver_testlib import alert, notification
from tests.webhook_receiver.test_receiver_store import POLICY, T0, FixedDirectory, ingest, store  # noqa: F401


def test_dated_entries_escalation_deploys_breaches_and_leases(store):  # noqa: F811
    incident = ingest(store, notification("g", [alert()]), FixedDirectory()).opened[0]
    now = T0 + timedelta(minutes=5)
    entry = add_entry(store.db, incident, "mitigation", "rolled back", "ana", at=T0 - timedelta(hours=1), now=now)
    assert entry.at == T0 - timedelta(hours=1)
    with pytest.raises(EntryTimeRefused, match="in the future"):
        add_entry(store.db, incident, "note", "x", "ana", at=now + timedelta(minutes=5), now=now)
    with pytest.raises(EntryTimeRefused, match="24h before"):
        add_entry(store.db, incident, "note", "x", "ana", at=T0 - timedelta(hours=25), now=now)

    results: list = []
    def escalate():
        try:
            results.append(escalate_now(store.db, incident, "runbook:auto", "no step helped", POLICY, now=now)[1]["role"])
        except IncidentConflict as exc:
            results.append(str(exc))
    threads = [threading.Thread(target=escalate) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # the chain is primary -> backup -> lead: two steps left, three requests at once -> each step once
    assert sorted(r for r in results if r in ("backup", "lead")) == ["backup", "lead"]
    assert sum("the escalation chain is exhausted" in r for r in results) == 1
    assert [p.recipient_role for p in store.list_pages(incident) if p.action == "trigger"] == ["primary", "backup", "lead"]

    record_deploy(store.db, "checkout", "v3.2", "ci", at=T0 - timedelta(minutes=30), now=now)
    record_deploy(store.db, "search", "v9", "ci", now=now)
    assert [d.text for d in list_deploys(store.db, T0 - timedelta(hours=1), now, ["checkout"])] == ["v3.2"]

    report = BreachReport(service="checkout", slo="availability", budget_remaining=-0.01, freeze_below=0.0,
                          change="feature", blocked=True)
    recorded = record_breach(store.db, report, "payments", now=now)
    assert recorded.incidents_noted == [incident]
    with store.db.tx() as conn:
        assert [(b.surface, b.blocked) for b in breaches_between(conn, T0, now, "payments")] == [("payments", True)]

    leases = RunLeases(store.engine)
    first = leases.acquire(incident, "episode-1", "checkout-availability", "replica-a")
    with pytest.raises(LeaseRefused, match="already running"):
        leases.acquire(incident, "episode-1", "checkout-availability", "replica-b")
    assert leases.request_stop(incident, "bob") == 1 and leases.renew(first) == "bob"


def test_runbooks_config_takes_a_path_or_a_mapping_and_names_the_key_of_a_mistake(tmp_path):
    from burnwise.receiver.config import load_config

    catalog = tmp_path / "runbooks.yaml"
    catalog.write_text("runbooks: []\n")
    config = tmp_path / "receiver.yaml"
    config.write_text("runbooks: {catalog: runbooks.yaml, automation: false, prometheus_url: 'http://127.0.0.1:9090'}\n")
    loaded = load_config(config, environ={})
    assert loaded.runbooks == catalog and loaded.runbook_automation.automation is False
    assert loaded.runbook_automation.prometheus_url == "http://127.0.0.1:9090"
    assert ReceiverConfig.model_validate({"runbooks": str(catalog)}).runbook_automation.automation is True
    config.write_text("runbooks: {catalog: runbooks.yaml, prometheus: 'http://x'}\n")
    with pytest.raises(BurnwiseError, match=r"key 'runbooks.prometheus': unknown key"):
        load_config(config, environ={})
    config.write_text("runbooks: {catalog: runbooks.yaml, prometheus_url: 'prometheus:9090'}\n")
    with pytest.raises(BurnwiseError, match=r"key 'runbooks.prometheus_url'.*Prometheus base URL"):
        load_config(config, environ={})
