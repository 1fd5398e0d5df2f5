"""Automatic runs: the receiver's entry point, deciding whether a runbook may run by itself.

Why the gate is here and not in the receiver: the rules are the catalog's (opt-in per runbook
with ``auto:``, per severity, on open or only after acknowledge, and the catalog-wide
``settings.automation`` switch) plus the deployment's own switch (the receiver's config), and they
must be the same wherever a run starts. An automatic run never reruns a finished episode, never
asks anybody to confirm a manual step (it stops there and escalates), and stops as soon as a
person acknowledges the incident when it started on open - the human has taken over.
"""

from __future__ import annotations

import logging
from dataclasses import replace

import sqlalchemy as sa

from burnwise.roster.runbooks import RunbookCatalog
from burnwise.runbooks.incidents import Incidents
from burnwise.runbooks.lease import LeaseRefused
from burnwise.runbooks.runner import RunOptions, RunRefused, RunReport, run_runbook
from burnwise.runbooks.selection import NoRunbook, choose_runbook

log = logging.getLogger("burnwise.runbooks")


def auto_decision(catalog: RunbookCatalog, incident: dict, event: str, automation: bool = True) -> str | None:
    """None when the incident's runbook may run automatically on ``event`` (open|acknowledge), else why not."""
    if not automation or not catalog.settings.automation:
        return "automation is switched off"
    if incident.get("status") == "resolved":
        return "the incident is resolved"
    try:
        runbook = choose_runbook(catalog, incident)
    except NoRunbook:
        return "no runbook matches the incident"
    if runbook.auto is None:
        return f"runbook {runbook.id} does not opt in to automatic runs"
    if incident.get("severity") not in runbook.auto.severities:
        return f"runbook {runbook.id} runs automatically only for {', '.join(runbook.auto.severities)}"
    if event != runbook.auto.after:
        return f"runbook {runbook.id} runs automatically on {runbook.auto.after}, not on {event}"
    return None


def auto_run(
    incident_id: int,
    *,
    event: str,
    database: sa.Engine | str,
    catalog: RunbookCatalog,
    prometheus_url: str,
    incidents: Incidents,
    automation: bool = True,
    options: RunOptions | None = None,
) -> RunReport | None:
    """Run the incident's runbook if the catalog lets it run by itself now; None (logged) otherwise."""
    incident = incidents.get(incident_id)
    why_not = auto_decision(catalog, incident, event, automation)
    if why_not is not None:
        log.info("incident %s: no automatic runbook run on %s: %s", incident_id, event, why_not)
        return None
    options = replace(options or RunOptions(), actor="auto", rerun=False, dry_run=False, confirm=None,
                      stop_when_acknowledged=(event == "open"))
    try:
        return run_runbook(incident_id, database=database, catalog=catalog, prometheus_url=prometheus_url,
                           incidents=incidents, options=options)
    except (LeaseRefused, RunRefused) as exc:
        log.info("incident %s: automatic runbook run skipped: %s", incident_id, exc)
        return None
