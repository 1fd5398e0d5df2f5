"""Postmortem draft: a blameless template filled from the incident's timeline.

Why blameless by construction: the contributing-factors section is written from the *system's*
records only - which alert fired, how fast it burned, whether the page was acknowledged inside its
timeout, whether it escalated, what changed (deploys) - and never quotes timeline text or names
anyone. People appear in the timeline (who did what, when), where that is useful, not in the
causes. The judgement sections (went well, went wrong, got lucky) are prompts, never invented.
"""

from __future__ import annotations

from pydantic import BaseModel

from burnwise.receiver.records import IncidentDetail
from burnwise.reports.figures import percent
from burnwise.reports.followups import follow_ups
from burnwise.reports.markdown import table
from burnwise.reports.people import ack_timeout_seconds
from burnwise.reports.regression import RegressionPlan, observed_burn, paging_alert
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
    contributing_factors: list[str]
    prompts: dict[str, str]
    action_items: list[str]
    regression: RegressionSection


def key_times(detail: IncidentDetail) -> KeyTimes:
    start = min((a.starts_at for a in detail.alerts), default=None)
    mitigated = next((e.at for e in detail.timeline if e.kind == "mitigation"), None)
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


def contributing_factors(detail: IncidentDetail, times: KeyTimes) -> list[str]:
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
    deploys = [e for e in detail.timeline if e.kind == "deploy"]
    if deploys:
        factors.append(f"{len(deploys)} deploy(s) were recorded on the incident's timeline; check whether a change contributed.")
    if detail.resolved_by == "alertmanager" and times.mitigated is None:
        factors.append("The alert resolved on its own with no mitigation recorded; the trigger may recur.")
    factors.append("(Add the technical causes here: describe systems and conditions, not people.)")
    return factors


def postmortem(detail: IncidentDetail, objective: float | None, budget: BudgetConsumed,
               regression: RegressionSection) -> Postmortem:
    times = key_times(detail)
    pending, done = follow_ups(detail.timeline)
    actions = [f"{item} (open)" for item in pending] + [f"{item} (done)" for item in done]
    actions.append(f"Keep the regression case for this incident in CI: {regression.command}")
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
        timeline=[TimelineLine(at=iso(e.at), kind=e.kind, actor=e.actor, text=e.text) for e in detail.timeline],
        contributing_factors=contributing_factors(detail, times),
        prompts=dict(PROMPTS),
        action_items=actions,
        regression=regression,
    )


def render_markdown(pm: Postmortem) -> str:
    t = pm.key_times
    lines = [f"# Postmortem draft: incident #{pm.incident}", "", "_Blameless: describe systems and decisions, not people._", ""]
    lines += ["## Summary", "", pm.summary, ""]
    lines += ["## Impact", ""]
    objective = f" (objective {pm.impact.objective_percent:g}%)" if pm.impact.objective_percent is not None else ""
    lines.append(f"- SLO: {pm.impact.service or '-'}/{pm.impact.slo or '-'}{objective}")
    lines.append(f"- Duration (first alert to resolution): {human(pm.impact.duration_seconds)}")
    b = pm.impact.budget
    if b.available:
        lines.append(f"- Error budget consumed: {percent(b.consumed)} of the period's budget "
                     f"(remaining {percent(b.remaining_before)} before, {percent(b.remaining_after)} after)")
    else:
        lines.append(f"- Error budget consumed: not available ({b.note})")
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
    lines += ["", "## Contributing factors", ""]
    lines += [f"- {f}" for f in pm.contributing_factors]
    for key, heading in (("went_well", "What went well"), ("went_wrong", "What went wrong"), ("got_lucky", "Where we got lucky")):
        lines += ["", f"## {heading}", "", f"> {pm.prompts[key]}"]
    lines += ["", "## Action items", ""]
    lines += [f"- [ ] {a}" for a in pm.action_items]
    lines += ["", "## Regression case", ""]
    r = pm.regression
    if r.plan is not None:
        p = r.plan
        lines.append(f"`{r.command}` writes a promtool test asserting {p.alertname} fires again at {p.severity} "
                     f"({p.tier}: {'; or '.join(p.conditions)}): {p.history_minutes}m healthy, then error ratio "
                     f"{p.error_ratio:.6g} (burn {p.burn_used:.4g}x; {p.ratio_source}) for {p.failure_minutes}m.")
    else:
        lines.append(f"Not planned: {r.note}. Command: `{r.command}`.")
    lines.append("")
    return "\n".join(lines)
