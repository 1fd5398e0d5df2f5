"""SLI kinds to PromQL over the raw series for one window.

Counting SLIs (events, latency) give an error rate and an event rate, so every longer window and
the period can be computed as a ratio of sums. A raw SLI gives only a ratio, so its own query runs
over every window (a ratio cannot be summed from pieces).
"""

from __future__ import annotations

import functools
import re
from decimal import Decimal

from burnwise.durations import format_duration
from burnwise.generator.numbers import format_decimal
from burnwise.generator.spec import SLI, WINDOW_PLACEHOLDER, LatencySLI
from burnwise.promql.matchers import Matcher, selector_text
from burnwise.promql.query import (
    PromQLSyntaxError,
    is_plain_aggregation,
    outer_aggregation,
    parse_selector,
    placeholder_ranges_in,
)


def counts_available(sli: SLI) -> bool:
    """True for SLIs that count events (events, latency); False for a raw ratio."""
    return sli.kind in ("events", "latency")


#: Functions whose result over adjacent ranges adds up: both read the sample on the seam, once as
#: the end of one range and once as the start of the next, and count the increase between them.
_ADDITIVE = ("rate", "increase")


def _is_additive(query: str) -> bool:
    """True when every `{{.window}}` is the range of a `rate(...)` or `increase(...)` argument.

    Only then do the rates over adjacent windows add up to the rate over their union. A sum or
    count of points over a range (`sum_over_time(x[{{.window}}:])`) does not: Prometheus ranges
    include both ends, so two adjacent ranges both hold the point on their seam.
    """
    return placeholder_ranges_in(query, WINDOW_PLACEHOLDER, _ADDITIVE)


def additive(sli: SLI) -> bool:
    """Whether a counting SLI's rates over adjacent windows add up (see :func:`_is_additive`), so
    its long windows can be sums of recorded shorter ones. Latency SLIs are always rates."""
    if sli.events is not None:
        return _is_additive(sli.events.error_query) and _is_additive(sli.events.total_query)
    return sli.latency is not None


def _windowed(query: str, window: int) -> str:
    return query.strip().replace(WINDOW_PLACEHOLDER, format_duration(window))


def _is_plain_sum(query: str) -> bool:
    """True when the whole query is one `sum(...)` (no `by`), so it already yields one series."""
    try:
        return is_plain_aggregation(query, "sum")
    except PromQLSyntaxError:
        return False  # promtool reports the syntax; wrapping it in sum() changes nothing there


def _single_series(query: str, group_by: tuple[str, ...] = ()) -> str:
    """Aggregate to one series per group (label sets of errors and events must match), without
    `sum(sum(..))`: a query that already is `sum by (the grouping labels)` is kept as written."""
    if not group_by:
        return query if _is_plain_sum(query) else f"sum({query})"
    try:
        outer = outer_aggregation(query, WINDOW_PLACEHOLDER)
    except PromQLSyntaxError:
        outer = None
    if outer is not None and outer.op == "sum" and outer.modifier == "by" and set(outer.labels) == set(group_by):
        return query
    return f"sum by ({', '.join(group_by)}) ({query})"


def _sum(group_by: tuple[str, ...]) -> str:
    return f"sum by ({', '.join(group_by)}) " if group_by else "sum"


def le_values(threshold: Decimal) -> list[str]:
    """Spellings of a bucket boundary: as written, Go's shortest float, and Prometheus 3's `1.0` form."""
    spellings = {format_decimal(threshold), repr(float(threshold))}
    if threshold == threshold.to_integral_value():
        whole = format_decimal(threshold)
        spellings.update({whole, f"{whole}.0"})
    return sorted(spellings)


def le_matcher(threshold: Decimal) -> Matcher:
    """`le=~"0\\\\.3|..."`: a regex matcher for every spelling of the boundary, dots and pluses escaped."""
    return Matcher("le", "=~", "|".join(re.escape(v) for v in le_values(threshold)))


@functools.lru_cache(maxsize=4096)  # parsed once per selector, not once per window and SLO
def _with_matcher(selector: str, matcher: Matcher) -> str:
    """The spec's selector (``{job="api"}`` or empty) with one more matcher at the end."""
    return selector_text([*parse_selector(selector).matchers, matcher])


def _latency_total(sli: LatencySLI, window: int, group_by: tuple[str, ...] = ()) -> str:
    selector = sli.selector.strip()
    return f"{_sum(group_by)}(rate({sli.metric}_count{selector}[{format_duration(window)}]))"


def _latency_good(sli: LatencySLI, window: int, group_by: tuple[str, ...] = ()) -> str:
    selector = _with_matcher(sli.selector, le_matcher(sli.threshold))
    return f"{_sum(group_by)}(rate({sli.metric}_bucket{selector}[{format_duration(window)}]))"


def error_rate(sli: SLI, window: int, group_by: tuple[str, ...] = ()) -> str:
    """Errors per second over ``window`` (per group with ``group_by``). Counting SLIs only.

    With no error series at all (a fresh process has not failed yet, so `code=~"5.."` matches
    nothing) the events query is empty; it becomes 0 while the total has data, so the budget reads
    100% instead of nothing. A latency SLI has no such fallback: a missing bucket stays missing.
    """
    if sli.events is not None:
        errors = _windowed(sli.events.error_query, window)
        total = _windowed(sli.events.total_query, window)
        return f"({_single_series(errors, group_by)} or (0 * {_single_series(total, group_by)}))"
    if sli.latency is not None:
        return f"({_latency_total(sli.latency, window, group_by)} - {_latency_good(sli.latency, window, group_by)})"
    raise ValueError("a raw SLI has no error count")


def event_rate(sli: SLI, window: int, group_by: tuple[str, ...] = ()) -> str:
    """Events per second over ``window`` (per group with ``group_by``). Counting SLIs only."""
    if sli.events is not None:
        return _single_series(_windowed(sli.events.total_query, window), group_by)
    if sli.latency is not None:
        return _latency_total(sli.latency, window, group_by)
    raise ValueError("a raw SLI has no event count")


def error_ratio(sli: SLI, window: int) -> str:
    """The raw SLI's own error ratio over ``window``, NaN filtered out (`>= 0` is false for NaN)."""
    if sli.raw is None:
        raise ValueError("only a raw SLI has a ready-made ratio")
    return f"({_windowed(sli.raw.error_ratio_query, window)}) >= 0"
