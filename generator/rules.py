"""Recording and alerting rules for one SLO, built from the spec model and its windows.

Cost and correctness choices, each against a known failure of today's tools:

* Counting SLIs read their raw series only for windows up to
  :data:`~burnwise.generator.windows.RAW_HORIZON` (1h). Every longer window (2h, 6h, 1d, 3d, the 30d
  period) is a sum of recorded boxes (:func:`~burnwise.generator.windows.tile`): 6h is the 2h recording now,
  2h ago and 4h ago; 30d is ten 3d recordings. A 3d window never runs ``rate(x[3d])`` over
  high-cardinality raw series, and adjacent boxes add up to what ``rate(x[W])`` sees (exactly
  when samples sit on the seams, as in promtool; in production up to how ``rate()`` splits the
  one scrape interval straddling each seam), so long windows fire and reset when a raw window
  would (no smoothed edges).
* A raw SLI (a ready-made ratio, no counts) reads its own query over every window, as Sloth does:
  a ratio cannot be summed from pieces, and a time average of 5m ratios is not what a query like
  ``1 - avg_over_time(up[6h])`` means (it weighs the start of the history wrongly). Raw SLIs are
  usually a few series, so the long ranges cost little; counting SLIs are the expensive ones.
  Only the period (read by no alert) is, as in Sloth, the time average of the 5m ratio.
* Counting SLIs keep errors and events apart until the last step, so every window's ratio is a
  ratio of sums (exact under variable traffic), and zero traffic cannot turn a long window or the
  period into NaN: ratios are never averaged, and a ratio with no events is absent, not NaN.
* Nothing joins against metadata series (no ``group_left``): thresholds and budgets are printed
  as exact constants, which also keeps the rules valid under Thanos Ruler and Mimir.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from burnwise.generator import names
from burnwise.generator import sli as sli_exprs
from burnwise.durations import format_duration
from burnwise.generator.numbers import format_decimal
from burnwise.generator.spec import SLO, ServiceSpec
from burnwise.generator.windows import (
    BASE_WINDOW,
    RAW_HORIZON,
    Box,
    Condition,
    Tier,
    is_raw,
    tiers_for,
    tilings,
    windows_for,
)


@dataclass(frozen=True)
class RecordingRule:
    record: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertingRule:
    alert: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    for_: int | None = None


@dataclass(frozen=True)
class RuleGroup:
    name: str
    rules: tuple[RecordingRule | AlertingRule, ...]


def _series(name: str, service: str, slo: str) -> str:
    return f"{name}{names.selector(service, slo)}"


def tiled_window(series_for, boxes: tuple[Box, ...], window: int, service: str, slo: str) -> str:
    """A per-second rate over a window longer than the raw horizon, as a sum of recorded boxes.

    ``series_for(window) -> name``; ``boxes`` from :func:`burnwise.generator.windows.tile`: each recorded
    rate read at its offset covers the seconds just before the previous box, so the sum is the
    increase a raw ``rate(x[window])`` sees, edges included (no 5m ramps); each box's own
    ``rate()`` extrapolates to its edges, so a seam splits the scrape interval straddling it.
    A box older than the history (a fresh Prometheus, a long restart gap) counts as zero: the
    rate is then lower, but a ratio of two such rates (errors / events) stays exact, because
    both miss the same time.
    """
    newest = _series(series_for(boxes[0][1]), service, slo)
    terms = []
    for offset, length in boxes:
        series = _series(series_for(length), service, slo)
        if offset == 0:
            terms.append(f"{length} * {series}")
        else:
            terms.append(f"{length} * ({series} offset {format_duration(offset)} or 0 * {newest})")
    body = "\n  +\n  ".join(terms)
    return f"(\n  {body}\n) / {window}"


def _ratio_windows(slo: SLO) -> list[int]:
    """Windows with a recorded ratio and burn rate: the alerts' and the period, plus the raw
    horizon when longer windows are tiled from it."""
    windows = set(windows_for(slo))
    if sli_exprs.counts_available(slo.sli) and sli_exprs.additive(slo.sli) and any(not is_raw(w) for w in windows):
        windows.add(RAW_HORIZON)
    return sorted(windows)


def _count_plan(slo: SLO) -> tuple[list[int], dict[int, tuple[Box, ...]]]:
    """(windows whose counts read the SLI's queries, boxes of every tiled window) for a counting SLI.

    Rates (:func:`burnwise.generator.sli.additive`) read their series up to the raw horizon, including the
    remainders of tilings (e.g. 24m of a 1h24m window, recorded as counts only), and tile the
    rest. Other windowed queries (sums of points over a range) do not add up, so they run over
    every window, as a raw SLI's query does.
    """
    windows = _ratio_windows(slo)
    if not sli_exprs.additive(slo.sli):
        return windows, {}
    plans = tilings(windows)
    raw = {w for w in windows if is_raw(w)}
    raw.update(length for boxes in plans.values() for _offset, length in boxes if is_raw(length))
    return sorted(raw), plans


def _period_average(slo: SLO, service: str, name: str) -> str:
    """A raw SLI's period ratio: the time average of its recorded 5m ratio, as Sloth computes it.

    Only the budget-remaining series reads it (no alert does). The SLI's own query over 28-90
    days is too costly: a subquery SLI over 28d at 1m steps exceeds Prometheus' default limit of
    50 million samples per query.
    """
    return f"avg_over_time({_series(names.error_ratio(BASE_WINDOW), service, name)}[{format_duration(slo.period)}])"


def recording_rules(spec: ServiceSpec, slo: SLO) -> list[RecordingRule]:
    labels = {**spec.labels, **slo.labels, "service": spec.service, "slo": slo.name}
    service, name = spec.service, slo.name
    budget = format_decimal(slo.error_budget)
    windows = _ratio_windows(slo)
    group_by = tuple(slo.group_by)
    rules: list[RecordingRule] = []

    if sli_exprs.counts_available(slo.sli):
        raw, plans = _count_plan(slo)
        for window in raw:
            rules.append(RecordingRule(names.errors(window), sli_exprs.error_rate(slo.sli, window, group_by), labels))
            rules.append(RecordingRule(names.events(window), sli_exprs.event_rate(slo.sli, window, group_by), labels))
        for window, boxes in plans.items():  # shortest first: longer windows read shorter ones
            rules.append(RecordingRule(names.errors(window), tiled_window(names.errors, boxes, window, service, name), labels))
            rules.append(RecordingRule(names.events(window), tiled_window(names.events, boxes, window, service, name), labels))
        for window in windows:
            ratio = (
                f"{_series(names.errors(window), service, name)}\n"
                f"/\n"
                f"({_series(names.events(window), service, name)} > 0)"
            )
            rules.append(RecordingRule(names.error_ratio(window), ratio, labels))
    else:  # a raw SLI has no counts to add up: its own query answers for every alert window
        alert_windows = {w for tier in tiers_for(slo) for c in tier.conditions for w in (c.long, c.short)}
        for window in windows:
            if window == slo.period and window not in alert_windows:
                expr = _period_average(slo, service, name)
            else:
                expr = sli_exprs.error_ratio(slo.sli, window)
            rules.append(RecordingRule(names.error_ratio(window), expr, labels))

    for window in windows:
        rules.append(
            RecordingRule(names.burn_rate(window), f"{_series(names.error_ratio(window), service, name)} / {budget}", labels)
        )

    period_ratio = _series(names.error_ratio(slo.period), service, name)
    rules.extend(
        [
            RecordingRule(names.BUDGET_REMAINING, f"1 - {period_ratio} / {budget}", labels),
            RecordingRule(names.OBJECTIVE, f"vector({format_decimal(slo.objective_ratio)})", labels),
            RecordingRule(names.ERROR_BUDGET, f"vector({budget})", labels),
            RecordingRule(names.PERIOD, f"vector({slo.period})", labels),
            RecordingRule(
                names.INFO,
                "vector(1)",
                {
                    **labels,
                    "owner": spec.owner_surface,
                    "objective": format_decimal(slo.objective),
                    "period": format_duration(slo.period),
                    "sli": slo.sli.kind,
                    **({"group_by": ",".join(slo.group_by)} if slo.group_by else {}),
                },
            ),
        ]
    )
    return rules


def _condition_expr(condition: Condition, slo: SLO, service: str) -> str:
    factor = format_decimal(condition.factor)
    parts = [
        f"{_series(names.burn_rate(condition.long), service, slo.name)} > {factor}",
        f"{_series(names.burn_rate(condition.short), service, slo.name)} > {factor}",
    ]
    if slo.min_events is not None:
        parts.append(f"{_series(names.events(condition.long), service, slo.name)} * {condition.long} >= {slo.min_events}")
    return "\n  and\n  ".join(parts)


def alert_expr(tier: Tier, slo: SLO, service: str) -> str:
    """`(long > f and short > f [and enough events]) or (...)`, one bracket per condition."""
    blocks = [f"(\n  {_condition_expr(c, slo, service)}\n)" for c in tier.conditions]
    return "\nor\n".join(blocks)


def _describe(tier: Tier, slo: SLO) -> str:
    period = format_duration(slo.period)
    clauses = []
    for c in tier.conditions:
        share = format_decimal((c.budget_share(slo.period) * 100).quantize(Decimal("0.01")))
        clauses.append(
            f"above {format_decimal(c.factor)}x over {format_duration(c.long)} and {format_duration(c.short)} "
            f"(at that rate {share}% of the {period} error budget is spent in {format_duration(c.long)})"
        )
    conditions = "; or ".join(clauses)
    return (
        f"{slo.description + ' ' if slo.description else ''}"
        'The error budget is burning at {{ printf "%.2f" $value }}x the sustainable rate, '
        f"{conditions}. Objective {format_decimal(slo.objective)}% over {period}."
    )


def _group_text(slo: SLO) -> str:
    """` (cluster={{ $labels.cluster }})` for a grouped SLO: which group burns, in the summary."""
    if not slo.group_by:
        return ""
    return " (" + ", ".join(f"{label}={{{{ $labels.{label} }}}}" for label in slo.group_by) + ")"


def alerting_rules(spec: ServiceSpec, slo: SLO) -> list[AlertingRule]:
    alerting = slo.alerting
    alert_name = alerting.name or names.default_alert_name(spec.service, slo.name)
    rules = []
    for tier in tiers_for(slo):
        alert_class = alerting.page if tier.kind == "page" else alerting.ticket
        override = getattr(alerting.tiers, tier.name)
        labels = {
            **spec.labels,
            **slo.labels,
            **alerting.labels,
            **alert_class.labels,
            **override.labels,
            "service": spec.service,
            "slo": slo.name,
            "owner": spec.owner_surface,
            "severity": tier.severity,
            "burnwise_tier": tier.kind,
        }
        annotations = {
            "summary": (
                f"{spec.service} {slo.name}{_group_text(slo)}: error budget burning "
                '{{ printf "%.1f" $value }}x too fast'
                f" ({tier.severity} {tier.kind})"
            ),
            "description": _describe(tier, slo),
            "burnwise_objective": format_decimal(slo.objective),
            names.BURN_RATE_ANNOTATION: "{{ $value }}",
            **({"runbook_url": alerting.runbook_url} if alerting.runbook_url else {}),
            **alerting.annotations,
            **alert_class.annotations,
            **override.annotations,
        }
        rules.append(AlertingRule(alert_name, alert_expr(tier, slo, spec.service), labels, annotations))
    if alerting.no_data_for is not None:
        probe = names.events(BASE_WINDOW) if sli_exprs.counts_available(slo.sli) else names.error_ratio(BASE_WINDOW)
        rules.append(
            AlertingRule(
                f"{alert_name}NoData",
                f"absent({_series(probe, spec.service, slo.name)})",
                {
                    **spec.labels,
                    **slo.labels,
                    **alerting.labels,
                    **alerting.ticket.labels,
                    "service": spec.service,
                    "slo": slo.name,
                    "owner": spec.owner_surface,
                    "severity": alerting.tiers.sev3.severity or "sev3",
                    "burnwise_tier": "ticket",
                },
                {
                    "summary": f"{spec.service} {slo.name}: no SLI data for {format_duration(alerting.no_data_for)}",
                    "description": (
                        f"The SLI of {spec.service} {slo.name} returned no data; burn-rate alerts cannot fire "
                        "until it does. Check the scrape target and the SLI queries."
                    ),
                    "burnwise_objective": format_decimal(slo.objective),
                    **({"runbook_url": alerting.runbook_url} if alerting.runbook_url else {}),
                },
                for_=alerting.no_data_for,
            )
        )
    if alerting.budget_exhausted_for is not None:
        rules.append(budget_exhausted_rule(spec, slo, alert_name))
    return rules


def budget_exhausted_rule(spec: ServiceSpec, slo: SLO, alert_name: str) -> AlertingRule:
    """`<name>BudgetExhausted`: the period's error budget is used up (a ticket, per group)."""
    alerting = slo.alerting
    period = format_duration(slo.period)
    return AlertingRule(
        f"{alert_name.removesuffix('BudgetBurn')}BudgetExhausted",
        f"{_series(names.BUDGET_REMAINING, spec.service, slo.name)} <= 0",
        {
            **spec.labels,
            **slo.labels,
            **alerting.labels,
            **alerting.ticket.labels,
            "service": spec.service,
            "slo": slo.name,
            "owner": spec.owner_surface,
            "severity": alerting.tiers.sev3.severity or "sev3",
            "burnwise_tier": "ticket",
        },
        {
            "summary": f"{spec.service} {slo.name}{_group_text(slo)}: the {period} error budget is used up",
            "description": (
                f"More errors than objective {format_decimal(slo.objective)}% allows over {period}: "
                'the budget remaining is {{ printf "%.2f" $value }} (1 = untouched, 0 = used up). '
                "Slow down risky changes until it recovers."
            ),
            "burnwise_objective": format_decimal(slo.objective),
            **({"runbook_url": alerting.runbook_url} if alerting.runbook_url else {}),
        },
        for_=alerting.budget_exhausted_for,
    )


def rule_groups(spec: ServiceSpec) -> list[RuleGroup]:
    """One group per SLO, recordings before alerts so alerts see this evaluation's values."""
    groups = []
    for slo in sorted(spec.slos, key=lambda s: s.name):
        rules = (*recording_rules(spec, slo), *alerting_rules(spec, slo))
        groups.append(RuleGroup(names.group_name(spec.service, slo.name), rules))
    return groups
