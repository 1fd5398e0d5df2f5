"""Warnings and cost checks on loaded specs that the spec model cannot make alone.

Why apart from :mod:`burnwise.generator.spec`: these need the derived rules (tiers, recording
rules, the SLI's selectors) or a limit the caller chooses, and most are advice, not errors: a
tier that can never fire at its objective (a 14.4x burn at 80% needs 288% errors), a grouping
whose number of groups nobody knows, or a query aggregated `by` labels on an SLO without
`group_by` (its groups are summed into one). The one refusal is a grouping whose bounded cost
exceeds the limit (`--max-grouped-series`), since it would load Prometheus for every group.
"""

from __future__ import annotations

from burnwise.generator.errors import SpecProblem
from burnwise.generator.grouping import DEFAULT_SERIES_LIMIT, GroupCost, group_bound
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.numbers import format_decimal
from burnwise.generator.rules import recording_rules
from burnwise.generator.spec import SLO, WINDOW_PLACEHOLDER, ServiceSpec
from burnwise.generator.windows import tiers_for
from burnwise.promql.query import PromQLSyntaxError, outer_aggregation

#: Recording rules of an SLO that are one constant series whatever the grouping (objective,
#: budget, period, info: `vector(...)`).
_CONSTANT_RULES = 4


def grouping_cost(spec: ServiceSpec, slo: SLO) -> GroupCost:
    """Series one grouped SLO records per group (its windows' rates, ratios, burn rates, budget)
    and the bound on groups (None: unknown)."""
    per_group = len(recording_rules(spec, slo)) - _CONSTANT_RULES + len(tiers_for(slo))
    return GroupCost(per_group, group_bound(slo))


def unreachable_tiers(slo: SLO) -> list[str]:
    """Tiers whose every condition needs an error ratio of 100% or more to fire."""
    found = []
    for tier in tiers_for(slo):
        if all(c.factor * slo.error_budget >= 1 for c in tier.conditions):
            needed = min(c.factor for c in tier.conditions) * slo.error_budget * 100
            found.append(
                f"{tier.name} ({tier.kind}) can never fire at objective {format_decimal(slo.objective)}%: "
                f"its {format_decimal(min(c.factor for c in tier.conditions))}x burn needs {format_decimal(needed)}% errors; "
                f"set alerting.tiers.{tier.name}.windows with a factor below {format_decimal(1 / slo.error_budget)} or disable it"
            )
    return found


def _collapsed_grouping(slo: SLO) -> list[str]:
    if slo.group_by or slo.sli.events is None:
        return []
    found = []
    for field in ("error_query", "total_query"):
        try:
            outer = outer_aggregation(getattr(slo.sli.events, field), WINDOW_PLACEHOLDER)
        except PromQLSyntaxError:
            continue
        if outer is not None and outer.modifier == "by" and outer.labels:
            found.append(
                f"sli.events.{field} aggregates by ({', '.join(outer.labels)}) but the SLO has no group_by: burnwise sums "
                f"the groups into one series; set group_by: [{', '.join(outer.labels)}] to alert per group"
            )
    return found


def spec_warnings(specs: list[LoadedSpec]) -> list[str]:
    """Advice on every SLO, as `file: slos[i] (name): message` lines."""
    lines = []
    for item in specs:
        for index, slo in enumerate(item.spec.slos):
            where = f"{item.source}: slos[{index}] ({slo.name})"
            messages = unreachable_tiers(slo) + _collapsed_grouping(slo)
            if slo.group_by:
                cost = grouping_cost(item.spec, slo)
                if cost.groups is None:
                    messages.append(
                        f"group_by ({', '.join(slo.group_by)}): no label is bounded by the SLI's selectors, so the number "
                        f"of groups is unknown; each group records {cost.per_group} series. Set max_groups (or pin a label, "
                        'e.g. cluster=~"eu-1|us-1") so the cost is checked'
                    )
            lines += [f"{where}: {message}" for message in messages]
    return lines


def grouping_problems(specs: list[LoadedSpec], limit: int = DEFAULT_SERIES_LIMIT) -> list[SpecProblem]:
    """Grouped SLOs whose bounded series cost (groups x series per group) exceeds ``limit``."""
    problems = []
    for item in specs:
        for index, slo in enumerate(item.spec.slos):
            if not slo.group_by:
                continue
            cost = grouping_cost(item.spec, slo)
            if cost.series is not None and cost.series > limit:
                problems.append(
                    SpecProblem(
                        item.source,
                        f"slos[{index}] ({slo.name}).group_by",
                        f"up to {cost.groups} groups x {cost.per_group} recorded series = {cost.series} series, above the "
                        f"limit of {limit}: group by fewer labels, lower max_groups, or raise --max-grouped-series",
                    )
                )
    return problems
