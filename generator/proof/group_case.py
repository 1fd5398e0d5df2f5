"""The per-group case of a grouped SLO's generated unit tests: one group fails, the others stay healthy.

Why apart from :mod:`burnwise.generator.proof.cases`: it reuses the outage case the model already
planned (same checks, same minutes) and only changes the input: the failing group gets the
outage's series, a second group healthy traffic over the same time. The assertions are exact, so
the test proves both halves: the failing group pages with its own labels, and no alert carries
the healthy group's labels (promtool fails on any extra ``ALERTS`` sample).
"""

from __future__ import annotations

from decimal import Decimal

from burnwise.generator.grouping import two_groups
from burnwise.generator.promtool.rule_tests import ExpectedSample, InputSeries, PromqlExprTest, RuleTestGroup, series_selector
from burnwise.generator.proof.cases import Case, Planned, SloContext
from burnwise.generator.proof.scenarios import ScenarioError, scenario
from burnwise.generator.proof.series import input_series
from burnwise.generator.proof.timeline import HEALTHY_BURN, STEP, Timeline, build_timeline
from burnwise.generator.spec import SLO
from burnwise.promql.query import parse_selector


def relabelled(series: list[InputSeries], group: dict[str, str]) -> list[InputSeries]:
    out = []
    for item in series:
        selector = parse_selector(item.series)
        labels = {m.name: m.value for m in selector.matchers}
        out.append(InputSeries(series=series_selector(selector.metric, {**labels, **group}), values=item.values))
    return out


def default_group_labels(slo: SLO) -> dict[str, str]:
    """Grouping labels the ordinary cases' series carry (values the selectors pin): their alerts
    carry them too, so the expectations must."""
    if not slo.group_by or slo.sli.raw is not None:
        return {}
    empty = Timeline(0, (Decimal(0), Decimal(1)), (Decimal(0), Decimal(0)), (False, False))
    try:
        series = input_series(slo, empty)
    except ScenarioError:
        return {}
    found = {m.name: m.value for item in series for m in parse_selector(item.series).matchers}
    return {label: found[label] for label in slo.group_by if found.get(label)}


def healthy_like(slo: SLO, like: Timeline) -> Timeline:
    """Healthy traffic for as long as ``like`` (same lead-in): the series of a group that is fine."""
    seconds = (like.minutes - like.lead_in) * STEP
    healthy = scenario("healthy-group", "", max(seconds, STEP), [{"from": 0, "burn": str(HEALTHY_BURN)}])
    timeline = build_timeline(healthy, slo, like.lead_in)
    length = like.minutes + 1
    return Timeline(timeline.lead_in, timeline.events[:length], timeline.errors[:length], timeline.failing[:length])


def one_group_fails(ctx: SloContext, case: Case, planned: Planned) -> RuleTestGroup | None:
    """The outage case of ``ctx``'s SLO with two groups, only the first failing; None (with a note)
    when the SLO is not grouped or two groups cannot be written."""
    slo = ctx.slo
    if not slo.group_by:
        return None
    if slo.sli.raw is not None:
        ctx.notes.append(f"{slo.name}: no per-group test: a raw SLI's test series are written by hand")
        return None
    groups = two_groups(slo)
    if groups is None:
        ctx.notes.append(f"{slo.name}: no per-group test: the SLI's selectors allow one group only")
        return None
    failing, healthy = groups
    timeline, chosen = planned
    if not chosen:
        return None
    series = relabelled(input_series(slo, timeline), failing) + relabelled(input_series(slo, healthy_like(slo, timeline)), healthy)
    # every alert that carries the grouping labels, of any group: the healthy one must be absent
    grouped = "".join(f',{label}!=""' for label in slo.group_by)
    query = f'ALERTS{{alertname="{ctx.alert_name}",alertstate="firing",service="{ctx.spec.service}",slo="{slo.name}"{grouped}}}'
    tests = []
    for minute in sorted(chosen):
        expected, _why = chosen[minute]
        samples = sorted(
            {series_selector("ALERTS", {**ctx.tier_labels[i], **failing, "alertname": ctx.alert_name, "alertstate": "firing"}) for i in expected}
        )
        tests.append(PromqlExprTest(expr=query, eval_time=f"{minute}m", exp_samples=[ExpectedSample(labels=s, value=1) for s in samples]))
    shown = ", ".join(f"{k}={v}" for k, v in failing.items())
    quiet = ", ".join(f"{k}={v}" for k, v in healthy.items())
    return RuleTestGroup(
        name=f"{ctx.spec.service}/{slo.name}: per group: {case.title}, in group {shown} only; group {quiet} stays healthy and silent",
        interval=f"{STEP}s" if STEP % 60 else f"{STEP // 60}m",
        input_series=sorted(series, key=lambda s: s.series),
        promql_expr_test=tests,
    )
