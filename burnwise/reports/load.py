"""On-call load: pages, out-of-hours pages, acknowledgement times, SLA, escalations and fairness.

Definitions (also in docs/reports.md, so a lead can check any figure by hand):

* a *page* is a PagerDuty trigger the receiver sent (or is sending) to a person; escalation pages
  count for the person they went to;
* *out of hours* is 22:00-07:00 or a weekend on the paged person's own clock;
* *time to acknowledge* (TTA) is acknowledged_at - opened_at of an incident, counted for the
  person paged first (the primary); median and p90 are nearest-rank (real observed values);
* *ack SLA*: met when acknowledged within the ack timeout stored with the incident; missed when
  acknowledged later, or never acknowledged while it stayed open past the timeout; an incident
  that resolved on its own inside the timeout without an ack is not counted either way;
* *escalations to backup*: incidents whose page walked on to the backup, counted for the primary;
* *incidents per week*: incidents opened in the window / (window length in weeks);
* *fairness*: over every member of the rotation (from the roster, zero when not paged), the
  spread (max - min) of pages and of out-of-hours pages, and max / mean of pages.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from pydantic import BaseModel

from burnwise.receiver.records import IncidentRecord, PageRecord, TimelineEntry
from burnwise.reports.by_type import TypeCount, counts_by_type
from burnwise.reports.people import (
    ack_timeout_seconds,
    first_paged,
    is_page,
    out_of_hours,
    recipient_id,
)
from burnwise.reports.timing import iso, nearest_rank, seconds_between
from burnwise.roster.directory import Directory

NO_SURFACE = "(no surface)"


class AckFigures(BaseModel):
    acknowledged: int = 0
    tta_median_seconds: float | None = None
    tta_p90_seconds: float | None = None
    sla_met: int = 0
    sla_missed: int = 0
    sla_percent: float | None = None


class PersonLoad(BaseModel):
    person: str
    name: str
    timezone: str | None
    pages: int
    out_of_hours_pages: int
    primary_incidents: int
    ack: AckFigures
    escalated_to_backup: int
    #: incidents this person acknowledged (``acknowledged_by``), whoever was paged
    acks_made: int = 0


class Fairness(BaseModel):
    members: list[str]
    pages_min: int
    pages_max: int
    pages_spread: int
    pages_max_over_mean: float | None
    out_of_hours_min: int
    out_of_hours_max: int
    out_of_hours_spread: int


class SurfaceLoad(BaseModel):
    surface: str
    incidents: int
    incidents_per_week: float
    pages: int
    out_of_hours_pages: int
    ack: AckFigures
    escalations_to_backup: int
    people: list[PersonLoad]
    fairness: Fairness | None
    by_type: list[TypeCount] = []  # incident types, runbook runs and manual steps beyond them


class LoadReport(BaseModel):
    since: str
    until: str
    surface: str | None
    surfaces: list[SurfaceLoad]


def _sla(incident: IncidentRecord, until: datetime) -> bool | None:
    """True met, False missed, None not counted (see module docstring)."""
    timeout = ack_timeout_seconds(incident)
    if timeout is None or incident.route != "page":
        return None
    if incident.acknowledged_at is not None:
        return seconds_between(incident.opened_at, incident.acknowledged_at) <= timeout
    end = incident.resolved_at or until
    return False if seconds_between(incident.opened_at, end) > timeout else None


def ack_figures(incidents: list[IncidentRecord], until: datetime) -> AckFigures:
    ttas = [seconds_between(i.opened_at, i.acknowledged_at) for i in incidents if i.acknowledged_at is not None]
    verdicts = [v for v in (_sla(i, until) for i in incidents) if v is not None]
    met, missed = verdicts.count(True), verdicts.count(False)
    return AckFigures(
        acknowledged=len(ttas),
        tta_median_seconds=nearest_rank(ttas, 50),
        tta_p90_seconds=nearest_rank(ttas, 90),
        sla_met=met,
        sla_missed=missed,
        sla_percent=round(100 * met / (met + missed), 1) if (met + missed) else None,
    )


def _escalated_to_backup(entries: list[TimelineEntry]) -> bool:
    return any(e.kind == "escalate" and (e.data or {}).get("role") == "backup" for e in entries)


def _fairness(members: list[str], pages: dict[str, int], unsocial: dict[str, int]) -> Fairness | None:
    if not members:
        return None
    counts = [pages.get(m, 0) for m in members]
    nights = [unsocial.get(m, 0) for m in members]
    mean = sum(counts) / len(counts)
    return Fairness(
        members=members,
        pages_min=min(counts),
        pages_max=max(counts),
        pages_spread=max(counts) - min(counts),
        pages_max_over_mean=round(max(counts) / mean, 2) if mean else None,
        out_of_hours_min=min(nights),
        out_of_hours_max=max(nights),
        out_of_hours_spread=max(nights) - min(nights),
    )


def surface_load(
    surface: str,
    incidents: list[IncidentRecord],
    pages: dict[int, list[PageRecord]],
    timelines: dict[int, list[TimelineEntry]],
    since: datetime,
    until: datetime,
    rotation: list[str] | None = None,
) -> SurfaceLoad:
    people: dict[str, dict] = {}
    page_count: dict[str, int] = defaultdict(int)
    unsocial: dict[str, int] = defaultdict(int)
    total_pages = total_unsocial = 0
    for incident in incidents:
        for page in pages.get(incident.id, []):
            if not is_page(page) or not since <= page.created_at < until:
                continue
            total_pages += 1
            late = out_of_hours(page.created_at, (page.recipient or {}).get("timezone"))
            total_unsocial += late
            pid = recipient_id(page)
            if pid is None:
                continue
            people.setdefault(pid, page.recipient)
            page_count[pid] += 1
            unsocial[pid] += late
    as_primary: dict[str, list[IncidentRecord]] = defaultdict(list)
    for incident in incidents:
        contact = first_paged(incident)
        if contact is not None:
            people.setdefault(contact["id"], contact)
            as_primary[contact["id"]].append(incident)
    acks_made: dict[str, int] = defaultdict(int)
    for incident in incidents:
        if incident.acknowledged_by:  # the person who acknowledged, not the one paged (issue 15)
            acks_made[incident.acknowledged_by] += 1
            people.setdefault(incident.acknowledged_by, {"id": incident.acknowledged_by, "name": incident.acknowledged_by})
    rows = []
    for pid in sorted(people):
        contact = people[pid]
        mine = as_primary.get(pid, [])
        rows.append(PersonLoad(
            person=pid,
            name=contact.get("name") or pid,
            timezone=contact.get("timezone"),
            pages=page_count.get(pid, 0),
            out_of_hours_pages=unsocial.get(pid, 0),
            primary_incidents=len(mine),
            ack=ack_figures(mine, until),
            escalated_to_backup=sum(_escalated_to_backup(timelines.get(i.id, [])) for i in mine),
            acks_made=acks_made.get(pid, 0),
        ))
    weeks = (until - since) / timedelta(weeks=1)
    members = list(rotation) if rotation else sorted(people)
    return SurfaceLoad(
        surface=surface,
        incidents=len(incidents),
        incidents_per_week=round(len(incidents) / weeks, 2) if weeks else float(len(incidents)),
        pages=total_pages,
        out_of_hours_pages=total_unsocial,
        ack=ack_figures(incidents, until),
        escalations_to_backup=sum(_escalated_to_backup(timelines.get(i.id, [])) for i in incidents),
        people=rows,
        fairness=_fairness(members, page_count, unsocial),
    )


def rotation_members(directory: Directory | None, surface: str) -> list[str] | None:
    """Everyone who can be primary on the surface per the roster (None without a roster)."""
    roster = directory.roster if directory is not None else None
    entry = roster.surface(surface) if roster is not None else None
    return entry.members() if entry is not None else None


def load_report(
    incidents: list[IncidentRecord],
    pages: dict[int, list[PageRecord]],
    timelines: dict[int, list[TimelineEntry]],
    since: datetime,
    until: datetime,
    surface: str | None = None,
    directory: Directory | None = None,
) -> LoadReport:
    """Per surface (sorted by name), from the incidents opened in [since, until)."""
    by_surface: dict[str, list[IncidentRecord]] = defaultdict(list)
    for incident in incidents:
        by_surface[incident.surface or NO_SURFACE].append(incident)
    if surface is not None:
        by_surface = {surface: by_surface.get(surface, [])}
    return LoadReport(
        since=iso(since),
        until=iso(until),
        surface=surface,
        surfaces=[
            surface_load(name, items, pages, timelines, since, until, rotation_members(directory, name)).model_copy(
                update={"by_type": counts_by_type(items, timelines)})
            for name, items in sorted(by_surface.items())
        ],
    )


def render_markdown(report: LoadReport) -> str:
    from burnwise.reports.markdown import percent, table
    from burnwise.reports.timing import human

    lines = [f"# On-call load {report.since} to {report.until}", ""]
    if not report.surfaces:
        lines += ["No incidents in this window.", ""]
    for s in report.surfaces:
        lines += [f"## {s.surface}", ""]
        lines.append(
            f"{s.incidents} incident(s) ({s.incidents_per_week:g}/week), {s.pages} page(s), "
            f"{s.out_of_hours_pages} out of hours; time to acknowledge median {human(s.ack.tta_median_seconds)}, "
            f"p90 {human(s.ack.tta_p90_seconds)}; ack SLA {percent(s.ack.sla_percent)} "
            f"({s.ack.sla_met} met, {s.ack.sla_missed} missed); {s.escalations_to_backup} escalation(s) to backup."
        )
        lines.append("")
        lines += table(
            ["Person", "Time zone", "Pages", "Out of hours", "As primary", "TTA median", "TTA p90", "Ack SLA",
             "Escalated to backup", "Acks made"],
            [
                [p.name, p.timezone, p.pages, p.out_of_hours_pages, p.primary_incidents,
                 human(p.ack.tta_median_seconds), human(p.ack.tta_p90_seconds),
                 f"{percent(p.ack.sla_percent)} ({p.ack.sla_met}/{p.ack.sla_met + p.ack.sla_missed})",
                 p.escalated_to_backup, p.acks_made]
                for p in s.people
            ],
        )
        if s.fairness is not None:
            f = s.fairness
            ratio = "-" if f.pages_max_over_mean is None else f"{f.pages_max_over_mean:g}"
            lines += ["", f"Fairness over {len(f.members)} rotation member(s): pages {f.pages_min}-{f.pages_max} "
                          f"(spread {f.pages_spread}, max/mean {ratio}); out-of-hours pages "
                          f"{f.out_of_hours_min}-{f.out_of_hours_max} (spread {f.out_of_hours_spread})."]
        if s.by_type:
            lines += ["", "Incidents by type:", ""]
            lines += table(["Type", "Incidents", "Runbook ran", "Recovered by the runbook", "Manual steps beyond the runbook",
                            "No runbook"],
                           [[t.type, t.incidents, t.runbook_ran, t.recovered_by_runbook, t.manual_beyond_runbook, t.no_runbook]
                            for t in s.by_type])
        lines.append("")
    return "\n".join(lines)
