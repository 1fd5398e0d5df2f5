"""The monthly rotation-health review: is each surface's on-call sustainable, and getting better?

Per surface, over ``[since, until)``: pages and time to acknowledge week by week (weeks counted
back from ``until``, the oldest possibly shorter); ack-SLA and initial-response-SLA compliance;
escalations; out-of-hours pages per person on their own clock and the fairness spread (from
:mod:`burnwise.reports.load`); drill participation (rotation members who took part in a done drill
within ``drill_window``); the training gate per member with its expiry; the month's survey answers;
and follow-on fatigue - people paged for a sev1 within ``fatigue_window`` before ``until`` who are
primary again within ``fatigue_window`` after it.

Definitions a lead can check by hand:

* *initial response*: the first timeline entry a person wrote after the incident opened (a note,
  triage, mitigation, deploy or resolve - not the receiver's own detect/escalate/acknowledge).
  Met when it came within ``response_sla``; missed when it came later, or never while the incident
  stayed open past it; not counted when the alert cleared on its own inside the SLA.
* A rotation is *degrading* when any of these holds, each given as a reason: ack or response SLA
  under ``sla_target``; the last week's pages more than 1.5x the first week's (and at least 2 more);
  the last week's median time to acknowledge more than 1.5x the first week's; a fairness warning;
  a member failing the training gate or lapsing within the policy's warn days; drill participation
  under 50%; a mean survey satisfaction of 2.5 or less; anyone fatigued.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import datetime, timedelta

from pydantic import BaseModel

from burnwise.receiver.records import IncidentRecord, PageRecord, TimelineEntry
from burnwise.reports.load import AckFigures, Fairness, rotation_members, surface_load
from burnwise.reports.people import first_paged, is_page
from burnwise.reports.runbook_runs import written_by_machine
from burnwise.reports.timing import iso, nearest_rank, seconds_between
from burnwise.roster.directory import Directory
from burnwise.roster.fairness import unfair_burdens, unsocial_hours
from burnwise.roster.schedule import shifts
from burnwise.roster.surveys import SurveyRecord
from burnwise.roster.training import drills_of, gate_expiry, training_gaps

RECEIVER_KINDS = ("detect", "escalate", "acknowledge")
GROWTH = 1.5


class Week(BaseModel):
    start: str
    end: str
    incidents: int
    pages: int
    tta_median_seconds: float | None


class ResponseFigures(BaseModel):
    sla_seconds: float
    responded: int
    median_seconds: float | None
    sla_met: int
    sla_missed: int
    sla_percent: float | None


class MemberState(BaseModel):
    person: str
    timezone: str | None
    pages: int
    out_of_hours_pages: int
    drills_in_window: int
    training_passes: bool
    training_gaps: list[str]
    training_lapses_on: str | None
    satisfaction: int | None
    load: int | None
    review: str | None


class Fatigue(BaseModel):
    person: str
    sev1_incidents: list[int]
    next_primary_shift: str


class SurfaceHealth(BaseModel):
    surface: str
    weeks: list[Week]
    ack: AckFigures
    response: ResponseFigures
    escalations: int
    fairness: Fairness | None
    unsocial_hours_ahead: dict[str, float]
    drill_participation_percent: float | None
    members: list[MemberState]
    surveys: int
    satisfaction_mean: float | None
    fatigue: list[Fatigue]
    degrading: bool
    reasons: list[str]


class HealthReport(BaseModel):
    since: str
    until: str
    month: str
    surfaces: list[SurfaceHealth]


def first_response(incident: IncidentRecord, timeline: list[TimelineEntry]) -> datetime | None:
    for entry in timeline:
        if (entry.at >= incident.opened_at and entry.kind not in RECEIVER_KINDS and entry.actor != "alertmanager"
                and not written_by_machine(entry)):
            return entry.at
    return None


def response_figures(incidents: list[IncidentRecord], timelines: dict[int, list[TimelineEntry]],
                     until: datetime, sla: timedelta) -> ResponseFigures:
    limit = sla.total_seconds()
    times, met, missed = [], 0, 0
    for incident in incidents:
        at = first_response(incident, timelines.get(incident.id, []))
        if at is not None:
            took = seconds_between(incident.opened_at, at)
            times.append(took)
            met, missed = (met + 1, missed) if took <= limit else (met, missed + 1)
        elif seconds_between(incident.opened_at, incident.resolved_at or until) > limit:
            missed += 1
    return ResponseFigures(sla_seconds=limit, responded=len(times), median_seconds=nearest_rank(times, 50),
                           sla_met=met, sla_missed=missed,
                           sla_percent=round(100 * met / (met + missed), 1) if met + missed else None)


def weekly(incidents: list[IncidentRecord], pages: dict[int, list[PageRecord]], since: datetime,
           until: datetime) -> list[Week]:
    bounds, end = [], until
    while end > since:
        start = max(since, end - timedelta(weeks=1))
        bounds.append((start, end))
        end = start
    weeks = []
    for start, end in reversed(bounds):
        mine = [i for i in incidents if start <= i.opened_at < end]
        count = sum(1 for i in incidents for p in pages.get(i.id, []) if is_page(p) and start <= p.created_at < end)
        ttas = [seconds_between(i.opened_at, i.acknowledged_at) for i in mine if i.acknowledged_at is not None]
        weeks.append(Week(start=iso(start), end=iso(end), incidents=len(mine), pages=count,
                          tta_median_seconds=nearest_rank(ttas, 50)))
    return weeks


def fatigued(directory: Directory | None, surface: str, sev1: list[IncidentRecord], until: datetime,
             window: timedelta) -> list[Fatigue]:
    roster = directory.roster if directory else None
    entry = roster.surface(surface) if roster else None
    if entry is None:
        return []
    paged: dict[str, list[int]] = defaultdict(list)
    for incident in sev1:
        contact = first_paged(incident)
        if contact is not None and until - window <= incident.opened_at < until:
            paged[contact["id"]].append(incident.id)
    found = []
    for person, ids in sorted(paged.items()):
        upcoming = [s for s in shifts(roster, entry, until, until + window) if s.primary == person]
        if upcoming:
            found.append(Fatigue(person=person, sev1_incidents=sorted(ids), next_primary_shift=iso(upcoming[0].start)))
    return found


def surface_health(
    surface: str,
    incidents: list[IncidentRecord],
    pages: dict[int, list[PageRecord]],
    timelines: dict[int, list[TimelineEntry]],
    since: datetime,
    until: datetime,
    directory: Directory | None,
    surveys: list[SurveyRecord],
    sev1_recent: list[IncidentRecord],
    *,
    response_sla: timedelta,
    sla_target: float,
    drill_window: timedelta,
    fatigue_window: timedelta,
) -> SurfaceHealth:
    load = surface_load(surface, incidents, pages, timelines, since, until, rotation_members(directory, surface))
    roster = directory.roster if directory else None
    entry = roster.surface(surface) if roster else None
    month = (until - timedelta(seconds=1)).strftime("%Y-%m")
    answers = {s.person: s for s in surveys if s.surface == surface and s.month == month}
    paged = {p.person: p for p in load.people}
    members: list[MemberState] = []
    reasons: list[str] = []
    today = until.date()
    for pid in (entry.members() if entry else sorted(paged)):
        person = roster.person(pid) if roster else None
        gaps = training_gaps(roster, person, surface, today) if person else ["not in the roster"]
        lapse = gate_expiry(roster, person, surface, today) if person and not gaps else None
        drills = [d for d, _role, _what in drills_of(roster, person)] if person else []
        answer = answers.get(pid)
        members.append(MemberState(
            person=pid,
            timezone=person.timezone if person else (paged[pid].timezone if pid in paged else None),
            pages=paged[pid].pages if pid in paged else 0,
            out_of_hours_pages=paged[pid].out_of_hours_pages if pid in paged else 0,
            drills_in_window=sum(1 for d in drills if today - timedelta(days=drill_window.days) < d <= today),
            training_passes=not gaps,
            training_gaps=gaps,
            training_lapses_on=lapse.isoformat() if lapse else None,
            satisfaction=answer.satisfaction if answer else None,
            load=answer.load if answer else None,
            review=answer.review if answer else None,
        ))
    weeks = weekly(incidents, pages, since, until)
    response = response_figures(incidents, timelines, until, response_sla)
    ahead = unsocial_hours(roster, entry, until, roster.fairness.weeks) if entry and len(entry.members()) > 1 else {}
    participation = (round(100 * sum(m.drills_in_window > 0 for m in members) / len(members), 1)
                     if members and roster else None)
    scores = [m.satisfaction for m in members if m.satisfaction is not None]
    satisfaction = round(statistics.mean(scores), 2) if scores else None
    tired = fatigued(directory, surface, sev1_recent, until, fatigue_window)

    for name, figure in (("ack", load.ack.sla_percent), ("initial-response", response.sla_percent)):
        if figure is not None and figure < sla_target:
            reasons.append(f"{name} SLA {figure:g}% is under the {sla_target:g}% target")
    if len(weeks) >= 2:
        first, last = weeks[0], weeks[-1]
        if last.pages > GROWTH * first.pages and last.pages - first.pages >= 2:
            reasons.append(f"pages rose from {first.pages} in the first week to {last.pages} in the last")
        if first.tta_median_seconds and last.tta_median_seconds and \
                last.tta_median_seconds > GROWTH * first.tta_median_seconds:
            reasons.append(f"median time to acknowledge rose from {first.tta_median_seconds:g}s to "
                           f"{last.tta_median_seconds:g}s week over week")
    if entry is not None:
        policy = roster.fairness
        for burden in unfair_burdens(ahead, policy.ratio, policy.min_excess_hours):
            reasons.append(f"{burden.person} carries {burden.hours:g}h of night/weekend/holiday on-call in the next "
                           f"{policy.weeks} weeks against a median of {burden.median:g}h")
    failing = [m.person for m in members if not m.training_passes]
    if failing and roster:
        reasons.append(f"{len(failing)} of {len(members)} member(s) fail the training gate: {', '.join(failing)}")
    warn = roster.training_policy.warn_days if roster else 0
    lapsing = [m.person for m in members if m.training_lapses_on
               and (datetime.fromisoformat(m.training_lapses_on).date() - today).days <= warn]
    if lapsing:
        reasons.append(f"training lapses within {warn} days for: {', '.join(lapsing)}")
    if participation is not None and participation < 50:
        reasons.append(f"drill participation {participation:g}% over the last {drill_window.days} days is under 50%")
    if satisfaction is not None and satisfaction <= 2.5:
        reasons.append(f"mean on-call satisfaction {satisfaction:g}/5 in {month}")
    for item in tired:
        reasons.append(f"{item.person} was paged for sev1 incident(s) {', '.join(f'#{i}' for i in item.sev1_incidents)} "
                       f"and is primary again from {item.next_primary_shift}")
    return SurfaceHealth(
        surface=surface, weeks=weeks, ack=load.ack, response=response, escalations=load.escalations_to_backup,
        fairness=load.fairness, unsocial_hours_ahead=ahead, drill_participation_percent=participation,
        members=members, surveys=len(answers), satisfaction_mean=satisfaction, fatigue=tired,
        degrading=bool(reasons), reasons=reasons,
    )
