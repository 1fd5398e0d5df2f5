"""Generated promtool unit tests: for every SLO, proof that its alerts fire when they must.

`burnwise generate` writes ``tests/<service>.test.yaml`` next to the rule files. Each SLO gets a
few test groups, each a synthetic scenario from :mod:`burnwise.generator.scenarios` after healthy history
(an hour; two before the blip): quiet times (healthy traffic, a 10-minute blip at 10x the budget,
zero traffic), a full outage with recovery, a sustained burn above the sev2 factor, one above the
ticket's lowest factor, a low-traffic outage (`min_events`) and missing data (`no_data_for`).
Every group starts a fresh Prometheus, so the test files stay independent and readable.

What each test expects is derived from the spec, never typed in: :class:`BurnModel` computes,
minute by minute, the burn rate of every window the alerts read (the window arithmetic of
:mod:`burnwise.generator.rules`: raw windows up to an hour, longer ones summed from recorded boxes) and so
which tiers fire. promtool then checks the real rules against that. Checks are placed only where
every condition is clear of its threshold by :data:`MARGIN` (a check on a knife's edge would test
float rounding, not the rules), and as close as possible to the claim they prove (e.g. "sev1
pages within the Workbook detection time + one evaluation interval + one scrape interval").
The model runs once per kind of SLO: SLOs that differ only in names, labels and queries
(:data:`MODEL_BLIND_FIELDS`) share its results, which is most of a fleet.

Assertions use promql_expr_test on the ``ALERTS`` series, not alert_rule_test: promtool compares
annotations in alert tests, and burnwise's annotations print the live burn rate.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from burnwise.generator import names
from burnwise.layout import rule_file_from_tests, unit_test_file_name
from burnwise.generator.durations import format_duration
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.numbers import format_decimal
from burnwise.generator.promtool_tests import (
    ExpectedSample,
    PromqlExprTest,
    RuleTestFile,
    RuleTestGroup,
    series_selector,
)
from burnwise.generator.render import header
from burnwise.generator.rules import alerting_rules
from burnwise.generator.scenarios import (
    HEALTHY_BURN,
    STEP,
    Scenario,
    ScenarioError,
    Timeline,
    build_timeline,
    default_traffic,
    input_series,
    scenario,
    testable,
)
from burnwise.generator.spec import SLO, ServiceSpec
from burnwise.generator.windows import Tier, tiers_for

#: Minutes of healthy traffic before every scenario: raw windows (<= 1h) are full, and longer
#: windows have history for a burn to be diluted by.
LEAD_IN = 60
#: A check is placed only where every burn rate (and event count) is this far from its threshold.
MARGIN = 0.05
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


# --------------------------------------------------------------------------------------------
# The reference model
# --------------------------------------------------------------------------------------------


def _and(values) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _above(value: float | None, threshold: float) -> bool | None:
    """True/False when clearly above/below ``threshold``; None on the edge. Absent is False."""
    if value is None:
        return False
    if value > threshold * (1 + MARGIN) + 1e-12:
        return True
    if value < threshold * (1 - MARGIN):
        return False
    return None


class BurnModel:
    """Burn rates of an SLO's windows over a :class:`Timeline`, at each evaluation minute.

    Every window holds the increments of its last ``w`` minutes (samples one minute apart, so a
    range ``[t-w, t]`` does), clipped to the history there is: windows up to an hour read the input
    counters, longer ones are sums of recorded boxes (:func:`burnwise.generator.rules.tiled_window`) that
    add up to the same increments. A raw SLI's query runs over every window; it is taken to be a
    time average of its per-minute state (healthy 0, failing ``failing_error_ratio``), which is
    what the ``test_series`` hook promises.
    """

    def __init__(self, slo: SLO, timeline: Timeline) -> None:
        self.slo = slo
        self.timeline = timeline
        self.budget = float(slo.error_budget)
        self.raw = slo.sli.raw is not None
        self.tiers = tiers_for(slo)
        size = timeline.minutes + 1
        if self.raw:
            ratio = float(slo.sli.raw.test_series.failing_error_ratio) if slo.sli.raw.test_series else 1.0
            values = [ratio if timeline.failing[m] else 0.0 for m in range(size)]
            self._r = self._prefix(values)
        else:
            self._e = self._prefix([float(v) for v in timeline.errors])
            self._n = self._prefix([float(v) for v in timeline.events])
        self._states: dict[int, tuple[bool | None, ...]] = {}

    @staticmethod
    def _prefix(values: list[float]) -> list[float]:
        sums = [0.0]
        for value in values:
            sums.append(sums[-1] + value)
        return sums  # sums[m + 1] = values[0..m]

    def _sum(self, prefix: list[float], first: int, last: int) -> float:
        """Sum of values at minutes ``first..last`` (clipped to the timeline)."""
        first, last = max(first, 0), min(last, len(prefix) - 2)
        return prefix[last + 1] - prefix[first] if last >= first else 0.0

    def counts(self, window: int, k: int) -> tuple[float, float]:
        """(errors, events) in ``window`` seconds at minute ``k`` (counting SLIs)."""
        minutes = window // STEP
        return self._sum(self._e, k - minutes + 1, k), self._sum(self._n, k - minutes + 1, k)

    def _raw_ratio(self, window: int, k: int) -> float | None:
        """The mean state over the points of ``[k - window, k]`` that exist (the query's own range)."""
        first = max(k - window // STEP, 0)
        points = k - first + 1
        return self._sum(self._r, first, k) / points if points > 0 else None

    def burn(self, window: int, k: int) -> float | None:
        """Burn rate over ``window`` at minute ``k`` (None when there are no events)."""
        if self.raw:
            ratio = self._raw_ratio(window, k)
        else:
            errors, events = self.counts(window, k)
            ratio = errors / events if events > 0 else None
        return None if ratio is None else ratio / self.budget

    def _tier(self, tier: Tier, k: int) -> bool | None:
        blocks = []
        for condition in tier.conditions:
            factor = float(condition.factor)
            parts = [_above(self.burn(condition.long, k), factor), _above(self.burn(condition.short, k), factor)]
            if self.slo.min_events is not None and not self.raw:
                parts.append(_above(self.counts(condition.long, k)[1], float(self.slo.min_events)))
            blocks.append(_and(parts))
        return _or(blocks)

    def states(self, k: int) -> tuple[bool | None, ...]:
        """Per tier: firing (True), quiet (False) or too close to call (None) at minute ``k``."""
        if k not in self._states:
            self._states[k] = tuple(self._tier(tier, k) for tier in self.tiers)
        return self._states[k]

    def expected(self, k: int) -> tuple[int, ...] | None:
        """Indexes of the tiers firing at minute ``k``, or None when any tier is on an edge.

        A raw SLI's states must also hold a minute either side (its query's sampling of the
        window may differ from the model's by a point).
        """
        if k < 1 or k > self.timeline.minutes:
            return None
        neighbours = (k - 1, k, k + 1) if self.raw else (k,)
        seen = {self.states(m) for m in neighbours if 1 <= m <= self.timeline.minutes}
        if len(seen) != 1:
            return None
        states = seen.pop()
        if any(state is None for state in states):
            return None
        return tuple(i for i, state in enumerate(states) if state)

    def first_firing(self, tier_index: int, start: int) -> int | None:
        for k in range(start, self.timeline.minutes + 1):
            expected = self.expected(k)
            if expected is not None and tier_index in expected:
                return k
        return None


# --------------------------------------------------------------------------------------------
# Test groups
# --------------------------------------------------------------------------------------------


def workbook_detection(condition_long: int, factor: Decimal, budget: Decimal, ratio: Decimal) -> float | None:
    """The Workbook's detection time, ``(1-SLO) / error_ratio x window x factor``, in seconds."""
    if ratio < budget * factor:
        return None
    return float(budget / ratio * condition_long * factor)


def tier_detection(tier: Tier, budget: Decimal, ratio: Decimal) -> float | None:
    times = [workbook_detection(c.long, c.factor, budget, ratio) for c in tier.conditions]
    times = [t for t in times if t is not None]
    return min(times) if times else None


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


def _context(spec: ServiceSpec, slo: SLO) -> SloContext:
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


def _plan_group(ctx: SloContext, case: Case) -> Planned:
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


def _build_group(ctx: SloContext, case: Case, planned: Planned) -> RuleTestGroup | None:
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


def _cases(ctx: SloContext) -> list[Case]:
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


def _no_data_group(ctx: SloContext) -> RuleTestGroup | None:
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


# --------------------------------------------------------------------------------------------
# One model run per kind of SLO
# --------------------------------------------------------------------------------------------

#: Spec fields that name, label, describe or select and never reach the model; blanked in the
#: model's view of an SLO (below), so SLOs that differ only in them share one model run. The memo
#: key is the SLO without these fields and the model computes on the view, where they are
#: constants, so the key fixes everything the model can see: a field added to the spec later is
#: part of the key until it is listed here, and a listed field the model starts to read shows up
#: as wrong expected values for every SLO, not only for memo hits.
MODEL_BLIND_FIELDS: dict[tuple[str, ...], object] = {
    ("name",): "memo-slo",
    ("description",): "",
    ("labels",): {},
    ("sli", "events", "error_query"): "memo_errors[{{.window}}]",
    ("sli", "events", "total_query"): "memo_events[{{.window}}]",
    ("sli", "latency", "metric"): "memo_histogram",
    ("sli", "latency", "selector"): "",
    ("sli", "latency", "threshold"): Decimal(1),
    ("sli", "raw", "error_ratio_query"): "memo_ratio[{{.window}}]",
    ("sli", "raw", "test_series", "healthy"): {},
    ("sli", "raw", "test_series", "failing"): {},
    ("alerting", "name"): None,
    ("alerting", "labels"): {},
    ("alerting", "annotations"): {},
    ("alerting", "runbook_url"): None,
    ("alerting", "no_data_for"): None,  # the no-data group is built outside the model
    **{("alerting", cls, part): {} for cls in ("page", "ticket") for part in ("labels", "annotations")},
    **{("alerting", "tiers", tier, part): {} for tier in ("sev1", "sev2", "sev3") for part in ("labels", "annotations")},
}
_MEMO_LIMIT = 4096
_memo: dict[str, SloPlan] = {}


def _replaced(model, path: tuple[str, ...], value: object):
    """``model`` with the field at ``path`` set to ``value`` (unchanged where the path is absent)."""
    head, rest = path[0], path[1:]
    if rest:
        inner = getattr(model, head)
        if inner is None:
            return model
        value = _replaced(inner, rest, value)
    return model.model_copy(update={head: value})


def _model_view(slo: SLO) -> SLO:
    """The SLO as the model sees it: :data:`MODEL_BLIND_FIELDS` blanked."""
    for path, value in MODEL_BLIND_FIELDS.items():
        slo = _replaced(slo, path, value)
    return slo


@dataclass(frozen=True)
class SloPlan:
    """The model's results for one kind of SLO: the cases, and per case its planned checks (or
    why it was left out) and notes. Notes begin with ``name``, the name the model saw."""

    name: str
    notes: tuple[str, ...]
    cases: tuple[tuple[Case, Planned | str, tuple[str, ...]], ...]

    def notes_for(self, name: str, notes: tuple[str, ...]) -> list[str]:
        """``notes`` as written for the SLO called ``name``."""
        prefix = f"{self.name}: "
        if not all(note.startswith(prefix) for note in notes):
            raise AssertionError(f"a model note does not start with the SLO name: {notes}")
        return [f"{name}: {note[len(prefix):]}" for note in notes]


def _plan_slo(slo: SLO) -> SloPlan:
    """Run the model for every case of ``slo`` (its view: nothing here may name the service)."""
    ctx = SloContext(spec=None, slo=slo, tiers=tiers_for(slo), alert_name="", tier_labels=[])  # type: ignore[arg-type]
    cases = _cases(ctx)
    before = tuple(ctx.notes)
    planned: list[tuple[Case, Planned | str, tuple[str, ...]]] = []
    for case in cases:
        start = len(ctx.notes)
        try:
            result: Planned | str = _plan_group(ctx, case)
        except ScenarioError as exc:
            result = str(exc)
        planned.append((case, result, tuple(ctx.notes[start:])))
    return SloPlan(slo.name, before, tuple(planned))


def _exclude(paths) -> dict:
    """Pydantic's nested ``exclude`` argument for a set of field paths."""
    tree: dict = {}
    for path in paths:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = True
    return tree


_BLIND_EXCLUDE = _exclude(MODEL_BLIND_FIELDS)


def _slo_plan(slo: SLO) -> SloPlan:
    """:func:`_plan_slo` of the SLO's model view, computed once per distinct view.

    The key is the SLO without its blind fields, which the view replaces by constants: one key,
    one view (and serialising once is cheaper than building the view for every SLO)."""
    key = slo.model_dump_json(exclude=_BLIND_EXCLUDE)
    plan = _memo.get(key)
    if plan is None:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        plan = _memo[key] = _plan_slo(_model_view(slo))
    return plan


def slo_test_groups(spec: ServiceSpec, slo: SLO) -> tuple[list[RuleTestGroup], list[str]]:
    """The test groups of one SLO and notes on anything left out (and why)."""
    reason = testable(slo)
    if reason is not None:
        return [], [f"{slo.name}: no generated tests: {reason}"]
    ctx = _context(spec, slo)
    groups = []
    if ctx.tiers:
        plan = _slo_plan(slo)
        ctx.notes.extend(plan.notes_for(slo.name, plan.notes))
        for case, planned, notes in plan.cases:
            ctx.notes.extend(plan.notes_for(slo.name, notes))
            try:
                if isinstance(planned, str):
                    raise ScenarioError(planned)
                group = _build_group(ctx, case, planned)
            except ScenarioError as exc:  # e.g. a raw hook whose notation cannot be read
                ctx.notes.append(f"{slo.name}: {case.key}: left out: {exc}")
                continue
            if group is not None:
                groups.append(group)
    no_data = _no_data_group(ctx)
    if no_data is not None:
        groups.append(no_data)
    return groups, ctx.notes


def render_test_file(item: LoadedSpec) -> str:
    spec = item.spec
    groups: list[RuleTestGroup] = []
    notes: list[str] = []
    for slo in sorted(spec.slos, key=lambda s: s.name):
        slo_groups, slo_notes = slo_test_groups(spec, slo)
        groups += slo_groups
        notes += slo_notes
    test_file = RuleTestFile(rule_files=[rule_file_from_tests(spec.service)], evaluation_interval="1m", tests=groups)
    comment = "".join(f"# note: {note}\n" for note in notes)
    return header(item.source) + comment + test_file.to_yaml()


def unit_test_files(specs: list[LoadedSpec]) -> dict[str, str]:
    """``{"tests/<service>.test.yaml": text}`` for every spec (picked up by the pipeline)."""
    return {unit_test_file_name(item.spec.service): render_test_file(item) for item in specs}
