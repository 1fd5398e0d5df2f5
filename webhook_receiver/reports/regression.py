"""Regression case: an incident as a promtool unit test, so rule changes that would miss it fail CI.

The failure shape: healthy traffic for the longest window of the tier that paged (so every window
starts from real history), then a constant error ratio. The ratio is the burn rate the alert
reported (its ``summary``/``description`` annotation, "burning 20.3x") times the error budget, or,
when no value was recorded, twice the tier's factor. It lasts as long as the alert fired, but at
least long enough for the tier's long window to pass the factor with a margin, and no longer than
that window plus ten minutes (beyond it the long window cannot rise any further).

The test asserts, at the end of that failure, that the alert that paged is firing with the same
``severity`` (``max(ALERTS{...})`` is 1), and that it was quiet just before the failure began. It
reads the *current* rule file, so disabling the tier, or moving its windows or factor so far that
this incident would not page, makes ``promtool test rules`` fail.
"""

from __future__ import annotations

import math
import os
import re
from decimal import Decimal
from pathlib import Path

from pydantic import BaseModel

from burnwise.errors import UserError
from generator.durations import format_duration
from generator.pipeline import rule_file_name
from generator.promtool_tests import ExpectedSample, PromqlExprTest, RuleTestFile, RuleTestGroup
from generator.windows import Tier, tiers_for
from webhook_receiver.records import AlertRecord, IncidentDetail
from webhook_receiver.reports.sli_series import Minutes, sli_series
from webhook_receiver.reports.slos import SLORef

_BURN = re.compile(r"burning (\d+(?:\.\d+)?)x")
#: The reconstructed burn is at least this multiple of the factor, so a case never sits on the edge.
MIN_MARGIN = Decimal("1.2")
#: Events per minute in the reconstruction (high, so tiny budgets still give whole error counts).
TRAFFIC_PER_MINUTE = 100_000
EXTRA_MINUTES = 10


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

    @property
    def eval_minute(self) -> int:
        return self.history_minutes + self.failure_minutes

    def file_name(self) -> str:
        return f"incident-{self.incident}-{self.service}-{self.slo}.yaml"


def paging_alert(detail: IncidentDetail) -> AlertRecord:
    """The alert that gave the incident its severity (earliest first)."""
    matching = [a for a in detail.alerts if a.severity == detail.severity and a.alertname]
    if not matching:
        raise UserError(f"incident {detail.id} has no named alert of severity {detail.severity}; nothing to reproduce")
    return min(matching, key=lambda a: (a.starts_at, a.fingerprint))


def observed_burn(alert: AlertRecord) -> float | None:
    """The burn rate the alert reported in its annotations, if burnwise's wording is there."""
    for key in ("summary", "description"):
        found = _BURN.search(alert.annotations.get(key, ""))
        if found:
            return float(found.group(1))
    return None


def _tier(ref: SLORef, severity: str) -> Tier:
    for tier in tiers_for(ref.slo):
        if tier.severity == severity:
            return tier
    raise UserError(
        f"{ref.spec.service}/{ref.slo.name} has no enabled alert tier with severity {severity} in "
        f"{ref.loaded.source}: the current rules would not page for this incident (re-enable the tier or "
        "write the case by hand)"
    )


def plan_regression(detail: IncidentDetail, ref: SLORef | None) -> RegressionPlan:
    alert = paging_alert(detail)
    service, slo_name = alert.labels.get("service"), alert.labels.get("slo")
    if ref is None:
        raise UserError(
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
        history_minutes=max(60, longest // 60),
        failure_minutes=failure,
        traffic_per_minute=traffic,
    )


def _alert_query(plan: RegressionPlan) -> str:
    labels = {"alertname": plan.alertname, "alertstate": "firing", "severity": plan.severity,
              "service": plan.service, "slo": plan.slo}
    inner = ", ".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    return f"max(ALERTS{{{inner}}})"


def build_test(plan: RegressionPlan, ref: SLORef, rule_file: str) -> RuleTestFile:
    """The promtool test file for ``plan``; ``rule_file`` is relative to the test file's folder."""
    errors = max(1, round(plan.error_ratio * plan.traffic_per_minute))
    segments = [
        Minutes(plan.history_minutes, plan.traffic_per_minute, 0),
        Minutes(plan.failure_minutes, plan.traffic_per_minute, min(errors, plan.traffic_per_minute)),
    ]
    query = _alert_query(plan)
    group = RuleTestGroup(
        name=f"incident {plan.incident}: {plan.alertname} pages again at {plan.severity}",
        interval="1m",
        input_series=sli_series(ref.slo.sli, segments),
        promql_expr_test=[
            PromqlExprTest(expr=query, eval_time=f"{plan.history_minutes}m", exp_samples=[]),
            PromqlExprTest(expr=query, eval_time=f"{plan.eval_minute}m",
                           exp_samples=[ExpectedSample(labels="{}", value=1)]),
        ],
    )
    return RuleTestFile(rule_files=[rule_file], evaluation_interval="1m", tests=[group])


def header(plan: RegressionPlan) -> str:
    """Comment lines explaining the case (deliberately not burnwise's generated-file marker, so
    ``burnwise generate`` never deletes a regression case as stale)."""
    lines = [
        f"# Regression case for incident {plan.incident}, written by `burnwise regression {plan.incident}`.",
        f"# {plan.alertname} ({plan.service}/{plan.slo}) paged at {plan.severity} ({plan.tier}: {'; or '.join(plan.conditions)}).",
        f"# Shape: {plan.history_minutes}m healthy, then error ratio {plan.error_ratio:.6g} "
        f"(burn {plan.burn_used:.4g}x; {plan.ratio_source}) for {plan.failure_minutes}m"
        + (f" (alert fired {plan.observed_minutes}m)." if plan.observed_minutes is not None else "."),
        "# It fails when the current rules would no longer page for this incident at this severity.",
    ]
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
