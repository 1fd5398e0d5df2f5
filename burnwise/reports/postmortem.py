"""Postmortem draft: a blameless template filled from the incident's timeline.

Why blameless by construction: the contributing-factors section is written from the *system's*
records only - which alert fired, how fast it burned, whether the page was acknowledged inside its
timeout, whether it escalated, what changed (deploys) - and never quotes timeline text or names
anyone. People appear in the timeline (who did what, when), where that is useful, not in the
causes. The judgement sections (went well, went wrong, got lucky) are prompts, never invented.

The root-cause section quotes the resolve note (the responder's own words when resolving); quotes
that name a person are listed under "Restate before publishing" (:mod:`burnwise.reports.blame`).
Action items come from the timeline's follow-ups with owner and due date, checked when done.
"""

from __future__ import annotations

from pydantic import BaseModel

from burnwise.receiver.records import IncidentDetail
from burnwise.reports.blame import NamedPerson, flag, name_patterns
from burnwise.reports.deploy_records import DeployLine
from burnwise.reports.figures import percent
from burnwise.reports.followups import follow_up_items, without_tags
from burnwise.reports.markdown import md, table
from burnwise.reports.people import ack_timeout_seconds
from burnwise.reports.regression import RegressionPlan, observed_burn, paging_alert
from burnwise.reports.runbook_runs import RunbookStep, first_applied_at, runbook_steps, written_by_machine
from burnwise.reports.timing import human, iso, seconds_between
from burnwise.reports.watch import BudgetConsumed

PROMPTS = {
    "went_well": "What went well? (e.g. detection, tooling, communication)",
    "went_wrong": "What went wrong? (systems and processes, not people)",
    "got_lucky": "Where did we get lucky?",
}


class KeyTimes(BaseModel):
    impact_start: str | None
    detected: str
    acknowledged: str | None
    mitigated: str | None
    resolved: str | None
    time_to_detect_seconds: float | None
    time_to_acknowledge_seconds: float | None
    time_to_mitigate_seconds: float | None
    time_to_resolve_seconds: float | None


class TimelineLine(BaseModel):
    at: str
    kind: str
    actor: str
    text: str


class Impact(BaseModel):
    service: str | None
    slo: str | None
    objective_percent: float | None
    duration_seconds: float | None
    budget: BudgetConsumed


class RootCause(BaseModel):
    """The resolve note as written, or a prompt when the incident was closed without one."""

    text: str | None
    by: str | None = None
    at: str | None = None
    prompt: str = "What was the root cause? Describe the system conditions (resolve with --text to fill this in)."


class ActionItem(BaseModel):
    text: str
    done: bool
    owner: str | None = None
    due: str | None = None
    note: str | None = None


class RegressionSection(BaseModel):
    available: bool
    note: str | None = None
    command: str
    plan: RegressionPlan | None = None


class Postmortem(BaseModel):
    incident: int
    title: str
    severity: str
    status: str
    surface: str | None
    summary: str
    impact: Impact
    key_times: KeyTimes
    timeline: list[TimelineLine]
    root_cause: RootCause
    contributing_factors: list[str]
    prompts: dict[str, str]
    action_items: list[ActionItem]
    regression: RegressionSection
    names_to_restate: list[NamedPerson] = []
    runbook_steps: list[RunbookStep] = []  # under mitigation: what the runbook applied, SLI before/after
    deploys: list[DeployLine] = []  # deploy records from a day before opening to resolution, by their time


def key_times(detail: IncidentDetail) -> KeyTimes:
    start = min((a.starts_at for a in detail.alerts), default=None)
    firsts = [next((e.at for e in detail.timeline if e.kind == "mitigation"), None), first_applied_at(detail.timeline)]
    mitigated = min((m for m in firsts if m is not None), default=None)  # a person's or a runbook step's
    return KeyTimes(
        impact_start=iso(start),
        detected=iso(detail.opened_at),
        acknowledged=iso(detail.acknowledged_at),
        mitigated=iso(mitigated),
        resolved=iso(detail.resolved_at),
        time_to_detect_seconds=seconds_between(start, detail.opened_at),
        time_to_acknowledge_seconds=seconds_between(detail.opened_at, detail.acknowledged_at),
        time_to_mitigate_seconds=seconds_between(detail.opened_at, mitigated),
        time_to_resolve_seconds=seconds_between(detail.opened_at, detail.resolved_at),
    )


def contributing_factors(detail: IncidentDetail, times: KeyTimes, deploys: list[DeployLine] | None = None) -> list[str]:
    """System-level facts only: no timeline text, no actor, no contact - nothing that names a person."""
    factors = []
    try:
        alert = paging_alert(detail)
    except Exception:  # noqa: BLE001 - an incident without a named alert still gets a draft
        alert = None
    if alert is not None:
        burn = observed_burn(alert)
        scope = "/".join(v for v in (alert.labels.get("service"), alert.labels.get("slo")) if v)
        factors.append(
            f"Alert {alert.alertname} ({scope or 'no SLO labels'}) fired at {detail.severity}"
            + (f", reporting an error-budget burn of {burn:g}x the sustainable rate." if burn is not None else ".")
        )
    timeout = ack_timeout_seconds(detail)
    tta = times.time_to_acknowledge_seconds
    if detail.route == "page" and timeout is not None:
        if tta is None:
            factors.append(f"The page was never acknowledged (ack timeout {human(timeout)}).")
        elif tta > timeout:
            factors.append(f"The page was acknowledged after {human(tta)}, beyond the {human(timeout)} ack timeout.")
    steps = [e for e in detail.timeline if e.kind == "escalate"]
    if steps:
        roles = ", ".join(str((e.data or {}).get("role", "next responder")) for e in steps)
        factors.append(f"The page escalated {len(steps)} time(s) (to: {roles}) before it was acknowledged.")
    noted = [e for e in detail.timeline if e.kind == "deploy"]
    if noted:
        factors.append(f"{len(noted)} deploy(s) were recorded on the incident's timeline; check whether a change contributed.")
    if deploys:
        services = ", ".join(sorted({d.service for d in deploys}))
        factors.append(f"{len(deploys)} deploy(s) of {services} went out between a day before the incident opened and "
                       "its resolution (see Deploys); check whether a change contributed.")
    if detail.resolved_by == "alertmanager" and times.mitigated is None:
        factors.append("The alert resolved on its own with no mitigation recorded; the trigger may recur.")
    factors.append("(Add the technical causes here: describe systems and conditions, not people.)")
    return factors


#: Entries the receiver writes itself ("acknowledged by anna"): naming the actor there is a fact, not blame.
RECEIVER_KINDS = ("detect", "escalate", "acknowledge")


def _written_by_a_person(entry) -> bool:
    if entry.kind in RECEIVER_KINDS or entry.actor in ("alertmanager", "burnwise") or written_by_machine(entry):
        return False
    return not (entry.kind == "resolve" and entry.text.strip() == f"resolved by {entry.actor}")


def root_cause(detail: IncidentDetail) -> RootCause:
    """The last resolve note written by a person; the receiver's default "resolved by X" is no note."""
    for entry in reversed(detail.timeline):
        if entry.kind == "resolve" and _written_by_a_person(entry):
            return RootCause(text=entry.text.strip(), by=entry.actor, at=iso(entry.at))
    return RootCause(text=None)


def people_of(detail: IncidentDetail, roster_people: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(id, name) of the roster's people plus everyone the incident's records name (chain, actors)."""
    found = dict(roster_people)
    for step in detail.escalation_chain or []:
        contact = step.get("contact") or {}
        if contact.get("id"):
            found.setdefault(contact["id"], contact.get("name") or contact["id"])
    for entry in detail.timeline:
        if entry.actor and entry.actor not in ("alertmanager", "burnwise", "receiver", "system") and not written_by_machine(entry):
            found.setdefault(entry.actor, entry.actor)
    return sorted(found.items())


def action_items(detail: IncidentDetail, regression: RegressionSection, names: dict[str, str]) -> list[ActionItem]:
    items = []
    for f in follow_up_items(detail.timeline):
        note = f.problem
        if not f.done and (f.owner is None or f.due is None):
            missing = " and ".join(w for w, v in (("owner", f.owner), ("due date", f.due)) if v is None)
            note = note or f"no {missing}: add [owner: <id>] [due: YYYY-MM-DD] in a follow-up note"
        items.append(ActionItem(text=f.text, done=f.done, owner=names.get(f.owner, f.owner) if f.owner else None,
                                due=f.due, note=note))
    items.sort(key=lambda i: i.done)  # open first, each group in the order written
    items.append(ActionItem(text=f"Keep the regression case for this incident in CI: {regression.command}", done=False))
    return items


def postmortem(detail: IncidentDetail, objective: float | None, budget: BudgetConsumed,
               regression: RegressionSection, roster_people: list[tuple[str, str]] | None = None,
               deploys: list[DeployLine] | None = None) -> Postmortem:
    times = key_times(detail)
    people = people_of(detail, roster_people or [])
    patterns = name_patterns(people)
    cause = root_cause(detail)
    factors = contributing_factors(detail, times, deploys)
    timeline = [TimelineLine(at=iso(e.at), kind=e.kind, actor=e.actor, text=e.text) for e in detail.timeline]
    flagged = [flag("root cause", cause.text, patterns)] if cause.text else []
    flagged += [flag(f"contributing factor {n}", text, patterns) for n, text in enumerate(factors, start=1)]
    flagged += [flag(f"timeline {e.at} {e.kind}", without_tags(e.text), patterns) for e, raw in zip(timeline, detail.timeline)
                if _written_by_a_person(raw)]
    duration = seconds_between(
        min((a.starts_at for a in detail.alerts), default=detail.opened_at), detail.resolved_at
    )
    summary = (
        f"{detail.severity} incident on {detail.surface or 'an unknown surface'}: {detail.title}. "
        + (f"Resolved after {human(times.time_to_resolve_seconds)}." if detail.resolved_at else "Still open.")
    )
    return Postmortem(
        incident=detail.id,
        title=detail.title,
        severity=detail.severity,
        status=detail.status,
        surface=detail.surface,
        summary=summary,
        impact=Impact(service=detail.service, slo=detail.slo, objective_percent=objective,
                      duration_seconds=duration, budget=budget),
        key_times=times,
        timeline=timeline,
        root_cause=cause,
        contributing_factors=factors,
        prompts=dict(PROMPTS),
        action_items=action_items(detail, regression, dict(people)),
        regression=regression,
        names_to_restate=[f for f in flagged if f is not None],
        runbook_steps=runbook_steps(detail.timeline),
        deploys=list(deploys or []),
    )


def _action_line(item: ActionItem) -> str:
    details = [f"owner: {md(item.owner)}" if item.owner else None, f"due {md(item.due)}" if item.due else None]
    details = [d for d in details if d]
    text = md(item.text) + (f" ({', '.join(details)})" if details else "")
    if item.note and not item.done:
        text += f" - {md(item.note)}"
    return f"- [{'x' if item.done else ' '}] {text}"


def _pct(value: float | None) -> str:
    return "no data" if value is None else f"{value:.1f}%"


def render_markdown(pm: Postmortem) -> str:
    t = pm.key_times
    lines = [f"# Postmortem draft: incident #{pm.incident}", "", "_Blameless: describe systems and decisions, not people._", ""]
    lines += ["## Summary", "", md(pm.summary), ""]
    lines += ["## Impact", ""]
    objective = f" (objective {pm.impact.objective_percent:g}%)" if pm.impact.objective_percent is not None else ""
    lines.append(f"- SLO: {md(pm.impact.service)}/{md(pm.impact.slo)}{objective}")
    lines.append(f"- Duration (first alert to resolution): {human(pm.impact.duration_seconds)}")
    b = pm.impact.budget
    if b.available:
        lines.append(f"- Error budget consumed: {percent(b.consumed)} of the period's budget "
                     f"(remaining {percent(b.remaining_before)} before, {percent(b.remaining_after)} after)")
    else:
        lines.append(f"- Error budget consumed: not available ({md(b.note)})")
    lines += ["", "## Key times", ""]
    lines += table(
        ["Event", "At", "Since detection"],
        [
            ["impact start (first alert)", t.impact_start, None],
            ["detected (incident opened)", t.detected, f"time to detect {human(t.time_to_detect_seconds)}"],
            ["acknowledged", t.acknowledged, f"time to acknowledge {human(t.time_to_acknowledge_seconds)}"],
            ["mitigated (first mitigation)", t.mitigated, f"time to mitigate {human(t.time_to_mitigate_seconds)}"],
            ["resolved", t.resolved, f"time to resolve {human(t.time_to_resolve_seconds)}"],
        ],
    )
    lines += ["", "## Timeline", ""]
    lines += table(["At", "Kind", "By", "What"], [[e.at, e.kind, e.actor, e.text] for e in pm.timeline])
    lines += ["", "## Mitigation", ""]
    people = [e for e in pm.timeline if e.kind == "mitigation" and not e.text.startswith("runbook: ")]
    lines += [f"- {e.at} {md(e.actor)}: {md(e.text)}" for e in people] or ["- No mitigation written by a person."]
    if pm.runbook_steps:
        lines += ["", "Runbook steps applied:", ""]
        lines += table(
            ["At", "Runbook", "Step", "What", "Result", "SLI healthy before -> after", "Ran by"],
            [[r.at, r.runbook, f"{r.step}/{r.of}" if r.step else None, r.title, r.result,
              None if r.healthy_before is None and r.healthy_after is None
              else f"{_pct(r.healthy_before)} -> {_pct(r.healthy_after)}" + (" (recovered)" if r.recovered else ""),
              r.ran_by] for r in pm.runbook_steps],
        )
    lines += ["", "## Deploys", ""]
    if pm.deploys:
        lines += table(["At", "Service", "What", "By"], [[d.at, d.service, d.text, d.by] for d in pm.deploys])
    else:
        lines.append("No deploy recorded for the incident's service from a day before it opened to its resolution.")
    lines += ["", "## Root cause", ""]
    if pm.root_cause.text:
        lines.append(f"From the resolve note ({pm.root_cause.at}):")
        lines += ["", f"> {md(pm.root_cause.text)}"]
    else:
        lines.append(f"> {pm.root_cause.prompt}")
    lines += ["", "## Contributing factors", ""]
    lines += [f"- {md(f)}" for f in pm.contributing_factors]
    for key, heading in (("went_well", "What went well"), ("went_wrong", "What went wrong"), ("got_lucky", "Where we got lucky")):
        lines += ["", f"## {heading}", "", f"> {pm.prompts[key]}"]
    lines += ["", "## Action items", ""]
    lines += [_action_line(a) for a in pm.action_items]
    if pm.names_to_restate:
        lines += ["", "## Restate before publishing", "",
                  "These quotes name people. A blameless postmortem describes the system: restate each "
                  "as a system cause (what let this happen?), not as who did it.", ""]
        lines += [f"- {md(n.where)}: names {', '.join(map(md, n.names))}: \"{md(n.quote)}\"" for n in pm.names_to_restate]
    lines += ["", "## Regression case", ""]
    r = pm.regression
    if r.plan is not None:
        p = r.plan
        lines.append(f"`{r.command}` writes a promtool test asserting {md(p.alertname)} fires again at {p.severity} "
                     f"({p.tier}: {'; or '.join(p.conditions)}): {p.history_minutes}m healthy, then error ratio "
                     f"{p.error_ratio:.6g} (burn {p.burn_used:.4g}x; {p.ratio_source}) for {p.failure_minutes}m.")
    else:
        lines.append(f"Not planned: {md(r.note)}. Command: `{r.command}`.")
    lines.append("")
    return "\n".join(lines)
