"""The receiver starts automatic runbook runs (issue 20): real `burnwise serve`, real Prometheus, real service.

Each test starts its own receiver process(es) next to the module's chain (checkout service +
Prometheus with the SLO's 4s-window rules) with ``runbooks: {catalog, automation, prometheus_url}``
in its config file and a catalog whose checkout runbook opts in with ``auto:``.
"""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timezone

import pytest
import requests
import yaml

from burnwise.demo.service import DEMO_FAULTS
from tests.integration.chainlib import ROSTER, wait_until
from tests.runbooks.runbook_stack import SETTLE, WINDOW, env, set_faults
from tests.runbooks.test_runbook_auto import auto_catalog
from tests.webhook_receiver.receiver_testlib import TOKEN, ReceiverProcess

pytestmark = pytest.mark.integration


@pytest.fixture
def receivers(stack, tmp_path):
    """``start(after=..., automation=..., prometheus=True, database=None)`` -> a running receiver; all stopped after."""
    started: list[ReceiverProcess] = []

    def start(after: str = "open", automation: bool = True, prometheus: bool = True, database: str | None = None,
              settle: float = SETTLE) -> ReceiverProcess:
        catalog_path = tmp_path / f"runbooks-{after}.yaml"
        catalog = auto_catalog(after=after, severities=("sev1", "sev2"))
        catalog_path.write_text(yaml.safe_dump(catalog.model_dump(mode="json", by_alias=True, exclude_none=True)))
        runbooks = {"catalog": str(catalog_path), "automation": automation, "window": WINDOW,
                    "settle_seconds": settle, "poll_seconds": 0.5, "lease_seconds": 10}
        if prometheus:
            runbooks["prometheus_url"] = stack.prometheus_url
        settings = {"database_url": database or f"sqlite:///{tmp_path / 'auto.db'}", "auth_token": TOKEN,
                    "pagerduty_url": stack.pager.enqueue_url, "roster": str(ROSTER), "runbooks": runbooks,
                    "worker_poll_seconds": 0.1, "log_level": "info"}
        proc = ReceiverProcess(tmp_path, settings, env=env(stack))
        started.append(proc)
        return proc.start()

    try:
        yield start
    finally:
        for proc in started:
            proc.stop()


def call(receiver: ReceiverProcess, method: str, path: str, body: dict | None = None) -> dict:
    response = requests.request(method, receiver.url + path, json=body, headers=receiver.headers(), timeout=15)
    assert response.status_code < 300, response.text
    return response.json()


def fire(receiver: ReceiverProcess) -> tuple[int, float]:
    """A firing checkout notification; returns the new incident's id and how long the receiver took to answer."""
    run = uuid.uuid4().hex[:8]
    labels = {"alertname": "CheckoutAvailabilityBudgetBurn", "service": "checkout", "slo": "availability",
              "severity": "critical", "team": "payments", "run": run}
    body = {"version": "4", "groupKey": f"{{}}:{{run=\"{run}\"}}", "status": "firing", "receiver": "burnwise",
            "groupLabels": {"run": run}, "commonLabels": labels, "commonAnnotations": {}, "externalURL": "",
            "alerts": [{"status": "firing", "labels": labels, "annotations": {},
                        "startsAt": datetime.now(timezone.utc).isoformat(), "fingerprint": run}]}
    started = time.monotonic()
    answer = receiver.post(body)
    took = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    return answer.json()["opened"][0], took


def run_state(receiver: ReceiverProcess, incident: int) -> dict | None:
    return call(receiver, "GET", f"/v1/incidents/{incident}/runbook")["run"]


def finished(receiver: ReceiverProcess, incident: int, timeout: float = 90) -> dict:
    return wait_until(lambda: (r := run_state(receiver, incident)) and r["state"] == "finished" and r, timeout,
                      f"incident {incident}'s runbook run to finish")


def runbook_data(receiver: ReceiverProcess, incident: int) -> list[dict]:
    return [e for e in receiver.incident(incident)["timeline"] if e["kind"] == "runbook"]


def test_the_receiver_runs_an_opted_in_runbook_when_the_incident_opens(receivers, stack):
    receiver = receivers()
    set_faults(stack, DEMO_FAULTS)
    before = len(stack.service.control_calls)
    incident, took = fire(receiver)
    assert took < 2.0  # the run (3 steps x 6s settle) happens in the background, never in ingest
    run = finished(receiver, incident)
    assert (run["outcome"], run["runbook_id"]) == ("recovered", "checkout-availability")
    assert len(stack.service.control_calls) == before + 3  # step 4 not applied
    entries = runbook_data(receiver, incident)
    assert {e["actor"] for e in entries} == {"runbook:auto"}
    steps = [e["data"] for e in entries if e["data"]["event"] == "step"]
    assert [(d["step"], d["result"], d["recovered"]) for d in steps] == [(1, "applied", False), (2, "applied", False),
                                                                       (3, "applied", True)]
    assert steps[0]["sli_before"] > steps[0]["sli_after"] > steps[1]["sli_after"]
    last = entries[-1]["data"]
    assert (last["event"], last["outcome"], last["applied"], last["not_needed"]) == ("finished", "recovered", [1, 2, 3], [4])
    assert receiver.metric('burnwise_runbook_runs_total{outcome="recovered",runbook="checkout-availability"}') == 1


def test_two_replicas_acknowledging_at_once_run_the_runbook_once(receivers, stack, tmp_path):
    database = f"sqlite:///{tmp_path / 'shared.db'}"
    first = receivers(after="acknowledge", database=database)
    second = receivers(after="acknowledge", database=database)
    set_faults(stack, DEMO_FAULTS)
    incident, _ = fire(first)
    time.sleep(2)
    assert run_state(first, incident) is None  # `after: acknowledge`: nothing on open
    before = len(stack.service.control_calls)
    acks = [threading.Thread(target=call, args=(r, "POST", f"/v1/incidents/{incident}/ack", {"by": "alice", "as_guest": True}))
            for r in (first, second)]
    for thread in acks:
        thread.start()
    for thread in acks:
        thread.join(15)
    assert finished(second, incident)["outcome"] == "recovered"
    time.sleep(2)  # a second runner would have applied its first step by now
    assert len(stack.service.control_calls) == before + 3
    starts = [e for e in runbook_data(first, incident) if e["data"]["event"] == "started"]
    assert len(starts) == 1


def test_resolving_the_incident_stops_an_automatic_run(receivers, stack):
    receiver = receivers(settle=30.0)
    set_faults(stack, DEMO_FAULTS)
    before = len(stack.service.control_calls)
    incident, _ = fire(receiver)
    wait_until(lambda: len(stack.service.control_calls) > before, 30, "step 1's call")
    call(receiver, "POST", f"/v1/incidents/{incident}/resolve", {"by": "alice"})
    run = finished(receiver, incident, timeout=30)
    assert run["outcome"] == "stopped"
    assert len(stack.service.control_calls) == before + 1
    assert runbook_data(receiver, incident)[-1]["text"].endswith("stopped: the incident was resolved")


def test_a_stop_request_through_the_api_stops_an_automatic_run(receivers, stack):
    receiver = receivers(settle=30.0)
    set_faults(stack, DEMO_FAULTS)
    before = len(stack.service.control_calls)
    incident, _ = fire(receiver)
    wait_until(lambda: len(stack.service.control_calls) > before, 30, "step 1's call")
    assert call(receiver, "POST", f"/v1/incidents/{incident}/runbook/stop", {"by": "bob"})["stop_requested_by"] == "bob"
    run = finished(receiver, incident, timeout=30)
    assert (run["outcome"], run["stop_requested_by"]) == ("stopped", "bob")
    assert len(stack.service.control_calls) == before + 1
    again = requests.post(receiver.url + f"/v1/incidents/{incident}/runbook/stop", json={"by": "bob"},
                          headers=receiver.headers(), timeout=5)
    assert again.status_code == 409 and "no runbook is running" in again.json()["error"]


def test_the_global_switch_and_a_missing_prometheus_start_nothing_and_say_so(receivers, stack):
    set_faults(stack, DEMO_FAULTS)
    before = len(stack.service.control_calls)
    off = receivers(automation=False)
    incident, _ = fire(off)
    blind = receivers(prometheus=False, database=f"sqlite:///{off.workdir / 'blind.db'}")
    blind_incident, _ = fire(blind)
    entry = wait_until(lambda: runbook_data(blind, blind_incident), 15, "the not-started entry")[0]
    assert "no runbooks.prometheus_url" in entry["text"] and entry["data"]["event"] == "not-started"
    assert blind.metric('burnwise_runbook_auto_not_started_total{reason="no-prometheus"}') == 1
    time.sleep(2)
    assert run_state(off, incident) is None and runbook_data(off, incident) == []
    assert len(stack.service.control_calls) == before


def test_an_acknowledge_takes_over_from_a_run_the_receiver_started_on_open(receivers, stack):
    receiver = receivers(settle=30.0)
    set_faults(stack, DEMO_FAULTS)
    before = len(stack.service.control_calls)
    incident, _ = fire(receiver)
    wait_until(lambda: len(stack.service.control_calls) > before, 30, "step 1's call")
    call(receiver, "POST", f"/v1/incidents/{incident}/ack", {"by": "alice", "as_guest": True})
    run = finished(receiver, incident, timeout=30)
    assert run["outcome"] == "stopped"
    assert len(stack.service.control_calls) == before + 1
    assert runbook_data(receiver, incident)[-1]["text"].endswith("a person took over")
