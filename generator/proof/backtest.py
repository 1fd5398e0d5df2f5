"""Alert-quality backtest: replay error scenarios against the rules with the real promtool.

An SRE choosing windows and factors wants numbers: how fast does each tier fire for a full
outage, a 6x burn, a slow leak; does a 10-minute blip page anyone; how much budget is gone
before the first page. This module measures them with Prometheus' own rule evaluation, not a
re-implementation:

1. For every SLO and scenario it writes one promtool test file: the SLO's own rule group (as
   `burnwise generate` renders it), the scenario's series (:mod:`burnwise.generator.proof.scenarios`) after
   ``history`` of healthy traffic, and three expressions evaluated once, at the end, over the
   whole run: the first and last timestamp at which each tier's ``ALERTS`` series was firing,
   and how many times it started firing.
2. The expressions deliberately expect nothing, so promtool prints what it *got*; the wrapper
   (:mod:`burnwise.generator.promtool`) parses those samples and this module turns them into times.

Trade-offs, because long windows make long runs (promtool evaluates every rule at every step):

* Runs longer than 16 hours (history included) are evaluated every 5 minutes instead of every
  minute (input samples stay one minute apart). Detection times are then 5-minute resolution;
  :func:`evaluation_interval` picks this per scenario and ``--eval-interval`` overrides it.
* The healthy ``history`` before a scenario defaults to the SLO's sev2 long window (6h for 30d),
  so page windows start full. Ticket windows longer than that (1d, 3d) see only the history
  there is, like a Prometheus that started that long ago: they fill sooner and fire earlier than
  with weeks of history. ``--history 3d`` removes the effect at several times the run time.
* The Workbook's time ``(1 - SLO) / error_ratio x window x factor`` assumes a window full of
  *zero* errors before the incident; the scenarios' history has 0.2x the sustainable burn, so
  measured times can be slightly shorter.
"""

from __future__ import annotations

import math
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from burnwise.generator import names
from burnwise.durations import format_duration
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.numbers import format_decimal
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.promtool.results import Sample
from burnwise.generator.promtool.rule_tests import (
    InputSeries,
    PromqlExprTest,
    RuleTestFile,
    RuleTestGroup,
)
from burnwise.generator.render import render_rule_file
from burnwise.generator.rules import alerting_rules, rule_groups
from burnwise.generator.proof.scenarios import Scenario, scenario
from burnwise.generator.grouping import two_groups
from burnwise.promql.matchers import quote
from burnwise.generator.proof.group_case import healthy_like, relabelled
from burnwise.generator.proof.series import input_series, testable
from burnwise.generator.proof.timeline import HEALTHY_BURN, STEP, build_timeline
from burnwise.generator.spec import SLO, ServiceSpec
from burnwise.generator.proof.burn_model import tier_detection
from burnwise.generator.proof.scenarios import probe_burns
from burnwise.generator.windows import Tier, tiers_for
from pydantic import BaseModel

#: Runs longer than this (history included) are evaluated every 5 minutes, not every minute.
FINE_LIMIT = 16 * 3600
COARSE_INTERVAL = 300


# --------------------------------------------------------------------------------------------
# Built-in scenarios (sized per SLO: long enough for its slowest tier, not longer)
# --------------------------------------------------------------------------------------------


def _longest(tiers: list[Tier], attr: str) -> int:
    return max((getattr(c, attr) for t in tiers for c in t.conditions), default=3600)


def _sustained(slo: SLO, tiers: list[Tier], burn: Decimal) -> int:
    """Seconds a sustained burn runs: the slowest Workbook detection x 1.2, else the longest window."""
    ratio = burn * slo.error_budget
    times = [t for tier in tiers if (t := tier_detection(tier, slo.error_budget, ratio)) is not None]
    longest = _longest(tiers, "long")
    if not times:
        return longest
    return min(int(max(times) * 1.2) + 600, int(longest * 1.2))


def _whole_minutes(seconds: int) -> int:
    return max(60, -(-seconds // 60) * 60)


def builtin_scenarios(slo: SLO) -> list[Scenario]:
    """The issue's scenario list, with durations fitted to ``slo``'s windows."""
    tiers = tiers_for(slo)
    healthy = str(HEALTHY_BURN)
    recovery = _whole_minutes(_longest(tiers, "short") + 600)
    found: list[Scenario] = []

    def with_recovery(name: str, description: str, active: int, piece: dict) -> Scenario:
        active = _whole_minutes(active)
        return scenario(
            name,
            description,
            active + recovery,
            [{"from": 0, **piece}, {"from": active, "burn": healthy}],
            recovery_at=active,
        )

    found.append(with_recovery("full-outage", "100% errors for 30 minutes, then healthy", 1800, {"ratio": 1}))
    factors = {t.name: [c.factor for c in t.conditions] for t in tiers}
    for burn, expect in probe_burns(factors, slo.error_budget):
        active = _sustained(slo, tiers, burn)
        sides = ", ".join(
            f"{tier} {side} ({'/'.join(format_decimal(f) + 'x' for f in factors[tier])})" for tier, side in expect.items()
        )
        found.append(
            with_recovery(
                f"burn-{format_decimal(burn)}x",
                f"{format_decimal(burn)}x the sustainable burn for {format_duration(_whole_minutes(active))}, then healthy; "
                f"clear of every threshold: {sides}",
                active,
                {"burn": str(burn)},
            ).model_copy(update={"expect": expect})
        )
    for minutes in (5, 10):
        found.append(
            scenario(
                f"blip-{minutes}m",
                f"10x the budget ({format_decimal(min(10 * slo.error_budget, Decimal(1)) * 100)}% errors) for {minutes} minutes",
                minutes * 60 + 3600,
                [{"from": 0, "burn": "10"}, {"from": minutes * 60, "burn": healthy}],
                recovery_at=minutes * 60,
            )
        )
    leak = _whole_minutes(2 * max((c.long for t in tiers if t.name == "sev2" for c in t.conditions), default=6 * 3600))
    found.append(
        with_recovery("slow-leak", f"errors rising linearly from 0 to 20x the budget over {format_duration(leak)}", leak, {"burn": "0", "to_burn": "20"})
    )
    found.append(
        scenario(
            "flapping",
            "100% errors for 5 minutes every 30 minutes, for 3 hours",
            3 * 3600,
            [{"from": 0, "ratio": 1}, {"from": 300, "burn": healthy}],
            cycle=1800,
        )
    )
    found.append(scenario("zero-traffic", "no requests at all for 2 hours", 7200, [{"from": 0, "ratio": 0}], traffic=0))
    low = str(Decimal(10) / Decimal(3600))
    found.append(
        scenario(
            "low-traffic",
            "10 requests per hour, one of them failing",
            7200,
            [{"from": 0, "ratio": 0}, {"from": 1800, "ratio": 1}, {"from": 2160, "ratio": 0}],
            traffic=low,
            history_traffic=low,
            recovery_at=2160,
        )
    )
    return found


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


class TierResult(BaseModel):
    tier: str
    kind: str
    severity: str
    workbook_seconds: float | None
    detected_seconds: float | None
    reset_seconds: float | None
    still_firing: bool
    onsets: int
    #: The tier's factor needs more than 100% errors at this objective: it can never fire.
    unreachable: bool = False


class ScenarioResult(BaseModel):
    scenario: str
    description: str
    evaluation_interval_seconds: int
    simulated_seconds: int
    paged: bool
    budget_before_first_page: float | None
    tiers: list[TierResult]
    #: Grouped SLOs: which group had the scenario and whether the healthy one stayed silent.
    groups: str | None = None
    healthy_group_alerts: int | None = None
    error: str | None = None


class SloResult(BaseModel):
    service: str
    slo: str
    objective: str
    period: str
    history_seconds: int
    scenarios: list[ScenarioResult]
    skipped: str | None = None


def default_history(slo: SLO) -> int:
    """The sev2 long window (page windows start full), at least one hour."""
    sev2 = [c.long for t in tiers_for(slo) if t.name == "sev2" for c in t.conditions]
    return _whole_minutes(max(sev2 + [3600]))


def evaluation_interval(total_seconds: int) -> int:
    return STEP if total_seconds <= FINE_LIMIT else COARSE_INTERVAL


@dataclass(frozen=True)
class _Job:
    service: ServiceSpec
    source: str
    slo: SLO
    scenario: Scenario
    history: int
    interval: int


def _alerts(spec: ServiceSpec, slo: SLO, name: str, group: dict[str, str] | None = None) -> str:
    extra = "".join(f",{label}={quote(value)}" for label, value in (group or {}).items())
    return f'ALERTS{{alertname="{name}",alertstate="firing",service="{spec.service}",slo="{slo.name}"{extra}}}'


def _queries(spec: ServiceSpec, slo: SLO, name: str, total: int, interval: int, group: dict[str, str] | None = None) -> dict[str, str]:
    alerts = _alerts(spec, slo, name, group)
    span = f"[{format_duration(total)}:{format_duration(interval)}]"
    return {
        "first": f"min_over_time(timestamp({alerts}){span})",
        "last": f"max_over_time(timestamp({alerts}){span})",
        "onsets": f"sum_over_time(({alerts} unless {alerts} offset {format_duration(interval)}){span})",
    }


def _tier_of(sample: Sample, tier_labels: list[dict[str, str]]) -> int | None:
    """The tier an ALERTS sample belongs to, by burnwise's own tier label (``burnwise_tier``) and
    the tier's other rule labels, not by ``severity`` alone: an imported Sloth spec gives both
    page tiers one severity and tells them apart by a label of their own (the spec model refuses
    two enabled page tiers whose labels are equal, so at most one tier matches)."""
    for index, labels in enumerate(tier_labels):
        if all(sample.labels.get(name) == value for name, value in labels.items()):
            return index
    return None


def unreachable(tier: Tier, slo: SLO) -> bool:
    """True when no condition of ``tier`` can fire: its burn factor needs an error ratio above 100%
    (e.g. 14.4x at 80%: 14.4 x 20% = 288%)."""
    return all(c.factor * slo.error_budget >= 1 for c in tier.conditions)


def _run_job(job: _Job, promtool: Promtool, workdir: Path, timeout: float) -> ScenarioResult:
    spec, slo, sc = job.service, job.slo, job.scenario
    tiers = tiers_for(slo)
    rules = alerting_rules(spec, slo)
    name = rules[0].alert if rules else ""
    tier_labels = [rule.labels for rule in rules[: len(tiers)]]
    timeline = build_timeline(sc, slo, job.history // STEP)
    total = timeline.minutes * STEP
    interval = job.interval or evaluation_interval(total)
    total = total // interval * interval
    group = next(g for g in rule_groups(spec) if g.name == names.group_name(spec.service, slo.name))
    directory = workdir / f"{spec.service}-{slo.name}-{sc.name}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "rules.yaml").write_text(render_rule_file([group], job.source), encoding="utf-8")
    series = input_series(slo, timeline)
    groups = two_groups(slo) if slo.sli.raw is None else None
    # grouped SLO: the scenario in one group (the tiers' times are its), healthy traffic in another
    queries = _queries(spec, slo, name, total, interval, groups[0] if groups else None)
    if groups is not None:
        failing, healthy = groups
        series = relabelled(series, failing) + relabelled(input_series(slo, healthy_like(slo, timeline)), healthy)
        span = f"[{format_duration(total)}:{format_duration(interval)}]"
        queries["healthy_group"] = f"max_over_time({_alerts(spec, slo, name, healthy)}{span})"
    test = RuleTestFile(
        rule_files=["rules.yaml"],
        evaluation_interval=f"{interval}s" if interval % 60 else f"{interval // 60}m",
        tests=[
            RuleTestGroup(
                name=sc.name,
                interval="1m",
                input_series=series or [InputSeries(series="burnwise_backtest_placeholder", values="0")],
                promql_expr_test=[
                    PromqlExprTest(expr=expr, eval_time=format_duration(total), exp_samples=[]) for expr in queries.values()
                ],
            )
        ],
    )
    path = test.write(directory / "backtest.test.yaml")
    result = promtool.test_rules([path], timeout=timeout)
    got: dict[str, list[Sample]] = {key: [] for key in queries}
    errors = []
    for failure in result.failures:
        key = next((k for k, q in queries.items() if failure.expr == q), None)
        if failure.kind == "expr" and key is not None:
            got[key] = [s for s in failure.got or [] if isinstance(s, Sample)]
        else:
            errors.append(failure.format())
    history = job.history
    first = {i: None for i in range(len(tiers))}
    last = dict(first)
    onsets = {i: 0 for i in range(len(tiers))}
    for key, store, pick in (("first", first, min), ("last", last, max)):
        for sample in got[key]:
            index = _tier_of(sample, tier_labels)
            if index is not None:
                store[index] = sample.value if store[index] is None else pick(store[index], sample.value)
    for sample in got["onsets"]:
        index = _tier_of(sample, tier_labels)
        if index is not None:
            onsets[index] += int(round(sample.value))
    ratio = sc.steady_ratio(slo.error_budget)
    group_text = None
    if groups is not None:
        fired = len(got["healthy_group"])
        group_text = (
            f"{_labels_text(groups[0])} had the scenario, {_labels_text(groups[1])} stayed healthy and "
            + ("stayed silent" if not fired else f"fired {fired} alert(s)")
        )
    tier_results = []
    for index, tier in enumerate(tiers):
        workbook = tier_detection(tier, slo.error_budget, ratio) if ratio is not None else None
        if workbook is not None and sc.recovery_at is not None and workbook > sc.recovery_at:
            workbook = None
        detected = None if first[index] is None else first[index] - history
        still = last[index] is not None and last[index] >= total - interval
        reset = None
        if last[index] is not None and not still and sc.recovery_at is not None:
            reset = last[index] + interval - (history + sc.recovery_at)
        tier_results.append(
            TierResult(
                tier=tier.name,
                kind=tier.kind,
                severity=tier.severity,
                workbook_seconds=workbook,
                detected_seconds=detected,
                reset_seconds=reset,
                still_firing=still,
                onsets=onsets[index],
                unreachable=unreachable(tier, slo),
            )
        )
    page_times = [r.detected_seconds for r in tier_results if r.kind == "page" and r.detected_seconds is not None]
    budget_used = _budget_before(slo, timeline, history, min(page_times)) if page_times else None
    return ScenarioResult(
        scenario=sc.name,
        description=sc.description,
        evaluation_interval_seconds=interval,
        simulated_seconds=total,
        paged=bool(page_times),
        budget_before_first_page=budget_used,
        tiers=tier_results,
        groups=group_text,
        healthy_group_alerts=len(got["healthy_group"]) if groups is not None else None,
        error="\n".join(errors) or (None if result.ok or got["first"] or not result.failures else "promtool failed"),
    )


def _labels_text(labels: dict[str, str]) -> str:
    return "group " + ", ".join(f"{k}={v}" for k, v in labels.items())


def _budget_before(slo: SLO, timeline, history: int, seconds: float) -> float | None:
    """Errors from the scenario's start to the first page, as a share of the period's budget
    at the scenario's mean traffic."""
    start = history // STEP
    end = min(start + max(int(math.ceil(seconds / STEP)), 0), timeline.minutes)
    scenario_events = timeline.events[start + 1 :]
    if not scenario_events or not sum(scenario_events):
        return None
    mean = sum(scenario_events) / len(scenario_events)
    allowed = slo.error_budget * mean * (slo.period // STEP)
    used = sum(timeline.errors[start + 1 : end + 1])
    return float(used / allowed)


def run_backtest(
    specs: list[LoadedSpec],
    scenarios: list[Scenario] | None = None,
    *,
    promtool: Promtool | None = None,
    history: int | None = None,
    interval: int | None = None,
    jobs: int = 2,
    timeout: float = 900,
    slo_names: set[str] | None = None,
    only: set[str] | None = None,
) -> list[SloResult]:
    """Replay ``scenarios`` (default: :func:`builtin_scenarios` per SLO) against every SLO."""
    promtool = promtool or Promtool.find()
    results: list[SloResult] = []
    work: list[tuple[int, _Job]] = []
    for item in specs:
        for slo in sorted(item.spec.slos, key=lambda s: s.name):
            if slo_names and slo.name not in slo_names and f"{item.spec.service}/{slo.name}" not in slo_names:
                continue
            span = history if history is not None else default_history(slo)
            result = SloResult(
                service=item.spec.service,
                slo=slo.name,
                objective=format_decimal(slo.objective),
                period=format_duration(slo.period),
                history_seconds=span,
                scenarios=[],
                skipped=testable(slo) or (None if tiers_for(slo) else "no alert tiers enabled"),
            )
            results.append(result)
            if result.skipped:
                continue
            for sc in scenarios or builtin_scenarios(slo):
                if only and sc.name not in only:
                    continue
                work.append((len(results) - 1, _Job(item.spec, item.source, slo, sc, span, interval or 0)))
    with tempfile.TemporaryDirectory(prefix="burnwise-backtest-") as tmp:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            outcomes = list(pool.map(lambda pair: _run_job(pair[1], promtool, Path(tmp), timeout), work))
    for (index, _job), outcome in zip(work, outcomes):
        results[index].scenarios.append(outcome)
    return results


# --------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------


def _time(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    seconds = int(round(seconds))
    if seconds < 0:
        return f"-{_time(-seconds)}"
    if seconds == 0:
        return "0s"
    if seconds >= 3600:
        seconds = int(round(seconds / 60)) * 60
    return format_duration(seconds)


CANNOT_FIRE = "cannot fire at this objective"


def format_table(results: list[SloResult]) -> str:
    """One table per SLO; one row per scenario and tier."""
    lines: list[str] = []
    headers = ("scenario", "tier", "workbook", "detected", "reset", "onsets", "paged", "budget@page")
    for result in results:
        title = f"{result.service}/{result.slo}: {result.objective}% over {result.period}, history {_time(result.history_seconds)}"
        lines.append(title)
        if result.skipped:
            lines += [f"  skipped: {result.skipped}", ""]
            continue
        rows = []
        for sc in result.scenarios:
            step = _time(sc.evaluation_interval_seconds)
            for position, tier in enumerate(sc.tiers):
                detected = CANNOT_FIRE if tier.unreachable else _time(tier.detected_seconds)
                reset = "firing" if tier.still_firing else _time(tier.reset_seconds)
                rows.append(
                    (
                        f"{sc.scenario} (every {step})" if position == 0 else "",
                        f"{tier.tier} {tier.kind}",
                        _time(tier.workbook_seconds),
                        detected,
                        reset,
                        str(tier.onsets),
                        ("yes" if sc.paged else "no") if position == 0 else "",
                        (f"{sc.budget_before_first_page * 100:.3g}%" if sc.budget_before_first_page is not None else "-")
                        if position == 0
                        else "",
                    )
                )
            rows += [(f"    per group: {sc.groups}",)] if sc.groups else []  # notes: one cell, not in the widths
            rows += [(f"    error: {sc.error.splitlines()[0]}",)] if sc.error else []
        table = [r for r in rows if len(r) > 1]
        widths = [max(len(h), *(len(r[i]) for r in table)) if table else len(h) for i, h in enumerate(headers)]
        lines.append("  " + "  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
        for row in rows:
            lines.append("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() if len(row) > 1 else row[0])
        lines.append("")
    lines.append(
        "workbook = (1-SLO)/error_ratio x long window x factor for a steady burn; detected/reset are measured by "
        "promtool (reset: from the end of the errors); onsets = times the tier started firing; "
        "budget@page = share of the period's error budget spent before the first page."
    )
    return "\n".join(lines)
