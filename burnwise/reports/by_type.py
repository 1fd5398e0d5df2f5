"""Incidents by type, and how many needed people beyond the runbook: is automation taking over?

Why this figure: a runbook that runs is only worth its upkeep if incidents of its type stop
needing hands. Per incident type (:mod:`burnwise.roster.incident_types`) the load report counts
the incidents, those where a runbook ran, those the runbook recovered on its own, and those that
needed manual steps beyond it: the run did not recover the SLI (it escalated, failed or was
stopped), a manual step inside it had to be done by a person, or a person wrote a mitigation
after the run started. Read from the ``runbook`` timeline entries' data, never from text.
"""

from __future__ import annotations

from collections import defaultdict

from pydantic import BaseModel

from burnwise.receiver.records import IncidentRecord, TimelineEntry
from burnwise.roster.incident_types import TYPES, incident_type

RECOVERED = ("recovered", "already-healthy")


class TypeCount(BaseModel):
    type: str
    incidents: int
    runbook_ran: int
    recovered_by_runbook: int
    manual_beyond_runbook: int
    no_runbook: int


def _is_person(entry: TimelineEntry) -> bool:
    return not entry.actor.startswith("runbook:") and entry.actor not in ("alertmanager", "burnwise")


def runbook_outcome(timeline: list[TimelineEntry]) -> tuple[bool, bool]:
    """(a runbook ran, people had to step in beyond it) for one incident's timeline."""
    started = next((e for e in timeline if e.kind == "runbook" and (e.data or {}).get("event") == "started"), None)
    if started is None:
        return False, False
    finished = [e.data for e in timeline if e.kind == "runbook" and (e.data or {}).get("event") == "finished"]
    last = finished[-1] if finished else {}
    manual = bool(last.get("manual")) or last.get("outcome") not in RECOVERED
    manual = manual or any(e.kind == "mitigation" and _is_person(e) and e.at >= started.at for e in timeline)
    return True, manual


def counts_by_type(incidents: list[IncidentRecord], timelines: dict[int, list[TimelineEntry]]) -> list[TypeCount]:
    """One row per type that occurred, in the order of :data:`TYPES`."""
    rows: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for incident in incidents:
        timeline = timelines.get(incident.id, [])
        row = rows[incident_type(incident.labels, timeline)]
        ran, manual = runbook_outcome(timeline)
        row[0] += 1
        row[1] += ran
        row[2] += ran and not manual
        row[3] += ran and manual
    return [TypeCount(type=t, incidents=r[0], runbook_ran=r[1], recovered_by_runbook=r[2], manual_beyond_runbook=r[3],
                      no_runbook=r[0] - r[1]) for t in TYPES if (r := rows.get(t))]
