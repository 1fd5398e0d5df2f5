"""The input series an SLI's own queries read, carrying a timeline's counts.

Why derived from the queries: a generated test must feed the rules the raw series their SLI
selects. For an events SLI the counters behind its two queries (label values chosen from the
queries' matchers with :mod:`burnwise.promql`), for a latency SLI the histogram's ``_count`` and
the ``_bucket`` at the threshold and at ``+Inf`` (a real histogram has both), and for a raw SLI
the spec's own ``test_series`` hook, spliced minute by minute between its healthy and failing
forms. Anything that cannot be derived is refused with a reason (:func:`testable`), never
guessed silently.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from burnwise.generator.promtool.rule_tests import InputSeries, series_selector
from burnwise.generator.sli import le_values
from burnwise.generator.proof.notation import compress_notation, counter_notation, expand_notation
from burnwise.generator.proof.scenarios import ScenarioError
from burnwise.generator.proof.timeline import Timeline
from burnwise.generator.spec import SLO, WINDOW_PLACEHOLDER
from burnwise.promql.query import PromQLSyntaxError, Selector, parse_selector, selectors
from burnwise.promql.sampling import choose, labels_for


def selectors_in(query: str) -> list[Selector]:
    """Vector selectors with a metric name in an SLI query, in order of appearance."""
    try:
        return [s for s in selectors(query, WINDOW_PLACEHOLDER) if s.metric]
    except PromQLSyntaxError as exc:
        raise ScenarioError(f"cannot derive test series: {exc}") from None


_GOOD_VALUES = ("ok", "200", "success", "good", "2xx", "")
_BAD_VALUES = ("500", "error", "failed", "5xx", "x")


@dataclass(frozen=True)
class CounterPlan:
    """Which counters to write: (metric, labels, counts 'events' | 'errors' | 'good')."""

    counters: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...]


@functools.lru_cache(maxsize=4096)
def events_plan(error_query: str, total_query: str) -> CounterPlan:
    """Counters behind an events SLI, found from the matchers of its two queries.

    Same metric: one series matching both queries (the errors) and one matching only the total
    (the good events). Different metrics: an error counter and a total counter. An error query
    ``total - good`` (the total's own selector minus another): the total and the good counter.
    """
    errors = selectors_in(error_query)
    totals = selectors_in(total_query)
    if len(errors) == 2 and len(totals) == 1 and errors[0] == totals[0] and "-" in error_query:
        # `total - good` (e.g. `_count - _bucket{le=...}`): write the total and the good counter
        total_labels = labels_for(list(totals[0].matchers), _GOOD_VALUES)
        good_labels = labels_for(list(errors[1].matchers), _GOOD_VALUES)
        if total_labels is None or good_labels is None:
            raise ScenarioError("cannot derive test series: no label values satisfy the queries' matchers")
        if errors[1].metric == totals[0].metric and all(m.accepts(good_labels.get(m.name, "")) for m in totals[0].matchers):
            # the total also reads the good series (OpenSLO good/total over one counter): a total
            # series of its own would count the good events twice; write the failed ones beside them
            return _good_and_failed(totals[0], errors[1], good_labels)
        return CounterPlan(
            (
                (totals[0].metric, tuple(sorted(total_labels.items())), "events"),
                (errors[1].metric, tuple(sorted(good_labels.items())), "good"),
            )
        )
    if len(errors) != 1 or len(totals) != 1:
        raise ScenarioError(
            "cannot derive test series: the error and total queries must each read one metric "
            f"(found {len(errors)} and {len(totals)} selectors)"
        )
    error, total = errors[0], totals[0]
    if error.metric != total.metric:
        error_labels = labels_for(list(error.matchers), _BAD_VALUES)
        total_labels = labels_for(list(total.matchers), _GOOD_VALUES)
        if error_labels is None or total_labels is None:
            raise ScenarioError("cannot derive test series: no label values satisfy the queries' matchers")
        return CounterPlan(
            ((error.metric, tuple(sorted(error_labels.items())), "errors"), (total.metric, tuple(sorted(total_labels.items())), "events"))
        )
    both = list(error.matchers) + list(total.matchers)
    bad = labels_for(both, _BAD_VALUES)
    if bad is None:
        raise ScenarioError("cannot derive test series: no label values match both the error and the total query")
    for name in sorted({m.name for m in error.matchers}):
        value = choose(
            [m for m in total.matchers if m.name == name],
            ("200",) if name in ("code", "status", "status_code") else _GOOD_VALUES,
            [m for m in error.matchers if m.name == name],
        )
        if value is None:
            continue
        good = dict(bad)
        if value:
            good[name] = value
        else:
            good.pop(name, None)
        if all(m.accepts(good.get(m.name, "")) for m in total.matchers) and not all(
            m.accepts(good.get(m.name, "")) for m in error.matchers
        ):
            return CounterPlan(
                ((error.metric, tuple(sorted(bad.items())), "errors"), (error.metric, tuple(sorted(good.items())), "good"))
            )
    raise ScenarioError("cannot derive test series: no label value separates the error query from the total query")


def _good_and_failed(total: Selector, good: Selector, good_labels: dict[str, str]) -> CounterPlan:
    """Two series of one metric, both read by the total: the good events and the failed ones (labels
    the total accepts and the good selector refuses)."""
    for name in sorted({m.name for m in good.matchers}):
        value = choose([m for m in total.matchers if m.name == name], _BAD_VALUES, [m for m in good.matchers if m.name == name])
        if value is None:
            continue
        failed = {k: v for k, v in good_labels.items() if k != name}
        if value:
            failed[name] = value
        if all(m.accepts(failed.get(m.name, "")) for m in total.matchers) and not all(m.accepts(failed.get(m.name, "")) for m in good.matchers):
            return CounterPlan(
                ((total.metric, tuple(sorted(failed.items())), "errors"), (good.metric, tuple(sorted(good_labels.items())), "good"))
            )
    raise ScenarioError("cannot derive test series: no label value separates the good events from the total")


def testable(slo: SLO) -> str | None:
    """Why this SLO's series cannot be generated, or None when they can."""
    sli = slo.sli
    if sli.raw is not None and sli.raw.test_series is None:
        return "raw SLI without `sli.raw.test_series` (burnwise cannot guess the series behind an arbitrary query)"
    if sli.events is not None:
        try:
            events_plan(sli.events.error_query, sli.events.total_query)
        except ScenarioError as exc:
            return str(exc)
    return None


def _matcher_labels(selector_text: str) -> dict[str, str]:
    return dict(_cached_matcher_labels(selector_text))


@functools.lru_cache(maxsize=4096)
def _cached_matcher_labels(selector_text: str) -> tuple[tuple[str, str], ...]:
    return tuple(_parse_matcher_labels(selector_text).items())


def _parse_matcher_labels(selector_text: str) -> dict[str, str]:
    if not selector_text.strip():
        return {}
    try:
        matchers = parse_selector(selector_text).matchers
    except PromQLSyntaxError as exc:
        raise ScenarioError(f"cannot derive test series: {exc}") from None
    labels = labels_for(matchers, _GOOD_VALUES)
    if labels is None:
        raise ScenarioError(f"cannot derive test series: no label values satisfy {selector_text!r}")
    return labels


#: Counter notation per timeline (memoised plans share their timelines across a kind of SLO):
#: ``id(timeline)`` -> (the timeline, {kind: notation}); the timeline is kept so the id stays its own.
_NOTATION_LIMIT = 1024
_notations: dict[int, tuple[Timeline, dict[str, str]]] = {}


def timeline_notation(timeline: Timeline, kind: str) -> str:
    """promtool notation of the timeline's ``events``, ``errors`` or ``good`` counts as a counter."""
    entry = _notations.get(id(timeline))
    if entry is None or entry[0] is not timeline:
        if len(_notations) >= _NOTATION_LIMIT:
            _notations.clear()
        entry = _notations[id(timeline)] = (timeline, {})
    text = entry[1].get(kind)
    if text is None:
        if kind == "good":
            counts = [e - x for e, x in zip(timeline.events, timeline.errors)]
        else:
            counts = list(timeline.events if kind == "events" else timeline.errors)
        text = entry[1][kind] = counter_notation(counts)
    return text


def input_series(slo: SLO, timeline: Timeline) -> list[InputSeries]:
    """The series the SLI's queries read, carrying the timeline's counts (sorted by selector)."""
    sli = slo.sli
    series: list[InputSeries] = []
    if sli.events is not None:
        plan = events_plan(sli.events.error_query, sli.events.total_query)
        for metric, labels, kind in plan.counters:
            series.append(InputSeries(series=series_selector(metric, dict(labels)), values=timeline_notation(timeline, kind)))
    elif sli.latency is not None:
        labels = _matcher_labels(sli.latency.selector)
        le = le_values(sli.latency.threshold)[0]
        good, events = timeline_notation(timeline, "good"), timeline_notation(timeline, "events")
        series.append(InputSeries(series=series_selector(f"{sli.latency.metric}_bucket", {**labels, "le": le}), values=good))
        series.append(InputSeries(series=series_selector(f"{sli.latency.metric}_bucket", {**labels, "le": "+Inf"}), values=events))
        series.append(InputSeries(series=series_selector(f"{sli.latency.metric}_count", labels), values=events))
    elif sli.raw is not None:
        hook = sli.raw.test_series
        if hook is None:
            raise ScenarioError(testable(slo) or "raw SLI without test series")
        length = timeline.minutes + 1
        for key in sorted(set(hook.healthy) | set(hook.failing)):
            healthy = expand_notation(hook.healthy.get(key, ""), length)
            failing = expand_notation(hook.failing.get(key, ""), length)
            healthy += [None] * (length - len(healthy))
            failing += [None] * (length - len(failing))
            spliced = [failing[m] if timeline.failing[m] else healthy[m] for m in range(length)]
            series.append(InputSeries(series=key, values=compress_notation(spliced)))
    return sorted(series, key=lambda s: s.series)
