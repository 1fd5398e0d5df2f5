"""Regression case: an incident as a promtool unit test, so rule changes that would miss it fail CI.

The failure shape: healthy traffic, then a constant error ratio. The history is what the longest
window of the tier that paged still holds at the evaluated minute (that window minus the failure,
at least an hour), so every window reads what it would read after unlimited healthy history, and
no minute is simulated that no window can see. Cases longer than 16 hours are evaluated every 5
minutes, like the backtest's long runs (input samples stay one minute apart): a ticket case over a
3-day window then costs a few seconds of promtool time, not a minute. The ratio is the burn rate the alert
reported (the ``burnwise_burn_rate`` annotation every generated burn-rate alert carries) times the
error budget, or, when no value was recorded, twice the tier's factor. It lasts as long as the alert fired, but at
least long enough for the tier's long window to pass the factor with a margin, and no longer than
that window plus ten minutes (beyond it the long window cannot rise any further).

With ``--prometheus`` the shape is the real one instead: the SLO's recorded 5m error ratio,
minute by minute, from the tier's longest window before the alert fired to five minutes after,
with the assertion at that last minute.

The shape is handed to the generator's own proof machinery
(:mod:`burnwise.generator.proof.replay`), which writes the input series exactly as it does for the
generated unit tests. The test asserts, at the end of that failure, that the alert that paged is firing with the same
``severity`` (``max(ALERTS{...})`` is 1), and that it was quiet just before the failure began.
An incident nobody acknowledged that resolved on its own within minutes looks like a noisy page:
its case is still written (the page may have been wanted) but flagged in the file's header
(:data:`FLAG_PREFIX`), by `burnwise regression` and by every `burnwise test` run, so it is never
locked in as a required page without someone deciding so. It
reads the *current* rule file, so disabling the tier, or moving its windows or factor so far that
this incident would not page, makes ``promtool test rules`` fail.
"""

from __future__ import annotations

import math
import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from burnwise.errors import BurnwiseError
from burnwise.generator import names
from burnwise.durations import format_duration
from burnwise.layout import rule_file_name
from burnwise.generator.proof.replay import IncidentShape, incident_series
from burnwise.generator.proof.backtest import COARSE_INTERVAL, evaluation_interval
from burnwise.generator.proof.scenarios import ScenarioError
from burnwise.generator.promtool.rule_tests import (
    ExpectedSample,
    PromqlExprTest,
    RuleTestFile,
    RuleTestGroup,
)
from burnwise.generator.windows import BASE_WINDOW, Tier, tiers_for
from burnwise.receiver.records import AlertRecord, IncidentDetail
from burnwise.reports.noisy import DEFAULT_QUICK
from burnwise.reports.prometheus import Prometheus, query_range
from burnwise.reports.slos import SLORef

#: The reconstructed burn is at least this multiple of the factor, so a case never sits on the edge.
MIN_MARGIN = Decimal("1.2")
#: Events per minute in the reconstruction (high, so tiny budgets still give whole error counts).
TRAFFIC_PER_MINUTE = 100_000
EXTRA_MINUTES = 10
#: With Prometheus: minutes of recorded data after the alert started firing; the test evaluates there.
AFTER_FIRING = 5
#: Minutes between evaluations of a long case (the backtest's coarse step, above 16 hours).
COARSE_MINUTES = COARSE_INTERVAL // 60
#: An incident nobody acknowledged that resolved itself within this looks like a noisy alert.
NOISY_WITHIN = DEFAULT_QUICK


def noisy_reason(detail: IncidentDetail, alert: AlertRecord, within: timedelta = NOISY_WITHIN) -> str | None:
    """Why ``detail`` looks like a noisy page (never acknowledged, resolved by Alertmanager within
    ``within`` of opening), or None. A case made from it would lock a page nobody needed in CI."""
    if detail.acknowledged_at is not None or detail.resolved_at is None or detail.resolved_by != "alertmanager":
        return None
    lasted = detail.resolved_at - min(detail.opened_at, alert.starts_at)
    if lasted > within:
        return None
    minutes = max(0, int(lasted.total_seconds() // 60))
    return (f"incident {detail.id} was never acknowledged and resolved on its own after {minutes}m: "
            "a noisy page; tune the alert rather than require it, or keep the case if the page was wanted")


class RegressionPlan(BaseModel):
    incident: int
    service: str
    slo: str
    alertname: str
    severity: str
    tier: str
    conditions: list[str]
    factor: float
    error_budget: float
    observed_burn: float | None
    burn_used: float
    error_ratio: float
    ratio_source: str
    observed_minutes: int | None
    history_minutes: int
    failure_minutes: int
    traffic_per_minute: int
    #: Why the incident looks like a noisy alert (never acknowledged, resolved on its own within
    #: minutes); such a case is flagged in its file and by the CLI, not silently required.
    noisy: str | None = None
    #: Per-minute error ratios read from Prometheus (history then the minutes after the alert
    #: fired); None when the shape is modelled from the alert's value and duration.
    minute_error_ratios: list[float] | None = None

    @property
    def eval_minute(self) -> int:
        return self.history_minutes + self.failure_minutes

    def file_name(self) -> str:
        return f"incident-{self.incident}-{self.service}-{self.slo}.yaml"


def paging_alert(detail: IncidentDetail) -> AlertRecord:
    """The alert that gave the incident its severity (earliest first)."""
    matching = [a for a in detail.alerts if a.severity == detail.severity and a.alertname]
    if not matching:
        raise BurnwiseError(f"incident {detail.id} has no named alert of severity {detail.severity}; nothing to reproduce")
    return min(matching, key=lambda a: (a.starts_at, a.fingerprint))


def observed_burn(alert: AlertRecord) -> float | None:
    """The burn rate the alert fired with, from its ``burnwise_burn_rate`` annotation (None when
    absent or not a finite number, e.g. an alert from rules older than the annotation)."""
    text = alert.annotations.get(names.BURN_RATE_ANNOTATION, "").strip()
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def _tier(ref: SLORef, severity: str) -> Tier:
    for tier in tiers_for(ref.slo):
        if tier.severity == severity:
            return tier
    raise BurnwiseError(
        f"{ref.spec.service}/{ref.slo.name} has no enabled alert tier with severity {severity} in "
        f"{ref.loaded.source}: the current rules would not page for this incident (re-enable the tier or "
        "write the case by hand)"
    )


def plan_regression(detail: IncidentDetail, ref: SLORef | None) -> RegressionPlan:
    alert = paging_alert(detail)
    service, slo_name = alert.labels.get("service"), alert.labels.get("slo")
    if ref is None:
        raise BurnwiseError(
            f"incident {detail.id}: alert {alert.alertname} is for service={service!r} slo={slo_name!r}, "
            "which no spec in the specs folder defines (pass --specs DIR)"
        )
    tier = _tier(ref, alert.labels.get("severity", detail.severity))
    factor = min(c.factor for c in tier.conditions)
    budget = ref.slo.error_budget
    seen = observed_burn(alert)
    if seen is not None:
        burn = max(Decimal(str(seen)), factor * MIN_MARGIN)
        source = "alert annotation" if Decimal(str(seen)) >= factor * MIN_MARGIN else "alert annotation, raised to 1.2x the factor"
    else:
        burn, source = factor * 2, "assumed: 2x the tier's factor (no value recorded)"
    ratio = min(Decimal(1), burn * budget)
    burn = ratio / budget
    longest = max(c.long for c in tier.conditions)
    # minutes until the long (and short) window of some condition passes its factor at this burn
    needed = min(max(c.long, c.short) * c.factor / burn for c in tier.conditions) / 60
    minimum = math.ceil(needed * Decimal("1.25")) + 5
    end = alert.ends_at or detail.resolved_at or alert.last_seen_at
    observed = int((end - alert.starts_at).total_seconds() // 60) if end else None
    failure = min(max(observed or 0, minimum), longest // 60 + EXTRA_MINUTES)
    failure = max(failure, minimum)
    # history: only what the tier's longest window still holds at the evaluated minute; every
    # window then reads exactly what it would with unlimited history (the shape is healthy before)
    history = max(60, longest // 60 - failure)
    if evaluation_interval((history + failure) * 60) > 60:  # coarse steps: evaluate on one
        failure = math.ceil(failure / COARSE_MINUTES) * COARSE_MINUTES
        history = math.ceil(history / COARSE_MINUTES) * COARSE_MINUTES
    traffic = TRAFFIC_PER_MINUTE
    if ref.slo.min_events:
        traffic = max(traffic, 2 * math.ceil(ref.slo.min_events / max(1, longest // 60)))
    return RegressionPlan(
        incident=detail.id,
        service=ref.spec.service,
        slo=ref.slo.name,
        alertname=alert.alertname,
        severity=tier.severity,
        tier=tier.name,
        conditions=[f"{c.factor}x over {format_duration(c.long)} and {format_duration(c.short)}" for c in tier.conditions],
        factor=float(factor),
        error_budget=float(budget),
        observed_burn=seen,
        burn_used=float(burn),
        error_ratio=float(ratio),
        ratio_source=source,
        observed_minutes=observed,
        history_minutes=history,
        failure_minutes=failure,
        traffic_per_minute=traffic,
        noisy=noisy_reason(detail, alert),
    )


def plan_from_prometheus(detail: IncidentDetail, ref: SLORef | None, prometheus: Prometheus) -> RegressionPlan | None:
    """The plan with the real per-minute error ratio (``slo:burnwise_error_ratio:rate5m``) from
    the tier's longest window (+5m) before the alert fired to :data:`AFTER_FIRING` minutes after.

    Raises PrometheusUnavailable when Prometheus cannot be asked; None when it has no data there.
    """
    base = plan_regression(detail, ref)
    fired = paging_alert(detail).starts_at
    longest = max(c.long for c in _tier(ref, base.severity).conditions) // 60  # ref: plan_regression checked it
    history = math.ceil((max(60, longest) + 5) / COARSE_MINUTES) * COARSE_MINUTES
    start = fired - timedelta(minutes=history)
    end = fired + timedelta(minutes=AFTER_FIRING)
    expr = names.error_ratio(BASE_WINDOW) + names.selector(base.service, base.slo)
    series = query_range(prometheus, expr, start, end, 60)
    points = series[0][1] if series else []
    if not points:
        return None
    minutes = history + AFTER_FIRING
    ratios = [0.0] * minutes
    for ts, value in points:
        index = round((ts - start.timestamp()) / 60)  # the sample at minute k closes minute k-1..k
        if 1 <= index <= minutes:
            ratios[index - 1] = min(1.0, max(0.0, value))
    peak = max(ratios)
    return base.model_copy(update={
        "minute_error_ratios": ratios,
        "history_minutes": history,
        "failure_minutes": AFTER_FIRING,
        "error_ratio": peak,
        "burn_used": peak / base.error_budget,
        "ratio_source": f"Prometheus {names.error_ratio(BASE_WINDOW)}, minute by minute",
    })


def shape_for(plan: RegressionPlan) -> IncidentShape:
    """The incident as the generator's proof replays it: modelled (healthy, then constant) or the
    per-minute error ratios from Prometheus (which include the history)."""
    name = f"incident-{plan.incident}"
    traffic = Decimal(plan.traffic_per_minute)
    if plan.minute_error_ratios is None:
        ratio = Decimal(str(plan.error_ratio))
        return IncidentShape(name, plan.history_minutes, (ratio,) * plan.failure_minutes, traffic)
    ratios = tuple(Decimal(str(r)) for r in plan.minute_error_ratios)
    return IncidentShape(name, 0, ratios, traffic)


def case_series(plan: RegressionPlan, ref: SLORef):
    try:
        return incident_series(ref.slo, shape_for(plan))
    except ScenarioError as exc:
        raise BurnwiseError(f"{exc}; write this regression case by hand") from None


def _alert_query(plan: RegressionPlan) -> str:
    labels = {"alertname": plan.alertname, "alertstate": "firing", "severity": plan.severity,
              "service": plan.service, "slo": plan.slo}
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"max(ALERTS{{{inner}}})"


def build_test(plan: RegressionPlan, ref: SLORef, rule_file: str) -> RuleTestFile:
    """The promtool test file for ``plan``; ``rule_file`` is relative to the test file's folder."""
    query = _alert_query(plan)
    group = RuleTestGroup(
        name=f"incident {plan.incident}: {plan.alertname} pages again at {plan.severity}",
        interval="1m",
        input_series=case_series(plan, ref),
        promql_expr_test=[
            # quiet before the modelled failure (real data may already be failing then: no claim)
            *([PromqlExprTest(expr=query, eval_time=f"{plan.history_minutes}m", exp_samples=[])]
              if plan.minute_error_ratios is None else []),
            PromqlExprTest(expr=query, eval_time=f"{plan.eval_minute}m",
                           exp_samples=[ExpectedSample(labels="{}", value=1)]),
        ],
    )
    interval = evaluation_interval(plan.eval_minute * 60)  # eval_minute is a multiple of 5 when coarse
    return RuleTestFile(rule_files=[rule_file], evaluation_interval=f"{interval // 60}m", tests=[group])


def shape_line(plan: RegressionPlan) -> str:
    if plan.minute_error_ratios is not None:
        return (f"# Shape: error ratio per minute from {plan.ratio_source}, {plan.history_minutes}m before the "
                f"alert fired and {plan.failure_minutes}m after (peak {plan.error_ratio:.6g}, burn {plan.burn_used:.4g}x).")
    return (f"# Shape: {plan.history_minutes}m healthy, then error ratio {plan.error_ratio:.6g} "
            f"(burn {plan.burn_used:.4g}x; {plan.ratio_source}) for {plan.failure_minutes}m"
            + (f" (alert fired {plan.observed_minutes}m)." if plan.observed_minutes is not None else "."))


#: First words of the comment line that marks a case from a noisy incident (`burnwise test` shows it).
FLAG_PREFIX = "# FLAGGED (noisy incident):"


def header(plan: RegressionPlan) -> str:
    """Comment lines explaining the case (deliberately not burnwise's generated-file marker, so
    ``burnwise generate`` never deletes a regression case as stale)."""
    lines = [
        f"# Regression case for incident {plan.incident}, written by `burnwise regression {plan.incident}`.",
        f"# {plan.alertname} ({plan.service}/{plan.slo}) paged at {plan.severity} ({plan.tier}: {'; or '.join(plan.conditions)}).",
        shape_line(plan),
        "# It fails when the current rules would no longer page for this incident at this severity.",
    ]
    if plan.noisy:
        lines.append(f"{FLAG_PREFIX} {plan.noisy}")
    return "\n".join(lines) + "\n"


def write_case(plan: RegressionPlan, ref: SLORef, out_dir: Path, rules_dir: Path) -> Path:
    """Write the case into ``out_dir``; its rule_files entry points at ``rules_dir``'s rule file."""
    out_dir = Path(out_dir)
    rule_path = Path(rules_dir) / rule_file_name(plan.service)
    relative = os.path.relpath(rule_path.resolve(), out_dir.resolve())
    test = build_test(plan, ref, Path(relative).as_posix())
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / plan.file_name()
    path.write_text(header(plan) + test.to_yaml(), encoding="utf-8")
    return path
