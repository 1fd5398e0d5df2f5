"""The loop: apply a runbook's steps in order, verify the SLI after each, stop the moment it holds.

Why this order of things: the check is evaluated once before the first step (a service that has
already recovered needs nothing), then after every step's settle time. The first step after
which the check holds ends the run - the remaining steps are recorded as not needed, because
applying mitigations nobody needs is how an incident gets a second one. A step whose action
fails, a Prometheus that cannot answer, and a last step after which the SLI is still unhealthy
all end the run and escalate: the machine stops pushing buttons and a person takes over. Every
step becomes a ``runbook`` timeline entry (step, call, result, SLI before and after, who ran it).

Between steps and while it waits, the runner renews its lease and re-reads the incident: an
incident a person resolved, a stop request (``burnwise runbook stop``) or a lost lease stops it at
once. An incident Alertmanager resolved while a step settles (its alert clears on the burn rate,
often before the SLI window the check reads has caught up) lets the settle finish and the check
decide: recovered by this step, or stopped because the incident is closed.
``run_runbook`` is what the CLI and the demo call, and what the receiver can call for automatic
runs (see :mod:`burnwise.runbooks.auto`).
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa

from burnwise.errors import BurnwiseError
from burnwise.roster.runbooks import Runbook, RunbookCatalog, Step
from burnwise.runbooks.actions import ActionError, Confirm, describe, execute
from burnwise.runbooks.incidents import Incidents
from burnwise.runbooks.lease import Lease, RunLeases
from burnwise.runbooks.metrics import RunbookMetrics
from burnwise.runbooks.selection import choose_runbook, incident_labels
from burnwise.runbooks.verify import DEFAULT_WINDOW, Prometheus, VerificationError, default_check, healthy_text, sli_query

log = logging.getLogger("burnwise.runbooks")


class RunRefused(BurnwiseError):
    """The run cannot start: the incident is closed, or no runbook fits it."""


class _Stop(Exception):
    def __init__(self, outcome: str, reason: str, resolved: bool = False, by_alerts: bool = False) -> None:
        super().__init__(reason)
        self.outcome, self.reason, self.resolved, self.by_alerts = outcome, reason, resolved, by_alerts


def resolved_by_alerts(incident: dict) -> bool:
    """Whether the incident's last resolve came from Alertmanager (its alerts cleared), not a person."""
    resolves = [e for e in incident.get("timeline") or [] if e.get("kind") == "resolve"]
    return bool(resolves) and resolves[-1].get("actor") == "alertmanager"


@dataclass
class RunOptions:
    """How one run behaves; the defaults are the CLI's."""

    dry_run: bool = False
    window: str = DEFAULT_WINDOW  # the SLO's short window: which recording rules the default check reads
    settle_seconds: float | None = None  # overrides every step's settle (the demo's time-lapse)
    actor: str = "cli"
    rerun: bool = False
    poll_seconds: float = 1.0
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    confirm: Confirm | None = None
    out: Callable[[str], None] = lambda _line: None
    lease_seconds: float = 60.0
    metrics: RunbookMetrics | None = None  # the receiver passes its registry's counters
    stop_when_acknowledged: bool = False  # automatic runs started on open: an acknowledge means a person took over


@dataclass
class StepRecord:
    number: int
    title: str
    step_class: str
    call: str
    result: str  # applied | failed | not-needed | would-run
    detail: str = ""
    sli_before: float | None = None
    sli_after: float | None = None
    check: str = ""
    recovered: bool | None = None


@dataclass
class RunReport:
    incident_id: int
    runbook_id: str
    outcome: str  # recovered | already-healthy | not-recovered | failed | stopped | dry-run
    message: str
    steps: list[StepRecord]
    escalation: str | None = None

    @property
    def applied(self) -> list[int]:
        return [s.number for s in self.steps if s.result in ("applied", "failed")]

    @property
    def not_needed(self) -> list[int]:
        return [s.number for s in self.steps if s.result == "not-needed"]


def step_line(record: StepRecord, total: int) -> str:
    """One timeline/console line for a step: what ran, what it did to the SLI, whether it holds."""
    head = f"step {record.number}/{total} [{record.step_class}] {record.title}"
    if record.result == "not-needed":
        return f"{head}: not needed (the SLI had recovered)"
    if record.result == "would-run":
        return f"{head}: would call {record.call}"
    sli = f"SLI {healthy_text(record.sli_before)} -> {healthy_text(record.sli_after)}"
    verdict = "" if record.recovered is None else ("; check holds: recovered" if record.recovered else "; check does not hold yet")
    return f"{head}: {record.result}: {record.detail}; {sli}{verdict}"


def step_data(record: StepRecord, total: int) -> dict:
    """A step's facts as the ``runbook`` timeline entry carries them (the postmortem reads these)."""
    return {"event": "step", "step": record.number, "of": total, "title": record.title, "class": record.step_class,
            "action": record.call, "result": record.result, "detail": record.detail, "check": record.check,
            "sli_before": record.sli_before, "sli_after": record.sli_after, "recovered": record.recovered}


class _Run:
    def __init__(self, incident: dict, runbook: Runbook, incidents: Incidents, prometheus: Prometheus,
                 leases: RunLeases | None, lease: Lease | None, options: RunOptions) -> None:
        self.incident, self.runbook, self.incidents = incident, runbook, incidents
        self.prometheus, self.leases, self.lease, self.options = prometheus, leases, lease, options
        self.labels = incident_labels(incident)
        self.by = f"runbook:{options.actor}"
        self.records: list[StepRecord] = []

    @property
    def incident_id(self) -> int:
        return int(self.incident["id"])

    def say(self, line: str) -> None:
        log.info("incident %s: %s", self.incident_id, line)
        self.options.out(line)

    def note(self, line: str, data: dict | None = None) -> None:
        self.say(line)
        facts = {"runbook": self.runbook.id, "actor": self.options.actor} | (data or {})
        self.incidents.add_timeline(self.incident_id, line, self.by, facts)

    def check_for(self, step: Step | None) -> str:
        return (step.check if step is not None and step.check else None) or default_check(self.labels, self.options.window)

    def sli(self) -> float | None:
        return self.prometheus.value(sli_query(self.labels, self.options.window))

    def guard(self, alerts_resolved_ok: bool = False) -> None:
        """Stop when asked, when the lease is gone, or when the incident closed.

        ``alerts_resolved_ok``: an incident resolved by Alertmanager (not by a person) does not stop
        the settle it happened in - see :meth:`apply`.
        """
        if self.leases is not None and self.lease is not None:
            stop_by = self.leases.renew(self.lease)
            if stop_by == "lease lost":
                raise _Stop("stopped", "another runner took over the lease")
            if stop_by:
                raise _Stop("stopped", f"stop requested by {stop_by}")
        incident = self.incidents.get(self.incident_id)
        status = incident.get("status")
        if status == "resolved":
            by_alerts = resolved_by_alerts(incident)
            if not (by_alerts and alerts_resolved_ok):
                raise _Stop("stopped", "the incident was resolved", resolved=True, by_alerts=by_alerts)
        if status == "acknowledged" and self.options.stop_when_acknowledged:
            raise _Stop("stopped", "the incident was acknowledged: a person took over")

    def settle(self, seconds: float, alerts_resolved_ok: bool = False) -> None:
        deadline = time.monotonic() + seconds
        while True:
            self.guard(alerts_resolved_ok)
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(self.options.poll_seconds, left))

    def apply(self, number: int, step: Step) -> StepRecord:
        action = step.executable
        record = StepRecord(number, step.label, step.step_class, describe(action, self.options.env), "applied",
                            check=self.check_for(step), sli_before=self.sli())
        self.records.append(record)
        self.say(f"step {number}/{len(self.runbook.steps)}: {record.call}")
        try:
            result = execute(action, self.options.env, self.options.confirm)
        except ActionError as exc:
            record.result, record.detail = "failed", str(exc)
            return record
        record.detail = result.detail
        if not result.ok:
            record.result = "failed"
            return record
        settle = self.options.settle_seconds if self.options.settle_seconds is not None else step.settle_seconds
        resolved: _Stop | None = None
        if step.step_class == "remediation" and settle > 0:
            self.say(f"  settling {settle:.0f}s before checking {record.check}")
            started = time.monotonic()
            try:
                self.settle(settle)
            except _Stop as stop:
                if not stop.resolved:
                    raise
                resolved = stop  # often because this step worked: verify it before stopping
                if stop.by_alerts:
                    # the alert clears on the burn rate before the SLI window the check reads has
                    # caught up: finish the settle (a person's resolve or a stop still ends it)
                    self.say("  the incident's alerts resolved while settling; checking the SLI when the settle ends")
                    self.settle(settle - (time.monotonic() - started), alerts_resolved_ok=True)
                else:
                    self.say("  the incident was resolved while settling; checking the SLI now")
        record.recovered = self.prometheus.holds(record.check)
        record.sli_after = self.sli()
        if resolved is not None and not record.recovered:
            self.note(step_line(record, len(self.runbook.steps)), step_data(record, len(self.runbook.steps)))
            raise resolved
        return record

    def run(self) -> RunReport:
        total = len(self.runbook.steps)
        sli = self.sli()
        self.note(f"started runbook {self.runbook.id} ({total} steps) for incident #{self.incident_id}; "
                  f"SLI {healthy_text(sli)}", {"event": "started", "steps": total, "sli": sli})
        if self.prometheus.holds(self.check_for(None)):
            self.records = [StepRecord(n, s.label, s.step_class, describe(s.executable, self.options.env),
                                       "not-needed") for n, s in enumerate(self.runbook.steps, start=1)]
            return self.finish("already-healthy", f"the SLI had already recovered ({self.check_for(None)}); no step applied")
        for number, step in enumerate(self.runbook.steps, start=1):
            self.guard()
            record = self.apply(number, step)
            self.note(step_line(record, total), step_data(record, total))
            if record.result == "failed":
                return self.finish("failed", f"step {number} failed ({record.detail}); stopped here", escalate=True)
            if record.recovered:
                for later, rest in enumerate(self.runbook.steps[number:], start=number + 1):
                    self.records.append(StepRecord(later, rest.label, rest.step_class,
                                                   describe(rest.executable, self.options.env), "not-needed"))
                rest_text = f"; steps {', '.join(map(str, range(number + 1, total + 1)))} not needed" if number < total else ""
                return self.finish("recovered", f"SLI recovered after step {number} of {total}{rest_text}")
        return self.finish("not-recovered", f"all {total} steps applied and the SLI has not recovered", escalate=True)

    def finish(self, outcome: str, message: str, escalate: bool = False) -> RunReport:
        report = RunReport(self.incident_id, self.runbook.id, outcome, message, self.records)
        metrics = self.options.metrics
        if metrics is not None:
            metrics.runs.labels(runbook=self.runbook.id, outcome=outcome).inc()
            for record in self.records:
                metrics.steps.labels(runbook=self.runbook.id, result=record.result).inc()
        level = logging.INFO if outcome in ("recovered", "already-healthy") else logging.WARNING
        log.log(level, "incident %s: runbook %s %s: %s", self.incident_id, self.runbook.id, outcome, message)
        self.incidents.add_timeline(self.incident_id, f"runbook {self.runbook.id} {outcome}: {message}", self.by,
                                    {"runbook": self.runbook.id, "actor": self.options.actor, "event": "finished",
                                     "outcome": outcome, "applied": report.applied, "not_needed": report.not_needed,
                                     "manual": [r.number for r in self.records if r.call.startswith("manual")
                                                and r.result in ("applied", "failed")]})
        self.options.out(f"runbook {self.runbook.id} {outcome}: {message}")
        if escalate:
            report.escalation = self.incidents.escalate(self.incident_id, f"runbook {self.runbook.id}: {message}", self.by)
            if metrics is not None:
                metrics.escalations.labels(runbook=self.runbook.id).inc()
            self.note(f"escalation: {report.escalation}", {"event": "escalation"})
        return report


def dry_run(incident: dict, runbook: Runbook, options: RunOptions) -> RunReport:
    """What a run would call, step by step, secrets masked; nothing is called, nothing is written."""
    labels = incident_labels(incident)
    records = []
    for number, step in enumerate(runbook.steps, start=1):
        check = step.check or default_check(labels, options.window)
        undo = f"; undo: {describe(step.undo, options.env)}" if step.undo else ""
        settle = options.settle_seconds if options.settle_seconds is not None else step.settle_seconds
        records.append(StepRecord(number, step.label, step.step_class, describe(step.executable, options.env),
                                  "would-run", detail=f"settle {settle:.0f}s; check {check}{undo}", check=check))
    return RunReport(int(incident["id"]), runbook.id, "dry-run", "dry run: nothing was called", records)


def run_runbook(
    incident_id: int,
    *,
    database: sa.Engine | str,
    catalog: RunbookCatalog,
    prometheus_url: str,
    incidents: Incidents,
    runbook_id: str | None = None,
    options: RunOptions | None = None,
) -> RunReport:
    """Run the incident's runbook once (under the database lease) and return what happened."""
    options = options or RunOptions()
    incident = incidents.get(incident_id)
    runbook = choose_runbook(catalog, incident, runbook_id)
    if options.dry_run:
        return dry_run(incident, runbook, options)
    if incident.get("status") == "resolved":
        raise RunRefused(f"incident {incident_id} is resolved: nothing to run")
    leases = RunLeases(database, ttl_seconds=options.lease_seconds)
    holder = f"{options.actor}@{socket.gethostname()}:{os.getpid()}"
    lease = leases.acquire(incident_id, str(incident.get("opened_at")), runbook.id, holder, rerun=options.rerun)
    run = _Run(incident, runbook, incidents, Prometheus(prometheus_url), leases, lease, options)
    outcome = "failed"
    try:
        report = run.run()
        outcome = report.outcome
        return report
    except _Stop as stop:
        outcome = stop.outcome
        return run.finish(stop.outcome, stop.reason)
    except VerificationError as exc:
        return run.finish("failed", f"cannot verify: {exc}", escalate=True)
    finally:
        leases.finish(lease, outcome)
