"""Incidents by type in the load report (issue 20): runbook runs and manual steps beyond them, by hand."""

from __future__ import annotations

from datetime import timedelta

from burnwise.receiver.store import Store
from burnwise.receiver.timeline_entries import add_entry
from tests.reports.conftest import AT


def _run(db, incident, opened, outcome, manual=(), minutes=2):
    add_entry(db, incident, "runbook", "started", "runbook:auto", at=opened + timedelta(minutes=minutes),
              data={"event": "started", "runbook": "checkout-availability"})
    add_entry(db, incident, "runbook", f"finished {outcome}", "runbook:auto", at=opened + timedelta(minutes=minutes + 5),
              data={"event": "finished", "outcome": outcome, "applied": [1], "not_needed": [], "manual": list(manual)})


def test_counts_by_type_match_the_hand_count(seeded, run_cli, run_json):
    store = Store.from_url(seeded.url)
    try:
        ids = seeded.ids
        opened = {k: store.get_incident(i).opened_at for k, i in ids.items()}
        triage = {"P1": "provider-outage", "P2": "provider-outage", "P5": "provider-outage", "P6": "serving"}
        for key, kind in triage.items():
            add_entry(store.db, ids[key], "triage", f"type {kind}", "anna", at=opened[key] + timedelta(minutes=1),
                      data={"type": kind})
        _run(store.db, ids["P1"], opened["P1"], "recovered")                    # runbook alone
        _run(store.db, ids["P2"], opened["P2"], "not-recovered")                # escalated: people had to act
        _run(store.db, ids["P5"], opened["P5"], "recovered", minutes=5)         # anna's mitigation at 10m came after
        _run(store.db, ids["P6"], opened["P6"], "recovered", manual=[2])        # a manual step inside the runbook
    finally:
        store.engine.dispose()
    report = run_json("report", "load", "--since", "14d", *AT, *seeded.args())
    payments = {s["surface"]: s for s in report["surfaces"]}["payments"]
    # P1-P6 on payments: P1, P2, P5 provider-outage; P6 serving; P3, P4 untyped -> other
    assert [(t["type"], t["incidents"], t["runbook_ran"], t["recovered_by_runbook"], t["manual_beyond_runbook"],
             t["no_runbook"]) for t in payments["by_type"]] == [
        ("provider-outage", 3, 3, 1, 2, 0), ("serving", 1, 1, 0, 1, 0), ("other", 2, 0, 0, 0, 2)]
    code, text, err = run_cli("report", "load", "--since", "14d", *AT, *seeded.args())
    assert code == 0, err
    assert "| provider-outage | 3 | 3 | 1 | 2 | 0 |" in text
