"""Runbook steps and deploy records in reports (issues 20, 21): postmortem mitigation, handoff progress.

Over the seeded history (P6: checkout availability, sev2, opened 2026-11-20 08:00, still open) plus
runbook entries as the runner writes them and deploys as CI records them.
"""

from __future__ import annotations

from datetime import timedelta

from burnwise.receiver.deploys import record_deploy
from burnwise.receiver.store import Store
from burnwise.receiver.timeline_entries import add_entry
from burnwise.runbooks.lease import RunLeases
from tests.reports.conftest import AT
from tests.reports.history import utc
from tests.reports.test_reports_postmortem import section


def step(number: int, result: str, before: float, after: float, recovered: bool) -> dict:
    return {"event": "step", "runbook": "checkout-availability", "actor": "auto", "step": number, "of": 4,
            "title": f"step title {number}", "class": "remediation", "action": f"HTTP POST http://svc/fix{number}",
            "result": result, "detail": "HTTP 200", "check": "x < 1", "sli_before": before, "sli_after": after,
            "recovered": recovered}


def add_runbook_history(url: str, incident: int) -> None:
    store = Store.from_url(url)
    try:
        opened = utc("2026-11-20T08:00")
        add_entry(store.db, incident, "runbook", "started runbook checkout-availability", "runbook:auto",
                  at=opened + timedelta(minutes=1), data={"event": "started", "runbook": "checkout-availability"})
        add_entry(store.db, incident, "runbook", "step 1/4 ...", "runbook:auto", at=opened + timedelta(minutes=3),
                  data=step(1, "applied", 0.5, 0.15, False))
        add_entry(store.db, incident, "runbook", "step 2/4 ...", "runbook:auto", at=opened + timedelta(minutes=6),
                  data=step(2, "applied", 0.15, 0.0, True))
        add_entry(store.db, incident, "runbook", "step 3/4 ...", "runbook:auto", at=opened + timedelta(minutes=6),
                  data=step(3, "not-needed", None, None, None))
        for service, at, text in (("checkout", "2026-11-20T07:00", "checkout v44"), ("search", "2026-11-20T07:30", "search v9"),
                                  ("checkout", "2026-11-17T10:00", "checkout v43.1")):
            record_deploy(store.db, service, text, "ci", at=utc(at))
        RunLeases(store.engine, ttl_seconds=3600).acquire(incident, "2026-11-20T08:00:00Z", "checkout-availability",
                                                          "auto@replica-a:1")
    finally:
        store.engine.dispose()


def test_postmortem_lists_runbook_steps_under_mitigation_and_deploys_by_their_time(seeded, run_cli, run_json):
    incident = seeded.ids["P6"]
    add_runbook_history(seeded.url, incident)
    pm = run_json("postmortem", str(incident), *seeded.args())
    assert [(s["step"], s["result"], s["healthy_before"], s["healthy_after"], s["ran_by"]) for s in pm["runbook_steps"]] == [
        (1, "applied", 50.0, 85.0, "runbook:auto"), (2, "applied", 85.0, 100.0, "runbook:auto")]
    assert pm["key_times"]["mitigated"] == "2026-11-20T08:03:00Z"  # the first applied step
    assert [(d["at"], d["service"], d["text"]) for d in pm["deploys"]] == [("2026-11-20T07:00:00Z", "checkout", "checkout v44")]
    assert "1 deploy(s) of checkout went out" in " ".join(pm["contributing_factors"])
    code, text, err = run_cli("postmortem", str(incident), *seeded.args())
    assert code == 0, err
    mitigation = section(text, "Mitigation")
    assert "| step title 1 | applied | 50.0% -> 85.0% | runbook:auto |" in mitigation
    assert "| step title 2 | applied | 85.0% -> 100.0% (recovered) | runbook:auto |" in mitigation
    assert "step title 3" not in mitigation  # not needed: nothing was applied
    assert "| 2026-11-20T07:00:00Z | checkout | checkout v44 | ci |" in section(text, "Deploys")


def test_handoff_shows_runbooks_in_progress_and_recorded_deploys(seeded, run_cli, run_json):
    incident = seeded.ids["P6"]
    add_runbook_history(seeded.url, incident)
    note = run_json("handoff", "--surface", "payments", *AT, *seeded.args())
    [run] = note["runbooks_in_progress"]
    assert (run["incident"], run["runbook"], run["steps_done"], run["holder"]) == (
        incident, "checkout-availability", 2, "auto@replica-a:1")
    assert run["last_step"] == "step 2/4 step title 2: applied"
    # deploys of payments' services in the last 72h, by the time they went out (search is not payments')
    assert [(d["service"], d["text"], d["at"]) for d in note["deploys"]] == [("checkout", "checkout v44", "2026-11-20T07:00:00Z")]
    code, text, err = run_cli("handoff", "--surface", "payments", "--tz", "UTC", *AT, *seeded.args())
    assert code == 0, err
    assert f"| #{incident} | checkout-availability |" in section(text, "Runbooks in progress")
    assert "| checkout | checkout v44 | ci |" in text


def test_without_runs_or_deploys_the_sections_say_nothing_is_there(seeded, run_json):
    note = run_json("handoff", "--surface", "payments", *AT, *seeded.args())
    assert note["runbooks_in_progress"] == [] and note["deploys"] == []
    pm = run_json("postmortem", str(seeded.ids["P2"]), *seeded.args())
    assert pm["runbook_steps"] == [] and pm["key_times"]["mitigated"] == "2026-11-12T14:15:00Z"


def test_machine_entries_are_nobodys_initial_response_and_name_nobody():
    from datetime import datetime, timezone

    from burnwise.receiver.records import IncidentRecord, TimelineEntry
    from burnwise.reports.health import first_response

    opened = datetime(2026, 11, 20, 8, tzinfo=timezone.utc)
    incident = IncidentRecord.model_construct(opened_at=opened)

    def entry(minutes, kind, actor, data=None):
        return TimelineEntry(id=minutes, at=opened + timedelta(minutes=minutes), kind=kind, actor=actor, text="x", data=data)

    timeline = [entry(1, "runbook", "runbook:auto", {"event": "started"}),
                entry(2, "note", "deploy-pipeline", {"event": "budget-breach"}),
                entry(9, "triage", "anna")]
    assert first_response(incident, timeline) == opened + timedelta(minutes=9)
