"""The generated unit test of the opt-in `<alert>BudgetExhausted` ticket (`alerting.budget_exhausted_for`).

Why a case of its own: the burn-rate model places checks by window arithmetic, but this alert
reads only the period's budget remaining, so its proof is simpler: healthy traffic (0.2x the
sustainable burn) leaves budget and nothing fires; then a full outage, which on a fresh
Prometheus (one hour of history) uses the budget up within a minute or two; the alert fires once
that has lasted `budget_exhausted_for`, not before.
"""

from __future__ import annotations

from burnwise.durations import format_duration
from burnwise.generator.promtool.rule_tests import ExpectedSample, PromqlExprTest, RuleTestGroup, series_selector
from burnwise.generator.proof.cases import LEAD_IN, SloContext
from burnwise.generator.proof.group_case import default_group_labels
from burnwise.generator.proof.scenarios import ScenarioError, scenario
from burnwise.generator.proof.series import input_series
from burnwise.generator.proof.timeline import STEP, build_timeline
from burnwise.generator.rules import alerting_rules

#: Minutes after the outage starts by which the budget of a fresh Prometheus is surely used up.
EXHAUSTED_WITHIN = 3


def budget_exhausted_group(ctx: SloContext) -> RuleTestGroup | None:
    spec, slo = ctx.spec, ctx.slo
    wait = slo.alerting.budget_exhausted_for
    if wait is None or slo.sli.raw is not None:
        if wait is not None:
            ctx.notes.append(f"{slo.name}: no BudgetExhausted test: a raw SLI's period ratio is a 5m average")
        return None
    rule = next((r for r in alerting_rules(spec, slo) if r.alert.endswith("BudgetExhausted")), None)
    if rule is None:
        return None
    minutes = -(-wait // 60)
    fires_by = LEAD_IN + EXHAUSTED_WITHIN + minutes + 1
    outage = scenario("budget", "", (fires_by - LEAD_IN + 1) * 60, [{"from": 0, "ratio": 1}])
    try:
        series = input_series(slo, build_timeline(outage, slo, LEAD_IN))
    except ScenarioError as exc:
        ctx.notes.append(f"{slo.name}: no BudgetExhausted test: {exc}")
        return None
    labels = {**spec.labels, **slo.labels, **default_group_labels(slo), **rule.labels, "alertname": rule.alert, "alertstate": "firing"}
    query = f'ALERTS{{alertname="{rule.alert}",alertstate="firing",service="{spec.service}",slo="{slo.name}"}}'
    checks = [(LEAD_IN, []), (LEAD_IN + 1, [])]  # healthy: budget left; the outage's first minute: not yet for long enough
    checks.append((fires_by, [ExpectedSample(labels=series_selector("ALERTS", labels), value=1)]))
    return RuleTestGroup(
        name=(
            f"{spec.service}/{slo.name}: healthy {format_duration(LEAD_IN * 60)} leaves budget, a full outage uses it up: "
            f"{rule.alert} fires after {format_duration(wait)} of an exhausted budget, not before"
        ),
        interval=f"{STEP // 60}m",
        input_series=series,
        promql_expr_test=[PromqlExprTest(expr=query, eval_time=f"{m}m", exp_samples=s) for m, s in checks],
    )
