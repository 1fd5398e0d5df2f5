"""The test groups of a generated unit-test file: which scenarios prove an SLO, and where to check.

Why apart from the file writer: choosing cases (quiet times, an outage with recovery, sustained
burns per tier, low traffic, missing data) and placing each check where the
:class:`~burnwise.generator.proof.burn_model.BurnModel` is clear of every threshold is the
reasoning of the generated proof; :mod:`burnwise.generator.proof.unit_tests` only memoises it per
kind of SLO and writes the files.
"""

from __future__ import annotations


import math
from dataclasses import dataclass, field
from decimal import Decimal

from burnwise.generator import names
from burnwise.durations import format_duration
from burnwise.generator.numbers import format_decimal
from burnwise.generator.promtool.rule_tests import (
    ExpectedSample,
    PromqlExprTest,
    RuleTestGroup,
    series_selector,
)
from burnwise.generator.rules import alerting_rules
from burnwise.generator.proof.scenarios import Scenario, scenario
from burnwise.generator.proof.series import input_series
from burnwise.generator.proof.timeline import HEALTHY_BURN, STEP, Timeline, build_timeline, default_traffic
from burnwise.generator.proof.burn_model import MARGIN, BurnModel, tier_detection
from burnwise.generator.spec import SLO, ServiceSpec
from burnwise.generator.windows import Tier, tiers_for


#: Minutes of healthy traffic before every scenario: raw windows (<= 1h) are full, and longer
#: windows have history for a burn to be diluted by.
LEAD_IN = 60
#: Burns used to prove the slower tiers: this multiple of their factor, kept below the faster
#: tiers' factors (sev2 below 90% of sev1's, the ticket below 80% of the pages').
OVERSHOOT = Decimal("2.5")
#: The longest a burn test may run before its tier must have fired (the model decides when).
MAX_BURN_MINUTES = 12 * 60
#: Reset checks need the short window to pass; longer short windows are left to the backtest.
RESET_CHECK_LIMIT = 2 * 3600
#: The blip: 10x the budget (1% errors at 99.9%) for 10 minutes.
BLIP_BURN = Decimal("10")
BLIP_MINUTES = 10


def _minutes_text(minutes: int) -> str:
    return format_duration(minutes * 60) if minutes > 0 else "0m"


def _seconds_text(seconds: float) -> str:
    """`52s`, `2m10s`; whole minutes from an hour on (`2h47m`)."""
    whole = int(round(seconds))
    if whole <= 0:
        return "0s"
    return format_duration(whole if whole < 3600 else int(round(whole / 60)) * 60)


@dataclass
class Check:
    """A claim to prove near minute ``target``: search there first, then earlier, then later."""

    target: int
    why: str
    tier: int | None = None  # the tier the claim is about (must be firing / quiet)
    firing: bool | None = None


@dataclass
class Case:
    key: str
    title: str
    scenario: Scenario
    checks: list[Check]
    traffic: Decimal | None = None
    scan_for: tuple[int, str] | None = None  # (tier index, why): check the first robust firing minute
    lead_in: int = LEAD_IN


@dataclass
class SloContext:
    spec: ServiceSpec
    slo: SLO
    tiers: list[Tier]
    alert_name: str
    tier_labels: list[dict[str, str]]
    notes: list[str] = field(default_factory=list)


def slo_context(spec: ServiceSpec, slo: SLO) -> SloContext:
    tiers = tiers_for(slo)
    rules = alerting_rules(spec, slo)[: len(tiers)]
    series_labels = {**spec.labels, **slo.labels, "service": spec.service, "slo": slo.name}
    labels = [{**series_labels, **rule.labels} for rule in rules]
    name = rules[0].alert if rules else names.default_alert_name(spec.service, slo.name)
    return SloContext(spec, slo, tiers, name, labels)


def _alerts_query(name: str, spec: ServiceSpec, slo: SLO) -> str:
    return f'ALERTS{{alertname="{name}",alertstate="firing",service="{spec.service}",slo="{slo.name}"}}'


def _alerts_samples(name: str, labels: list[dict[str, str]]) -> list[ExpectedSample]:
    samples = {
        series_selector("ALERTS", {**tier_labels, "alertname": name, "alertstate": "firing"})
        for tier_labels in labels
    }
    return [ExpectedSample(labels=text, value=1) for text in sorted(samples)]


def _search(model: BurnModel, check: Check, low: int, high: int) -> tuple[int, tuple[int, ...]] | None:
    """The minute nearest ``check.target`` (earlier first) where every tier is clear of its
    threshold, preferring minutes where the claim holds."""
    target = check.target
    order = [target] + list(range(target - 1, max(low, target - 10) - 1, -1)) + list(range(target + 1, min(high, target + 30) + 1))
    robust = [(k, e) for k in order if (e := model.expected(k)) is not None]
    if check.tier is not None:
        for k, expected in robust:
            if (check.tier in expected) == check.firing:
                return k, expected
    return robust[0] if robust else None


Planned = tuple[Timeline, dict[int, tuple[tuple[int, ...], list[str]]]]


def plan_group(ctx: SloContext, case: Case) -> Planned:
    """The model's part of a test group: the minutes to check and the tiers firing there, and the
    timeline trimmed to the last of them. Notes on checks left out go to ``ctx.notes``."""
    slo = ctx.slo
    timeline = build_timeline(case.scenario, slo, case.lead_in, traffic=case.traffic)
    model = BurnModel(slo, timeline)
    checks = list(case.checks)
    if case.scan_for is not None:
        tier_index, why = case.scan_for
        first = model.first_firing(tier_index, case.lead_in + 1)
        if first is None:
            ctx.notes.append(f"{slo.name}: {case.key}: {ctx.tiers[tier_index].name} never fires clearly in the model; check left out")
        else:
            checks.append(Check(first, why.format(minutes=_minutes_text(first - case.lead_in)), tier_index, True))
    chosen: dict[int, tuple[tuple[int, ...], list[str]]] = {}
    for check in checks:
        found = _search(model, check, case.lead_in // 2, timeline.minutes)
        if found is None:
            ctx.notes.append(f"{slo.name}: {case.key}: no unambiguous minute near {check.target}m for: {check.why}")
            continue
        minute, expected = found
        if check.tier is not None and (check.tier in expected) != check.firing:
            state = "fires" if check.tier in expected else "stays quiet"
            ctx.notes.append(
                f"{slo.name}: {case.key}: the model says {ctx.tiers[check.tier].name} {state} at {minute}m,"
                f" contrary to the claim ({check.why}); the test asserts the model"
            )
        chosen.setdefault(minute, (expected, []))[1].append(check.why)
    if not chosen:
        return timeline, chosen
    last = max(chosen)
    if last < timeline.minutes:  # trim the series to what the checks need
        trimmed = Timeline(
            timeline.lead_in, timeline.events[: last + 1], timeline.errors[: last + 1], timeline.failing[: last + 1]
        )
        timeline = trimmed
    return timeline, chosen


def build_group(ctx: SloContext, case: Case, planned: Planned) -> RuleTestGroup | None:
    """The test group of a planned case, with the SLO's own names, labels and series."""
    slo = ctx.slo
    timeline, chosen = planned
    if not chosen:
        return None
    tests = []
    for minute in sorted(chosen):
        expected, _why = chosen[minute]
        labels = [ctx.tier_labels[i] for i in expected]
        tests.append(
            PromqlExprTest(
                expr=_alerts_query(ctx.alert_name, ctx.spec, slo),
                eval_time=f"{minute}m",
                exp_samples=_alerts_samples(ctx.alert_name, labels),
            )
        )
    return RuleTestGroup(
        name=f"{ctx.spec.service}/{slo.name}: {case.title}",
        interval=f"{STEP}s" if STEP % 60 else f"{STEP // 60}m",
        input_series=input_series(slo, timeline),
        promql_expr_test=tests,
    )


def _reachable(tier: Tier, budget: Decimal) -> bool:
    return any(budget * c.factor * (1 + Decimal(str(MARGIN))) < 1 for c in tier.conditions)


def cases_for(ctx: SloContext) -> list[Case]:
    slo, tiers = ctx.slo, ctx.tiers
    budget = slo.error_budget
    raw = slo.sli.raw is not None
    healthy = Decimal(0) if raw else HEALTHY_BURN
    cases: list[Case] = []
    lead = _minutes_text(LEAD_IN)

    # 1. quiet times, one after another (one history, fewer evaluation steps): healthy traffic for
    #    twice the usual history, a 10-minute blip at 10x the budget, then (counting SLIs) no
    #    traffic at all. Two hours of history keep the blip from dominating the long ticket
    #    windows, as it would on a Prometheus started an hour earlier.
    quiet_lead = 2 * LEAD_IN
    blip_share = format_decimal(min(BLIP_BURN * budget, Decimal(1)) * 100)
    pieces = [{"from": 0, "burn": str(BLIP_BURN)}, {"from": BLIP_MINUTES * 60, "burn": str(healthy)}]
    after = BLIP_MINUTES + 30
    checks = [Check(quiet_lead // 4, "healthy"), Check(quiet_lead, "healthy")]
    checks += [Check(quiet_lead + m, "the blip fires nothing") for m in (BLIP_MINUTES // 2, BLIP_MINUTES, BLIP_MINUTES + 5, BLIP_MINUTES + 15, after)]
    extra: dict = {}
    title = (
        f"healthy traffic ({format_decimal(healthy)}x the sustainable burn) for {_minutes_text(quiet_lead)}, "
        f"then a {BLIP_MINUTES}m blip at {format_decimal(BLIP_BURN)}x the budget ({blip_share}% errors)"
    )
    if not raw:
        pieces.append({"from": after * 60, "ratio": 0})
        extra["traffic"] = [{"from": 0, "value": str(default_traffic(slo))}, {"from": after * 60, "value": 0}]
        checks += [Check(quiet_lead + after + 10, "zero traffic"), Check(quiet_lead + after + 20, "zero traffic")]
        title += ", then zero traffic (no events: no ratio, not NaN)"
        duration = after + 20
    else:
        duration = after
    cases.append(
        Case(
            "quiet",
            title + ": nothing fires",
            scenario("quiet", "", duration * 60, pieces, **extra),
            checks,
            lead_in=quiet_lead,
        )
    )

    # 2. full outage, then recovery
    reachable = [i for i, tier in enumerate(tiers) if _reachable(tier, budget)]
    if reachable:
        bounds = {i: tier_detection(tiers[i], budget, Decimal(1)) for i in reachable}
        bound_minutes = {i: math.ceil(bounds[i] / 60) + 2 for i in reachable}
        outage = max(max(bound_minutes.values()) + 10, 15)
        shorts = {i: max(c.short for c in tiers[i].conditions) // 60 for i in reachable}
        resets = [i for i in reachable if shorts[i] * 60 <= RESET_CHECK_LIMIT]
        for i in reachable:
            if i not in resets:
                ctx.notes.append(
                    f"{slo.name}: {tiers[i].name} reset after an outage is not checked here (short window "
                    f"{format_duration(shorts[i] * 60)}); `burnwise backtest` measures it"
                )
        recovery = max([shorts[i] for i in resets], default=0) + 10
        checks = [Check(LEAD_IN, "nothing before the outage")]
        claims = []
        for i in reachable:
            checks.append(
                Check(
                    LEAD_IN + bound_minutes[i],
                    f"{tiers[i].name} within Workbook {_seconds_text(bounds[i])} + 1m evaluation + 1m scrape",
                    i,
                    True,
                )
            )
            claims.append(f"{tiers[i].name} by +{bound_minutes[i]}m (Workbook {_seconds_text(bounds[i])} + 2m)")
        checks.append(Check(LEAD_IN + outage, "all reachable tiers fire at the end of the outage"))
        for i in resets:
            checks.append(
                Check(LEAD_IN + outage + shorts[i] + 2, f"{tiers[i].name} stops within its short window ({shorts[i]}m) + 2m", i, False)
            )
        cases.append(
            Case(
                "outage",
                f"full outage ({outage}m after {lead} healthy) pages {', '.join(claims)}; {'each page' if resets else 'nothing'} stops within its short window after recovery",
                scenario(
                    "outage",
                    "",
                    (outage + recovery) * 60,
                    [{"from": 0, "ratio": 1}, {"from": outage * 60, "burn": str(healthy)}],
                ),
                checks,
            )
        )

    # 3./4. sustained burns above the sev2 and the ticket factors (counting SLIs only)
    page_factors = [c.factor for t in tiers if t.kind == "page" for c in t.conditions]
    sev1_factors = [c.factor for t in tiers if t.name == "sev1" for c in t.conditions]
    for tier_name, ceiling in (
        ("sev2", min(sev1_factors) * Decimal("0.9") if sev1_factors else None),
        ("sev3", min(page_factors) * Decimal("0.8") if page_factors else None),
    ):
        index = next((i for i, t in enumerate(tiers) if t.name == tier_name), None)
        if index is None:
            continue
        if raw:
            ctx.notes.append(
                f"{slo.name}: no {tier_name} burn test: a raw SLI's test series are only healthy or failing, "
                "so partial burns cannot be made without flapping short windows"
            )
            continue
        tier = tiers[index]
        lowest = min(c.factor for c in tier.conditions)
        burn = lowest * OVERSHOOT if ceiling is None else min(lowest * OVERSHOOT, ceiling)
        ratio = burn * budget
        if ratio >= 1 or burn <= lowest * (1 + Decimal(str(MARGIN))):
            ctx.notes.append(f"{slo.name}: no {tier_name} burn test: no burn rate fires it without firing a faster tier")
            continue
        workbook = tier_detection(tier, budget, ratio)
        horizon = min(int((workbook or 6 * 3600) * 1.5 / 60) + 60, MAX_BURN_MINUTES)
        kind = "page" if tier.kind == "page" else "ticket"
        cases.append(
            Case(
                f"{tier_name}-burn",
                f"sustained {format_decimal(burn)}x burn after {lead} healthy: the {tier_name} {kind} fires "
                f"(Workbook time with full history: {_seconds_text(workbook or 0)}; less history fills long windows sooner)",
                scenario(f"{tier_name}-burn", "", horizon * 60, [{"from": 0, "burn": str(burn)}]),
                [Check(LEAD_IN, "nothing before the burn")],
                scan_for=(index, f"{tier_name} fires {{minutes}} into the burn"),
            )
        )

    # 7. min_events: an outage at traffic too low for the fastest tier
    if slo.min_events is not None and tiers and not raw:
        fastest = min(range(len(tiers)), key=lambda i: min(c.long for c in tiers[i].conditions))
        shortest = min(c.long for c in tiers[fastest].conditions)
        low = (Decimal(slo.min_events) / Decimal(2 * shortest)).quantize(Decimal("0.0001"))
        cases.append(
            Case(
                "low-traffic",
                f"full outage at {format_decimal(low)} events/s: fewer than min_events ({slo.min_events}) in "
                f"{format_duration(shortest)}, so {tiers[fastest].name} stays quiet",
                scenario("low-traffic", "", (shortest // 60 + 20) * 60, [{"from": 0, "ratio": 1}], traffic=str(low)),
                [
                    Check(LEAD_IN + shortest // 60 // 2, f"{tiers[fastest].name} quiet below min_events", fastest, False),
                    Check(LEAD_IN + shortest // 60 + 10, f"{tiers[fastest].name} quiet below min_events", fastest, False),
                ],
                traffic=low,
            )
        )
    return cases


def no_data_group(ctx: SloContext) -> RuleTestGroup | None:
    """No SLI series at all: `<alert>NoData` fires after `no_data_for`, not before."""
    spec, slo = ctx.spec, ctx.slo
    wait = slo.alerting.no_data_for
    if wait is None:
        return None
    rule = next((r for r in alerting_rules(spec, slo) if r.alert.endswith("NoData")), None)
    if rule is None:
        return None
    minutes = wait // 60
    labels = {"service": spec.service, "slo": slo.name, **rule.labels}
    query = _alerts_query(rule.alert, spec, slo)
    return RuleTestGroup(
        name=f"{spec.service}/{slo.name}: no SLI series at all: {rule.alert} fires after {format_duration(wait)}, not before",
        interval="1m",
        input_series=[],
        promql_expr_test=[
            PromqlExprTest(expr=query, eval_time=f"{max(minutes - 2, 0)}m", exp_samples=[]),
            PromqlExprTest(expr=query, eval_time=f"{minutes + 2}m", exp_samples=_alerts_samples(rule.alert, [labels])),
        ],
    )
