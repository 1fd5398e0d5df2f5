"""Grouped SLOs (`group_by`): which values a grouping label can take, and what a grouping costs.

Why a module of its own: the rules only add `sum by (labels)`, but three readers need to know more
about the groups: `validate` (the series cost, refused above a limit), the generated unit tests
and the backtest (two real groups, one failing and one healthy, whose label values the SLI's own
selectors accept). A label is *bounded* when every selector of the SLI pins it to a finite list
of values (`cluster="eu-1"` or `cluster=~"eu-1|eu-2"`): then the number of groups is known from the
spec. Otherwise the spec's `max_groups` states it; without either the cost is unknown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from math import prod

from burnwise.generator.spec import SLO, WINDOW_PLACEHOLDER
from burnwise.promql.matchers import Matcher
from burnwise.promql.query import PromQLSyntaxError, Selector, parse_selector, selectors

#: Default ceiling of recorded series one grouped SLO may produce (groups x series per group).
DEFAULT_SERIES_LIMIT = 20_000
_LITERAL = re.compile(r"^[A-Za-z0-9_\-:/ ]*$")


def sli_selectors(slo: SLO) -> list[Selector]:
    """The metric selectors the SLI reads (latency: its selector; raw: the ratio query's)."""
    sli = slo.sli
    try:
        if sli.events is not None:
            found = selectors(sli.events.error_query, WINDOW_PLACEHOLDER) + selectors(sli.events.total_query, WINDOW_PLACEHOLDER)
        elif sli.latency is not None:
            found = [parse_selector(sli.latency.selector)]
        else:
            found = selectors(sli.raw.error_ratio_query, WINDOW_PLACEHOLDER)  # type: ignore[union-attr]
    except PromQLSyntaxError:
        return []
    return found


def _pinned(matcher: Matcher) -> list[str] | None:
    """The values a matcher allows when it lists them (`=` one, `=~"a|b"` literals), else None."""
    if matcher.op == "=":
        return [matcher.value]
    if matcher.op == "=~":
        options = matcher.value.split("|")
        if all(_LITERAL.match(option) for option in options):
            return sorted(set(options))
    return None


def label_values(slo: SLO, label: str) -> list[str] | None:
    """The finite values every selector of the SLI leaves for ``label``, or None when unbounded."""
    allowed: set[str] | None = None
    found = sli_selectors(slo)
    if not found:
        return None
    for selector in found:
        lists = [v for m in selector.matchers if m.name == label and (v := _pinned(m)) is not None]
        if not lists:
            return None
        values = set(lists[0]).intersection(*lists[1:])
        allowed = values if allowed is None else allowed & values
    return sorted(allowed or ())


def group_bound(slo: SLO) -> int | None:
    """How many groups at most: from the selectors when every label is bounded, else `max_groups`."""
    bounds = [label_values(slo, label) for label in slo.group_by]
    if bounds and all(b is not None for b in bounds):
        return prod(len(b) for b in bounds)  # type: ignore[arg-type]
    return slo.max_groups


@dataclass(frozen=True)
class GroupCost:
    """What a grouped SLO records: series per group, the bound on groups (None: unknown)."""

    per_group: int
    groups: int | None

    @property
    def series(self) -> int | None:
        return None if self.groups is None else self.per_group * self.groups


def _accepted(slo: SLO, label: str, value: str) -> bool:
    matchers = [m for s in sli_selectors(slo) for m in s.matchers if m.name == label]
    return all(m.accepts(value) for m in matchers)


def two_groups(slo: SLO) -> tuple[dict[str, str], dict[str, str]] | None:
    """A failing and a healthy group whose values the SLI's selectors accept, or None when the
    selectors leave room for one group only (every grouping label pinned to one value)."""
    if not slo.group_by:
        return None
    first: dict[str, str] = {}
    options: dict[str, list[str]] = {}
    for label in slo.group_by:
        listed = label_values(slo, label)
        if listed is None:
            listed = [v for v in (f"{label}-a", f"{label}-b", "a", "b") if _accepted(slo, label, v)]
        if not listed:
            return None
        options[label] = listed
        first[label] = listed[0]
    for label in slo.group_by:
        if len(options[label]) > 1:
            return first, {**first, label: options[label][1]}
    return None
