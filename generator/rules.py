"""Recording and alerting rules for one SLO, built from the spec model and its windows.

Cost and correctness choices, each against a known failure of today's tools:

* The raw SLI series are read only for windows up to :data:`~generator.windows.RAW_HORIZON` (1h).
  Every longer window (6h, 1d, 3d, the 30d period) is derived from the recorded 5m rates, so a 3d
  window never runs ``rate(x[3d])`` over high-cardinality raw series.
* A derived window W is the exact last hour (raw 1h rate) plus the integral of the recorded 5m
  rates over the rest, shifted so the seam's 5m ramps cancel. The leading edge is therefore as
  sharp as a raw ``rate(x[W])``: derived windows detect a burn no later than raw ones.
* Counting SLIs keep errors and events apart until the last step, so every window's ratio is a
  ratio of sums (exact under variable traffic), and zero traffic cannot turn a long window or the
  period into NaN: ratios are never averaged, and a ratio with no events is absent, not NaN.
* Nothing joins against metadata series (no ``group_left``): thresholds and budgets are printed
  as exact constants, which also keeps the rules valid under Thanos Ruler and Mimir.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from generator import names, sli as sli_exprs
from generator.durations import format_duration
from generator.numbers import format_decimal
from generator.spec import SLO, ServiceSpec
from generator.windows import BASE_WINDOW, RAW_HORIZON, Condition, Tier, is_raw, tiers_for, windows_for


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


def _older_part(series_for, window: int, service: str, slo: str) -> tuple[str, str, str]:
    """(integral of the base recording over the older part, seconds it covers, the raw-hour series).

    The older part is ``window - 1h`` long, offset by ``1h - 2m30s`` so that its trailing 5m ramp
    overlaps the raw hour's start symmetrically. Samples are summed and multiplied by the
    evaluation interval (3600 / samples in the last hour), so missing history counts as missing.
    """
    rest = window - RAW_HORIZON
    offset = RAW_HORIZON - BASE_WINDOW // 2
    recent = _series(series_for(RAW_HORIZON), service, slo)
    base = _series(series_for(BASE_WINDOW), service, slo)
    selection = f"{base}[{format_duration(rest)}] offset {format_duration(offset)}"
    step = f"{RAW_HORIZON} / count_over_time({base}[{format_duration(RAW_HORIZON)}])"
    return f"sum_over_time({selection}) * {step}", f"count_over_time({selection}) * {step}", recent


def derived_window(series_for, window: int, service: str, slo: str) -> str:
    """A per-second rate over a window longer than the raw horizon, from recorded rates.

    ``series_for(window) -> name``: the exact last hour (raw 1h recording) plus the integral of
    the base (5m) recording over the older part, divided by the nominal window. With less history
    than the window (a fresh Prometheus, a restart gap), the rate is lower but a ratio of two
    such rates (errors / events) stays exact, because both miss the same time.
    """
    older, _covered, recent = _older_part(series_for, window, service, slo)
    return (
        "(\n"
        f"  {RAW_HORIZON} * {recent}\n"
        "  +\n"
        f"  ({older} or 0 * {recent})\n"
        f") / {window}"
    )


def derived_average(series_for, window: int, service: str, slo: str) -> str:
    """The time average of a recorded ratio over a long window, over the history that exists.

    For raw SLIs, which have no counts: dividing by the time actually covered (not the nominal
    window) keeps a recent burn at full weight on a fresh Prometheus, as ``rate()`` would.
    """
    older, covered, recent = _older_part(series_for, window, service, slo)
    return (
        "(\n"
        f"  {RAW_HORIZON} * {recent}\n"
        "  +\n"
        f"  ({older} or 0 * {recent})\n"
        ")\n"
        "/\n"
        "(\n"
        f"  {RAW_HORIZON}\n"
        "  +\n"
        f"  ({covered} or 0 * {recent})\n"
        ")"
    )


def _needed_windows(slo: SLO) -> list[int]:
    """Alert windows, plus the raw horizon when any window must be derived from it."""
    windows = set(windows_for(slo))
    if any(not is_raw(w) for w in windows):
        windows.add(RAW_HORIZON)
    return sorted(windows)


def recording_rules(spec: ServiceSpec, slo: SLO) -> list[RecordingRule]:
    labels = {**spec.labels, **slo.labels, "service": spec.service, "slo": slo.name}
    service, name = spec.service, slo.name
    budget = format_decimal(slo.error_budget)
    windows = _needed_windows(slo)
    rules: list[RecordingRule] = []

    if sli_exprs.counts_available(slo.sli):
        for window in windows:
            if is_raw(window):
                rules.append(RecordingRule(names.errors(window), sli_exprs.error_rate(slo.sli, window), labels))
                rules.append(RecordingRule(names.events(window), sli_exprs.event_rate(slo.sli, window), labels))
            else:
                rules.append(RecordingRule(names.errors(window), derived_window(names.errors, window, service, name), labels))
                rules.append(RecordingRule(names.events(window), derived_window(names.events, window, service, name), labels))
        for window in windows:
            ratio = (
                f"{_series(names.errors(window), service, name)}\n"
                f"/\n"
                f"({_series(names.events(window), service, name)} > 0)"
            )
            rules.append(RecordingRule(names.error_ratio(window), ratio, labels))
    else:
        for window in windows:
            expr = (
                sli_exprs.error_ratio(slo.sli, window)
                if is_raw(window)
                else derived_average(names.error_ratio, window, service, name)
            )
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
                f"{spec.service} {slo.name}: error budget burning "
                '{{ printf "%.1f" $value }}x too fast'
                f" ({tier.severity} {tier.kind})"
            ),
            "description": _describe(tier, slo),
            "burnwise_objective": format_decimal(slo.objective),
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
    return rules


def rule_groups(spec: ServiceSpec) -> list[RuleGroup]:
    """One group per SLO, recordings before alerts so alerts see this evaluation's values."""
    groups = []
    for slo in sorted(spec.slos, key=lambda s: s.name):
        rules = (*recording_rules(spec, slo), *alerting_rules(spec, slo))
        groups.append(RuleGroup(names.group_name(spec.service, slo.name), rules))
    return groups
