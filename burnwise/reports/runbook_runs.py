"""Runbook runs in reports: the steps applied (postmortem mitigation), runs still going (handoff).

Why read here: the runner writes each step as a ``runbook`` timeline entry whose ``data`` holds the
facts (step, action, result, SLI before/after, who ran it) and keeps one lease row per run in
``runbook_runs``. The postmortem lists the steps under mitigation from the data - never by parsing
text - and the handoff shows which runs are still in progress, so the next primary knows a
machine is pushing buttons on an incident they inherit. Entries written by an older receiver
(kind ``mitigation``, text ``runbook: ...``) still count, as text only.
"""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa
from pydantic import BaseModel

from burnwise.receiver.records import TimelineEntry
from burnwise.receiver.store import Store
from burnwise.reports.timing import iso
from burnwise.runbooks.lease import runs


class RunbookStep(BaseModel):
    at: str
    runbook: str | None
    step: int | None
    of: int | None
    title: str
    action: str | None
    result: str | None
    healthy_before: float | None  # percent healthy (1 - error ratio), as the runner prints it
    healthy_after: float | None
    recovered: bool | None
    ran_by: str


class RunbookProgress(BaseModel):
    incident: int
    runbook: str
    holder: str
    started_at: str
    steps_done: int
    last_step: str | None
    stop_requested_by: str | None


def written_by_machine(entry: TimelineEntry) -> bool:
    """Runbook runs and deploy-gate breach notes: on the timeline, but nobody's response or words."""
    data = entry.data or {}
    return entry.kind == "runbook" or entry.actor.startswith("runbook:") or data.get("event") == "budget-breach"


def _healthy(error_ratio) -> float | None:
    return None if error_ratio is None else round((1 - float(error_ratio)) * 100, 1)


def runbook_steps(timeline: list[TimelineEntry]) -> list[RunbookStep]:
    """Every runbook step that was applied or failed (not-needed steps changed nothing), in order."""
    found = []
    for e in timeline:
        data = e.data or {}
        if e.kind == "runbook" and data.get("event") == "step" and data.get("result") in ("applied", "failed"):
            found.append(RunbookStep(at=iso(e.at), runbook=data.get("runbook"), step=data.get("step"), of=data.get("of"),
                                     title=str(data.get("title") or e.text), action=data.get("action"),
                                     result=data.get("result"), healthy_before=_healthy(data.get("sli_before")),
                                     healthy_after=_healthy(data.get("sli_after")), recovered=data.get("recovered"),
                                     ran_by=e.actor))
        elif e.kind == "mitigation" and e.text.startswith("runbook: step "):
            found.append(RunbookStep(at=iso(e.at), runbook=None, step=None, of=None, title=e.text.removeprefix("runbook: "),
                                     action=None, result=None, healthy_before=None, healthy_after=None, recovered=None,
                                     ran_by=e.actor))
    return found


def first_applied_at(timeline: list[TimelineEntry]) -> datetime | None:
    """When the first runbook step was applied: a mitigation, for the postmortem's key times."""
    return next((e.at for e in timeline if e.kind == "runbook" and (e.data or {}).get("event") == "step"
                 and (e.data or {}).get("result") == "applied"), None)


def runs_in_progress(store: Store, timelines: dict[int, list[TimelineEntry]], incident_ids: list[int]) -> list[RunbookProgress]:
    """Runs still holding their lease for these incidents (none when no runbook ever ran here)."""
    if not incident_ids or not sa.inspect(store.engine).has_table(runs.name):
        return []
    now = datetime.now(timezone.utc).timestamp()
    query = (sa.select(runs).where(runs.c.incident_id.in_(incident_ids), runs.c.state == "running",
                                   runs.c.lease_until >= now).order_by(runs.c.incident_id))
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    found = []
    for row in rows:
        steps = runbook_steps(timelines.get(row["incident_id"], []))
        found.append(RunbookProgress(
            incident=row["incident_id"], runbook=row["runbook_id"], holder=row["holder"],
            started_at=iso(datetime.fromtimestamp(row["started_at"], timezone.utc)), steps_done=len(steps),
            last_step=(f"step {steps[-1].step}/{steps[-1].of} {steps[-1].title}: {steps[-1].result}" if steps else None),
            stop_requested_by=row["stop_requested_by"]))
    return found
