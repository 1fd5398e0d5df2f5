"""The error-budget policy gate: may this change ship, given the SLOs' error budget left?

Why a gate a pipeline calls: "when the budget is gone, stop shipping features" is only a policy
when something enforces it. The gate reads each SLO's ``slo:burnwise_error_budget_remaining:ratio``
- the share of the period's budget left, as the alerts see it - and closes when any SLO of the
service is exhausted (0 or less) or under the policy's ``freeze_below``. Changes of a kind the
policy allows (``reliability`` by default) pass anyway, and say so.

The policy comes from the roster surface that owns the service (``budget_policy:``), else the
default (freeze at 0%, allow reliability); command-line flags override both. An SLO without a
budget series closes the gate: no figure is no proof the budget is there.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from burnwise.generator import names
from burnwise.reports.budget_policy import PolicyUsed
from burnwise.reports.prometheus import Prometheus
from burnwise.reports.slos import SLORef


class SLOBudget(BaseModel):
    service: str
    slo: str
    objective_percent: float
    budget_remaining: float | None
    frozen: bool
    reason: str
    policy: PolicyUsed | None = None  # this SLO's policy (spec, roster surface or default)


class GateResult(BaseModel):
    service: str
    change: str
    at: str
    policy: PolicyUsed
    slos: list[SLOBudget]
    open: bool
    verdict: str


def slo_budget(prometheus: Prometheus, ref: SLORef, threshold: float, at: datetime | None) -> SLOBudget:
    """One SLO's budget left and whether it freezes changes (PrometheusUnavailable propagates)."""
    samples = prometheus.query(names.BUDGET_REMAINING + names.selector(ref.spec.service, ref.slo.name), at)
    # a grouped SLO (group_by) has one budget per group: the worst group decides, and is named
    worst = min(samples, key=lambda sample: sample.value) if samples else None
    remaining = worst.value if worst is not None else None
    group = ", ".join(f"{label}={worst.labels.get(label, '')}" for label in ref.slo.group_by) if worst is not None else ""
    if remaining is None:
        frozen, reason = True, "no error-budget series in Prometheus (are the burnwise rules loaded?)"
    elif remaining <= 0:
        frozen, reason = True, f"error budget exhausted ({remaining:.2%} left)"
    elif remaining < threshold:
        frozen, reason = True, f"error budget {remaining:.2%} left is under the {threshold:.0%} policy threshold"
    else:
        frozen, reason = False, f"error budget {remaining:.2%} left"
    return SLOBudget(service=ref.spec.service, slo=ref.slo.name, objective_percent=float(ref.slo.objective),
                     budget_remaining=remaining, frozen=frozen,
                     reason=reason.replace("-0.00%", "0.00%") + (f" (worst group: {group})" if group else ""))


def gate(service: str, change: str, at_text: str, policy: PolicyUsed, budgets: list[SLOBudget]) -> GateResult:
    """``policy``: the service-wide one; an SLO that carries its own ``policy`` is judged by that."""
    frozen = [b for b in budgets if b.frozen]
    blocking = [b for b in frozen if change not in (b.policy or policy).allow]
    allowed_kinds = sorted(set.intersection(*[set((b.policy or policy).allow) for b in frozen])) if frozen else []
    if not frozen:
        verdict, is_open = "open: every SLO has error budget above the policy threshold", True
    elif not blocking:
        verdict, is_open = (f"open for {change!r} changes only: {len(frozen)} SLO(s) frozen, and the policy "
                            f"allows {', '.join(allowed_kinds)} changes while frozen"), True
    else:
        allowed = ", ".join(allowed_kinds) or "none"
        verdict, is_open = (f"closed: {len(frozen)} SLO(s) frozen by the error-budget policy; only {allowed} "
                            f"changes may ship until the budget recovers"), False
    return GateResult(service=service, change=change, at=at_text, policy=policy, slos=budgets, open=is_open,
                      verdict=verdict)


def render_text(result: GateResult) -> str:
    p = result.policy
    lines = [f"budget gate for {result.service} ({result.change} change) at {result.at}: {result.verdict}",
             f"policy ({p.source}): freeze below {p.freeze_below:.0%}, allow while frozen: {', '.join(p.allow) or 'none'}"]
    for b in result.slos:
        mark = "FROZEN" if b.frozen else "ok"
        own = ""
        if b.policy is not None and b.policy != p:
            own = (f" [policy ({b.policy.source}): freeze below {b.policy.freeze_below:.0%}, "
                   f"allow {', '.join(b.policy.allow) or 'none'}]")
        lines.append(f"  {mark:<6} {b.service}/{b.slo} (objective {b.objective_percent:g}%): {b.reason}{own}")
    return "\n".join(lines)
