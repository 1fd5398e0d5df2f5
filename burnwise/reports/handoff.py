"""The handoff note: what the next primary must know, drafted so the outgoing one only annotates.

Sections: open incidents; incidents resolved in the window with open follow-ups; mitigations and
deploys of the last 72 hours; noisy alerts; watch items from Prometheus; who is on call next
(and drills on those days); and a prompt for what the outgoing engineer worries about, which is
left empty on purpose - a report must not invent someone's judgement.

Times: the JSON keeps UTC (for machines); the Markdown is for a person, so it prints every time
in the reader's zone (``timezone``: the incoming primary's by default, ``--tz`` to choose), with
UTC beside the times people quote to each other (the window and the next shift).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel

from burnwise.receiver.records import IncidentRecord, TimelineEntry
from burnwise.reports.deploy_records import DeployLine
from burnwise.reports.figures import percent
from burnwise.reports.followups import follow_ups
from burnwise.reports.handoff_log import Acceptance, Annotation, FalsePositive, SurfaceLog
from burnwise.reports.markdown import md, table
from burnwise.reports.next_shift import NextShift
from burnwise.reports.noisy import NoisyAlert
from burnwise.reports.policy_breaches import BreachLine
from burnwise.reports.runbook_runs import RunbookProgress
from burnwise.reports.signals import SignalSection
from burnwise.reports.timing import human, iso, local, seconds_between
from burnwise.reports.watch import WatchSection
from burnwise.textsafe import safe_url

RECENT_CHANGES = timedelta(hours=72)
WORRY_PROMPT = "What would you worry about this coming shift? (outgoing primary: write it here)"


class EntrySummary(BaseModel):
    at: str
    kind: str
    actor: str
    text: str


class OpenIncident(BaseModel):
    id: int
    title: str
    severity: str
    status: str
    opened_at: str
    age_seconds: float
    owner: str
    last_entry: EntrySummary | None
    runbooks: list[str]


class ResolvedWithFollowUps(BaseModel):
    id: int
    title: str
    resolved_at: str
    follow_ups: list[str]


class RecentChange(BaseModel):
    incident: int
    at: str
    kind: str
    actor: str
    text: str


class HandoffNote(BaseModel):
    surface: str
    at: str
    since: str
    open_incidents: list[OpenIncident]
    resolved_with_follow_ups: list[ResolvedWithFollowUps]
    recent_changes: list[RecentChange]
    noisy_alerts: list[NoisyAlert]
    watch: WatchSection
    next_on_call: NextShift
    signals: SignalSection = SignalSection(available=False, note="not checked")
    worries: str = WORRY_PROMPT
    handoff_version: int = 0
    annotations: list[Annotation] = []
    known_false_positives: dict[str, FalsePositive] = {}
    previous_acceptance: Acceptance | None = None
    timezone: str = "UTC"
    runbooks_in_progress: list[RunbookProgress] = []
    deploys: list[DeployLine] = []  # deploy records of the surface's services, by the time they went out
    budget_breaches: list[BreachLine] = []  # SLOs the deploy gate froze in the window


def reader_zone(chosen: str | None, next_on_call: NextShift) -> str:
    """``--tz`` when given, else the incoming primary's zone, else UTC."""
    if chosen:
        return chosen
    primary = next((r for r in next_on_call.responders if r.role == "primary"), None)
    return primary.timezone if primary is not None else "UTC"


def owner_of(incident: IncidentRecord) -> str:
    """Who holds it: whoever acknowledged, else whoever is being paged now, else 'unassigned'."""
    chain = incident.escalation_chain or []
    if incident.acknowledged_by:
        names = {e["contact"]["id"]: e["contact"]["name"] for e in chain}
        return names.get(incident.acknowledged_by, incident.acknowledged_by)
    if chain:
        step = min(incident.escalation_step, len(chain) - 1)
        return f"{chain[step]['contact']['name']} ({chain[step]['role']}, not acknowledged)"
    return "unassigned"


def runbook_urls(incident: IncidentRecord) -> list[str]:
    return [link["href"] for link in incident.links if link.get("text", "").startswith("Runbook") and safe_url(link.get("href"))]


def _summary(entry: TimelineEntry | None) -> EntrySummary | None:
    if entry is None:
        return None
    return EntrySummary(at=iso(entry.at), kind=entry.kind, actor=entry.actor, text=entry.text)


def handoff_note(
    surface: str,
    at: datetime,
    since: datetime,
    incidents: list[IncidentRecord],
    timelines: dict[int, list[TimelineEntry]],
    changes: list[tuple[IncidentRecord, TimelineEntry]],
    noisy: list[NoisyAlert],
    watch: WatchSection,
    next_on_call: NextShift,
    zone: str | None = None,
    signals: SignalSection | None = None,
    log: SurfaceLog | None = None,
    runbook_runs: list[RunbookProgress] | None = None,
    deploys: list[DeployLine] | None = None,
    breaches: list[BreachLine] | None = None,
) -> HandoffNote:
    """Assemble the note from records already read (``incidents``: those touching [since, at))."""
    open_items = [
        OpenIncident(
            id=i.id,
            title=i.title,
            severity=i.severity,
            status=i.status,
            opened_at=iso(i.opened_at),
            age_seconds=seconds_between(i.opened_at, at),
            owner=owner_of(i),
            last_entry=_summary((timelines.get(i.id) or [None])[-1]),
            runbooks=runbook_urls(i),
        )
        for i in sorted(incidents, key=lambda i: (i.severity, i.opened_at, i.id))
        if i.status in ("open", "acknowledged")
    ]
    resolved = []
    for i in sorted(incidents, key=lambda i: (i.resolved_at or at, i.id)):
        if i.status == "resolved" and i.resolved_at is not None and since <= i.resolved_at < at:
            pending, _done = follow_ups(timelines.get(i.id, []))
            if pending:
                resolved.append(ResolvedWithFollowUps(id=i.id, title=i.title, resolved_at=iso(i.resolved_at),
                                                      follow_ups=pending))
    recent = [
        RecentChange(incident=inc.id, at=iso(e.at), kind=e.kind, actor=e.actor, text=e.text)
        for inc, e in changes
    ]
    return HandoffNote(
        surface=surface,
        at=iso(at),
        since=iso(since),
        open_incidents=open_items,
        resolved_with_follow_ups=resolved,
        recent_changes=recent,
        noisy_alerts=noisy,
        watch=watch,
        next_on_call=next_on_call,
        timezone=reader_zone(zone, next_on_call),
        **({"signals": signals} if signals is not None else {}),
        **_from_log(log),
        runbooks_in_progress=list(runbook_runs or []),
        deploys=list(deploys or []),
        budget_breaches=list(breaches or []),
    )


def _from_log(log: SurfaceLog | None) -> dict:
    """The open handoff's annotations, the surface's known false positives and the last sign-off."""
    if log is None:
        return {}
    record, accepted = log.open_record(), log.last_accepted()
    return {
        "handoff_version": record.version if record else 0,
        "annotations": list(record.annotations) if record else [],
        "known_false_positives": dict(log.known_false_positives),
        "previous_acceptance": accepted.accepted if accepted else None,
    }


def render_markdown(note: HandoffNote) -> str:
    zone = note.timezone

    def when(text: str | None, with_utc: bool = False) -> str | None:
        return local(text, zone, with_utc)

    lines = [f"# Handoff: {md(note.surface)}", "",
             f"Written {when(note.at, True)}, covering {when(note.since, True)} to {when(note.at, True)}.",
             f"Times are in {zone}.", ""]
    lines += ["## Open incidents", ""]
    lines += table(
        ["ID", "Severity", "Age", "Status", "Owner", "Last entry", "Runbook", "Title"],
        [
            [
                f"#{i.id}", i.severity, human(i.age_seconds), i.status, i.owner,
                f"{when(i.last_entry.at)} {i.last_entry.kind}: {i.last_entry.text}" if i.last_entry else None,
                ", ".join(i.runbooks) or None, i.title,
            ]
            for i in note.open_incidents
        ],
    )
    lines += ["", "## Runbooks in progress", ""]
    lines += table(
        ["Incident", "Runbook", "Started", "Steps done", "Last step", "Run by", "Stop requested"],
        [[f"#{r.incident}", r.runbook, when(r.started_at), r.steps_done, r.last_step, r.holder, r.stop_requested_by]
         for r in note.runbooks_in_progress],
    )
    lines += ["", "## Resolved with open follow-ups", ""]
    lines += table(
        ["ID", "Resolved", "Follow-ups", "Title"],
        [[f"#{r.id}", when(r.resolved_at), "; ".join(r.follow_ups), r.title] for r in note.resolved_with_follow_ups],
    )
    lines += ["", f"## Mitigations and deploys (last {human(RECENT_CHANGES.total_seconds())})", ""]
    lines += table(
        ["When", "Kind", "Incident", "By", "What"],
        [[when(c.at), c.kind, f"#{c.incident}", c.actor, c.text] for c in note.recent_changes],
    )
    lines += ["", "Deploys recorded by CI (when they went out):", ""]
    lines += table(["When", "Service", "What", "By"], [[when(d.at), d.service, d.text, d.by] for d in note.deploys])
    lines += ["", "## Error-budget policy breaches", ""]
    lines += table(
        ["SLO", "Gate reports", "Changes refused", "Last", "Budget left", "Freezes below", "Policy"],
        [[f"{b.service}/{b.slo}", b.reports, b.refused, when(b.last_at),
          "-" if b.last_budget_remaining is None else percent(b.last_budget_remaining, 1), percent(b.freeze_below, 0),
          b.policy_source] for b in note.budget_breaches],
    )
    lines += ["", "## Noisy alerts (candidates for tuning)", ""]
    known = note.known_false_positives
    lines += table(
        ["Alert", "Fired", "Resolved on its own quickly", "Never acknowledged", "Known false positive"],
        [[a.alertname, a.fired, a.self_resolved_quickly, a.never_acknowledged,
          f"yes, tuning ticket {known[a.alertname].ticket}" if a.alertname in known else None]
         for a in note.noisy_alerts],
    )
    lines += ["", "## Watch items (from Prometheus)", ""]
    if not note.watch.available:
        lines.append(f"Not available: {md(note.watch.note)}.")
    elif not note.watch.items:
        lines.append(f"Nothing to watch: {note.watch.checked} SLO(s) checked, budgets and burn rates are fine.")
    else:
        lines += table(
            ["SLO", "Budget remaining", "Burn rate", "Why"],
            [
                [f"{w.service}/{w.slo}",
                 "-" if w.budget_remaining is None else percent(w.budget_remaining, 1),
                 "-" if w.burn_rate is None else f"{w.burn_rate:.2f}x over {w.burn_window}",
                 "; ".join(w.reasons)]
                for w in note.watch.items
            ],
        )
    lines += ["", "## Watch signals (from the roster)", ""]
    if not note.signals.available:
        lines.append(f"Not available: {md(note.signals.note)}.")
    else:
        lines += table(
            ["Signal", "Now", "Threshold", "Crossed now", "Last crossed", "Dashboard"],
            [[s.label, "-" if s.value is None else f"{s.value:.4g}", s.threshold, "yes" if s.crossed_now else "no",
              when(s.last_crossed) or "not in the window", s.dashboard] for s in note.signals.items],
        )
    lines += ["", "## On call next", ""]
    nxt = note.next_on_call
    if not nxt.available:
        lines.append(f"Not available: {md(nxt.note)}.")
    else:
        lines.append(f"Next shift {when(nxt.start, True)} to {when(nxt.end, True)}:")
        lines.append("")
        lines += [f"- {md(r.role)}: {md(r.name)} ({md(r.timezone)})" for r in nxt.responders]
        lines.append("")
        if nxt.drills:
            lines += [f"- drill {d.date}: {md(d.name)} as {md(d.role)}" + (f" ({md(d.scenario)}; {md(d.outcome)})" if d.scenario else "")
                      for d in nxt.drills]
        else:
            lines.append("No drills scheduled in that shift.")
    lines += ["", "## Last handoff", ""]
    prev = note.previous_acceptance
    if prev is None:
        lines.append("No accepted handoff recorded (burnwise handoff accept).")
    else:
        lines.append(f"Accepted by {md(prev.by)} at {when(prev.at)}, after a live walkthrough at {when(prev.walkthrough_at)} "
                     f"with {', '.join(map(md, prev.walkthrough_with))}.")
        if prev.carried_over:
            lines += ["", "Carried over:", ""] + [f"- {md(item)}" for item in prev.carried_over]
    lines += ["", "## What I would worry about", ""]
    if note.annotations:
        lines += [f"- {md(a.text)} ({md(a.by)}, {when(a.at)}, v{a.version})" for a in note.annotations]
    else:
        lines.append(f"> {md(note.worries)}")
    lines.append("")
    return "\n".join(lines)
