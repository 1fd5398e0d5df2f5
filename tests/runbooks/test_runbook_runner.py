"""The runner against a real Prometheus, the real receiver and the checkout service on loopback.

The service fails 50% of requests from three faults (35% + 10% + 5%); the checkout runbook's
steps 1-3 clear one each and step 4 addresses a fault that is not there. What the tests prove:
steps run in order and stop at the first one after which the SLO check holds, escalation when no
step helps, a resolved incident stops a run, two runners never run one incident twice.
"""

from __future__ import annotations

import threading

import pytest

from burnwise.demo.service import DEMO_FAULTS
from burnwise.runbooks.lease import LeaseRefused
from burnwise.runbooks.runner import RunRefused, run_runbook
from tests.integration.chainlib import wait_until
from tests.runbooks.runbook_stack import (
    catalog,
    client,
    env,
    open_incident,
    options,
    resolve_as_alertmanager,
    runbook_entries,
    set_faults,
)

pytestmark = pytest.mark.integration
PATHS = ["/admin/deploys/rollback", "/admin/flags/checkout.provider_failover", "/admin/zones/b/weight",
         "/admin/flags/checkout.degraded_mode"]


def _run(stack, incident_id, lines=None, **overrides):
    return run_runbook(incident_id, database=stack.database_url, catalog=catalog(),
                       prometheus_url=stack.prometheus_url, incidents=client(stack),
                       options=options(stack, lines, **overrides))


def _paths(stack, since: int) -> list[str]:
    return [path for _method, path, _cleared in stack.service.control_calls[since:]]


def test_steps_apply_in_order_and_stop_once_the_sli_recovers(stack):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before, lines = len(stack.service.control_calls), []
    report = _run(stack, incident, lines)

    assert report.outcome == "recovered", report.message
    assert report.message == "SLI recovered after step 3 of 4; steps 4 not needed"
    assert _paths(stack, before) == PATHS[:3]  # in order, step 4 never called
    assert report.applied == [1, 2, 3] and report.not_needed == [4]
    after = [s.sli_after for s in report.steps[:3]]
    assert 0.12 < after[0] < 0.18 and 0.03 < after[1] < 0.07 and after[2] < 0.001, after
    assert [s.recovered for s in report.steps[:3]] == [False, False, True]
    assert 0.45 < report.steps[0].sli_before < 0.55

    entries = runbook_entries(stack, incident)
    assert entries[0].startswith("started runbook checkout-availability (4 steps)")
    assert [e.split(" [")[0] for e in entries[1:4]] == ["step 1/4", "step 2/4", "step 3/4"]
    assert "-> 85.0% healthy" in entries[1] or "-> 8" in entries[1]
    assert "check holds: recovered" in entries[3] and "check does not hold yet" in entries[2]
    assert entries[4] == "runbook checkout-availability recovered: " + report.message
    assert stack.settings.service_admin_token not in "\n".join(entries + lines)  # the secret never shows
    actors = {e["actor"] for e in stack.incident(incident)["timeline"] if "runbook" in e["text"]}
    assert actors == {"runbook:test"}


def test_a_healthy_sli_needs_no_step(stack):
    set_faults(stack, {})
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    report = _run(stack, incident)
    assert report.outcome == "already-healthy" and report.not_needed == [1, 2, 3, 4]
    assert _paths(stack, before) == []


def test_when_no_step_helps_the_run_escalates_and_says_so(stack):
    from prometheus_client import CollectorRegistry

    from burnwise.runbooks.metrics import RunbookMetrics

    set_faults(stack, {"database-down": 0.5})  # no runbook step clears this one
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    registry = CollectorRegistry()
    report = _run(stack, incident, settle_seconds=3.0, metrics=RunbookMetrics(registry))
    sample = registry.get_sample_value
    assert sample("burnwise_runbook_runs_total", {"runbook": "checkout-availability", "outcome": "not-recovered"}) == 1
    assert sample("burnwise_runbook_steps_total", {"runbook": "checkout-availability", "result": "applied"}) == 4
    assert sample("burnwise_runbook_escalations_total", {"runbook": "checkout-availability"}) == 1
    assert report.outcome == "not-recovered"
    assert report.message == "all 4 steps applied and the SLI has not recovered"
    assert _paths(stack, before) == PATHS
    # issue 20: the receiver's escalation API pages the next role of the chain, on the timeline too
    assert report.escalation.startswith("escalated through the receiver: paging backup"), report.escalation
    assert runbook_entries(stack, incident)[-1] == f"escalation: {report.escalation}"
    timeline = stack.incident(incident)["timeline"]
    escalated = [e for e in timeline if e["kind"] == "escalate"]
    assert [(e["actor"], e["data"]["role"]) for e in escalated] == [("runbook:test", "backup")]
    assert "runbook checkout-availability: all 4 steps applied" in escalated[0]["data"]["reason"]
    steps = [e["data"] for e in timeline if e["kind"] == "runbook" and (e["data"] or {}).get("event") == "step"]
    assert [(d["step"], d["result"], d["recovered"]) for d in steps] == [(n, "applied", False) for n in (1, 2, 3, 4)]
    assert all(d["sli_before"] is not None and d["sli_after"] is not None and d["actor"] == "test" for d in steps)


def test_a_failing_action_stops_the_run_and_escalates(stack):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    wrong = options(stack)
    wrong.env["CHECKOUT_ADMIN_TOKEN"] = "wrong-token"
    report = run_runbook(incident, database=stack.database_url, catalog=catalog(), prometheus_url=stack.prometheus_url,
                         incidents=client(stack), options=wrong)
    assert report.outcome == "failed" and report.applied == [1]
    assert "HTTP 401" in report.message and report.escalation
    assert _paths(stack, before) == [] and stack.service.faults == DEMO_FAULTS  # refused: nothing changed
    assert "wrong-token" not in "\n".join(runbook_entries(stack, incident))


def test_resolving_the_incident_stops_a_running_runbook(stack):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(report=_run(stack, incident, settle_seconds=30.0)))
    runner.start()
    try:
        wait_until(lambda: len(stack.service.control_calls) > before, 20, "step 1's call")
        stack.receiver_api("POST", f"/v1/incidents/{incident}/resolve", {"by": "alice"})
    finally:
        runner.join(timeout=20)
    assert not runner.is_alive()
    report = result["report"]
    assert report.outcome == "stopped" and report.message == "the incident was resolved"
    assert _paths(stack, before) == PATHS[:1]
    with pytest.raises(RunRefused, match="resolved"):
        _run(stack, incident)


def _resolve_by_alertmanager_during_step_1(stack, faults: dict[str, float]):
    set_faults(stack, faults)
    incident = open_incident(stack)
    before, lines, result = len(stack.service.control_calls), [], {}
    runner = threading.Thread(target=lambda: result.update(report=_run(stack, incident, lines, settle_seconds=8.0)))
    runner.start()
    try:
        wait_until(lambda: len(stack.service.control_calls) > before, 20, "step 1's call")
        resolve_as_alertmanager(stack, incident)
        assert stack.incident(incident)["status"] == "resolved"
    finally:
        runner.join(timeout=40)
    assert not runner.is_alive()
    return result["report"], _paths(stack, before), lines


def test_alerts_resolving_while_a_step_settles_let_the_check_decide_it_recovered(stack):
    # the alert clears on the burn rate before the SLI check agrees; the step that fixed it still counts
    report, paths, lines = _resolve_by_alertmanager_during_step_1(stack, {"bad-deploy": 0.35})
    assert report.outcome == "recovered", "\n".join(lines)
    assert report.message == "SLI recovered after step 1 of 4; steps 2, 3, 4 not needed"
    assert paths == PATHS[:1]
    assert any("alerts resolved while settling" in line for line in lines), lines


def test_alerts_resolving_while_a_step_settles_stop_the_run_when_the_check_does_not_hold(stack):
    report, paths, _lines = _resolve_by_alertmanager_during_step_1(stack, DEMO_FAULTS)
    assert report.outcome == "stopped" and report.message == "the incident was resolved"
    assert paths == PATHS[:1]  # no second step on a closed incident
    assert report.steps[0].recovered is False


def test_two_runners_never_run_one_incident_twice(stack):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    outcomes, barrier = [], threading.Barrier(2)

    def one(actor: str) -> None:
        barrier.wait(timeout=10)
        try:
            outcomes.append(_run(stack, incident, actor=actor).outcome)
        except LeaseRefused as exc:
            outcomes.append(f"refused: {exc}")

    threads = [threading.Thread(target=one, args=(name,)) for name in ("replica-a", "replica-b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(o.split(":")[0] for o in outcomes) == ["recovered", "refused"], outcomes
    assert "already running" in next(o for o in outcomes if o.startswith("refused"))
    assert _paths(stack, before) == PATHS[:3]
    with pytest.raises(LeaseRefused, match="already ran for this episode"):
        _run(stack, incident)


# --- the CLI: `burnwise runbook run|stop` --------------------------------------------------------


def _cli(stack, monkeypatch, *argv: str) -> int:
    from burnwise.cli import main

    for name, value in env(stack).items():
        monkeypatch.setenv(name, value)
    common = ["--url", stack.receiver_url, "--token", stack.token, "--prometheus", stack.prometheus_url,
              "--database", stack.database_url, "--window", "4s"]
    return main(["runbook", "run", *argv, *common])


def test_dry_run_prints_every_call_with_secrets_masked_and_calls_nothing(stack, monkeypatch, capsys):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    timeline_before = stack.incident(incident)["timeline"]
    assert _cli(stack, monkeypatch, str(incident), "--dry-run") == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Dry run of runbook checkout-availability for incident #{incident} (nothing is called):")
    for number, path in enumerate(PATHS, start=1):
        assert f"{number}. [remediation]" in out
        assert f"{stack.service.url}{path}; header Authorization: Bearer ****($CHECKOUT_ADMIN_TOKEN)" in out
    assert "check slo:burnwise_burn_rate:rate4s{service=\"checkout\",slo=\"availability\"} < 1" in out
    assert "undo: HTTP PUT" in out
    assert stack.settings.service_admin_token not in out
    assert len(stack.service.control_calls) == before  # the counting server got nothing
    assert stack.incident(incident)["timeline"] == timeline_before  # and nothing was written


def test_cli_run_prints_each_step_and_exits_0_on_recovery(stack, monkeypatch, capsys):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    assert _cli(stack, monkeypatch, str(incident), "--settle", "6", "--by", "alice") == 0
    out = capsys.readouterr().out
    assert "step 3/4 [remediation]" in out and "check holds: recovered" in out
    assert f"runbook checkout-availability, incident #{incident}: recovered: SLI recovered after step 3 of 4" in out
    assert "applied: 1, 2, 3; not needed: 4" in out
    assert stack.settings.service_admin_token not in out


def test_cli_manual_step_without_a_terminal_fails_clearly(stack, monkeypatch, capsys):
    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    assert _cli(stack, monkeypatch, str(incident), "--runbook", "checkout-latency", "--settle", "1") == 1
    out = capsys.readouterr().out
    assert "failed: step 1 failed (this is a manual step and nobody can confirm it here (non-interactive run)" in out
    assert "escalation: escalated through the receiver: paging backup" in out


def test_cli_stop_stops_a_running_runbook(stack, monkeypatch, capsys):
    from burnwise.cli import main

    set_faults(stack, DEMO_FAULTS)
    incident = open_incident(stack)
    before = len(stack.service.control_calls)
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(report=_run(stack, incident, settle_seconds=30.0)))
    runner.start()
    try:
        wait_until(lambda: len(stack.service.control_calls) > before, 20, "step 1's call")
        assert main(["runbook", "stop", str(incident), "--database", stack.database_url, "--by", "bob"]) == 0
    finally:
        runner.join(timeout=20)
    assert result["report"].outcome == "stopped" and result["report"].message == "stop requested by bob"
    assert _paths(stack, before) == PATHS[:1]
    assert main(["runbook", "stop", str(incident), "--database", stack.database_url]) == 1  # nothing running now
    assert "no runbook is running" in capsys.readouterr().err
