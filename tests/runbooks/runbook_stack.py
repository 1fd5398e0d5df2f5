"""A real chain for runner tests: checkout service, Prometheus with its SLO rules, receiver, pager.

Why shared per module: starting Prometheus and the receiver takes seconds, each test only needs a
fresh incident (a real Alertmanager-shaped webhook to the real receiver) and a known error ratio.
Windows are short (4s) so a step's effect shows in the recorded SLI within a 6s settle.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

from burnwise.demo.stack import Stack
from burnwise.demo.timelapse import Timelapse
from burnwise.roster.load import load_catalog
from burnwise.runbooks.incidents import ReceiverClient
from burnwise.runbooks.runner import RunOptions
from burnwise.runbooks.verify import Prometheus, sli_query
from tests.integration.chainlib import RUNBOOKS, fast_settings

WINDOW = "4s"
SETTLE = 6.0
LABELS = {"service": "checkout", "slo": "availability"}


def start_stack(workdir: Path) -> Stack:
    settings = fast_settings(workdir, lapse=Timelapse(speedup=60, short_window=4),
                             service_admin_token=secrets.token_hex(8))
    stack = Stack(settings)
    try:
        stack.start_pager()
        stack.start_receiver()
        stack.start_service()
        stack.start_prometheus()
    except BaseException:
        stack.stop()
        raise
    return stack


def catalog():
    return load_catalog(RUNBOOKS)


def env(stack: Stack) -> dict[str, str]:
    return {"CHECKOUT_ADMIN_URL": stack.service.url, "CHECKOUT_ADMIN_TOKEN": stack.settings.service_admin_token}


def options(stack: Stack, lines: list[str] | None = None, **overrides) -> RunOptions:
    values = dict(window=WINDOW, settle_seconds=SETTLE, actor="test", poll_seconds=0.5, env=env(stack),
                  out=(lines.append if lines is not None else (lambda _l: None)))
    values.update(overrides)
    return RunOptions(**values)


def client(stack: Stack) -> ReceiverClient:
    return ReceiverClient(stack.receiver_url, stack.token)


def error_ratio(stack: Stack) -> float | None:
    return Prometheus(stack.prometheus_url).value(sli_query(LABELS, WINDOW))


def set_faults(stack: Stack, faults: dict[str, float], timeout: float = 30.0) -> None:
    """Clear old faults, add these, and wait until Prometheus records the resulting error ratio."""
    stack.service.clear_faults()
    target = sum(faults.values())
    stack.service.break_with(faults)
    deadline = time.monotonic() + timeout
    while True:
        value = error_ratio(stack)
        if value is not None and abs(value - target) < 0.02:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"error ratio did not reach {target} (last {value})")
        time.sleep(0.5)


def open_incident(stack: Stack) -> int:
    """A firing notification like Alertmanager sends it; returns the new incident's id."""
    group = f"{{}}:{{alertname=\"CheckoutAvailabilityBudgetBurn\", run=\"{uuid.uuid4().hex[:8]}\"}}"
    labels = {"alertname": "CheckoutAvailabilityBudgetBurn", "service": "checkout", "slo": "availability",
              "severity": "critical", "team": "payments", "run": group[-10:-2]}
    body = {
        "version": "4", "groupKey": group, "status": "firing", "receiver": "burnwise",
        "groupLabels": {"alertname": labels["alertname"]}, "commonLabels": labels, "commonAnnotations": {},
        "externalURL": "http://alertmanager.invalid",
        "alerts": [{"status": "firing", "labels": labels, "annotations": {},
                    "startsAt": datetime.now(timezone.utc).isoformat(), "fingerprint": uuid.uuid4().hex[:16]}],
    }
    answer = stack.receiver_api("POST", "/v1/alertmanager", body)
    SENT[answer["opened"][0]] = body
    return answer["opened"][0]


#: the firing notification each incident was opened with, so a test can resolve it the same way
SENT: dict[int, dict] = {}


def resolve_as_alertmanager(stack: Stack, incident_id: int) -> None:
    """Alertmanager's resolved notification for the incident's group: its alerts cleared."""
    firing = SENT[incident_id]
    ended = datetime.now(timezone.utc).isoformat()
    alerts = [alert | {"status": "resolved", "endsAt": ended} for alert in firing["alerts"]]
    stack.receiver_api("POST", "/v1/alertmanager", firing | {"status": "resolved", "alerts": alerts})


def runbook_entries(stack: Stack, incident_id: int) -> list[str]:
    """Texts of the incident's runbook entries (kind runbook, or mitigation prefixed 'runbook:')."""
    texts = []
    for entry in stack.incident(incident_id)["timeline"]:
        if entry["kind"] == "runbook":
            texts.append(entry["text"])
        elif entry["kind"] == "mitigation" and entry["text"].startswith("runbook: "):
            texts.append(entry["text"].removeprefix("runbook: "))
    return texts
