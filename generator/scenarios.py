"""Synthetic SLI traffic: error scenarios as functions of time, and the promtool series they produce.

Generated unit tests and the backtest both need the same thing: "100% errors from minute 120",
"a 7.2x burn", "a 10-minute blip", written as input series that the SLI's own queries select.
This module owns that translation, so both prove the rules with identical inputs:

* A :class:`Scenario` describes traffic (events per second) and the error ratio as piecewise
  functions of time (constant pieces, or linear ramps with ``to_*``). Error ratios are written
  either absolutely (``ratio: 0.01``) or relative to the SLO's budget (``burn: 14.4``), so one
  scenario works for a 99.9% and a 99% SLO alike. Users write their own in YAML.
* :func:`build_timeline` turns a scenario into per-minute event and error counts after a healthy
  lead-in (history: a burn never starts on an empty Prometheus).
* :func:`input_series` writes those counts as the series the SLI reads: for an events SLI the
  counters behind its two queries (label values are derived from the queries' matchers), for a
  latency SLI the histogram's ``_count`` and the ``_bucket`` at the threshold, and for a raw SLI the
  spec's own ``test_series`` hook, spliced minute by minute between its healthy and failing forms.

Every sample is one minute apart (the input interval of generated tests), and every number is
printed from :class:`~decimal.Decimal`, so the files are byte-identical run after run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from burnwise.generator.durations import DurationError, parse_duration
from burnwise.generator.numbers import format_decimal
from burnwise.generator.promtool_tests import InputSeries, series_selector
from burnwise.generator.sli import le_values
from burnwise.generator.spec import SLO, WINDOW_PLACEHOLDER
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from burnwise.errors import BurnwiseError

#: Seconds between samples (the input interval of every generated test and backtest).
STEP = 60
#: Healthy traffic spends this share of the sustainable burn: clearly below every factor.
HEALTHY_BURN = Decimal("0.2")
#: Default traffic in events per second, raised when an SLO's `min_events` needs more.
BASE_TRAFFIC = Decimal("10")
_BINARY = Decimal(4096)


class ScenarioError(BurnwiseError):
    """A scenario (or the SLI it is applied to) cannot be turned into series."""


# --------------------------------------------------------------------------------------------
# Scenarios: piecewise functions of time
# --------------------------------------------------------------------------------------------


def _duration(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return 0
    if isinstance(value, str) and value.strip() in ("0", "0s"):
        return 0
    try:
        return parse_duration(value)  # type: ignore[arg-type]
    except DurationError as exc:
        raise ValueError(str(exc)) from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TrafficPiece(_Strict):
    """Events per second from ``from`` until the next piece; ``to`` ramps linearly towards it."""

    start: int = Field(alias="from")
    value: Decimal = Field(ge=0)
    to: Decimal | None = Field(default=None, ge=0)

    _start = field_validator("start", mode="before")(_duration)


class ErrorPiece(_Strict):
    """Error ratio from ``from`` until the next piece: ``ratio`` (0..1) or ``burn`` (x budget)."""

    start: int = Field(alias="from")
    ratio: Decimal | None = Field(default=None, ge=0, le=1)
    burn: Decimal | None = Field(default=None, ge=0)
    to_ratio: Decimal | None = Field(default=None, ge=0, le=1)
    to_burn: Decimal | None = Field(default=None, ge=0)

    _start = field_validator("start", mode="before")(_duration)

    @model_validator(mode="after")
    def _one_unit(self) -> ErrorPiece:
        if (self.ratio is None) == (self.burn is None):
            raise ValueError("give exactly one of `ratio` (0..1) or `burn` (multiple of the error budget)")
        if self.ratio is not None and self.to_burn is not None or self.burn is not None and self.to_ratio is not None:
            raise ValueError("a ramp keeps its unit: `ratio` with `to_ratio`, `burn` with `to_burn`")
        return self

    def start_ratio(self, budget: Decimal) -> Decimal:
        return self.ratio if self.ratio is not None else self.burn * budget  # type: ignore[operator]

    def end_ratio(self, budget: Decimal) -> Decimal | None:
        if self.to_ratio is not None:
            return self.to_ratio
        if self.to_burn is not None:
            return self.to_burn * budget
        return None


def _pieces(value: Any, key: str) -> Any:
    """A bare number is one constant piece from the start."""
    if isinstance(value, (int, float, str, Decimal)) and not isinstance(value, bool):
        return [{"from": 0, key: value}]
    return value


class Scenario(_Strict):
    """A named error scenario. Time 0 is the end of the healthy lead-in."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    description: str = ""
    duration: int
    #: Events per second; None means "the SLO's default traffic" (enough for `min_events`).
    traffic: list[TrafficPiece] | None = None
    error_ratio: list[ErrorPiece] = Field(min_length=1)
    #: When set, the error pieces repeat with this period (flapping).
    cycle: int | None = None
    #: When the errors stop: reset times are measured from here.
    recovery_at: int | None = None
    #: Events per second during the healthy history before time 0 (default: the SLO's traffic).
    history_traffic: Decimal | None = Field(default=None, ge=0)

    _durations = field_validator("duration", "cycle", "recovery_at", mode="before")(
        lambda value: None if value is None else _duration(value)
    )

    @field_validator("traffic", mode="before")
    @classmethod
    def _traffic(cls, value: Any) -> Any:
        return None if value is None else _pieces(value, "value")

    @field_validator("error_ratio", mode="before")
    @classmethod
    def _errors(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [{"from": 0, **value}]
        return _pieces(value, "ratio")

    @model_validator(mode="after")
    def _ordered(self) -> Scenario:
        for pieces, label in ((self.traffic or [], "traffic"), (self.error_ratio, "error_ratio")):
            starts = [piece.start for piece in pieces]
            if starts != sorted(set(starts)):
                raise ValueError(f"{label} pieces must have increasing `from` times")
            if starts and starts[0] != 0:
                raise ValueError(f"the first {label} piece must start `from: 0s`")
        return self

    def steady_ratio(self, budget: Decimal) -> Decimal | None:
        """The error ratio while the incident lasts, when it is constant (for Workbook times)."""
        first = self.error_ratio[0]
        if self.cycle or first.end_ratio(budget) is not None:
            return None
        if len(self.error_ratio) > 1 and self.recovery_at != self.error_ratio[1].start:
            return None
        return first.start_ratio(budget)


def _piece_value(pieces: list, at: int, end: int, start_of, end_of) -> Decimal:
    index = max(i for i, piece in enumerate(pieces) if piece.start <= at)
    piece = pieces[index]
    start, target = start_of(piece), end_of(piece)
    if target is None:
        return start
    stop = pieces[index + 1].start if index + 1 < len(pieces) else end
    span = max(stop - piece.start, 1)
    return start + (target - start) * Decimal(at - piece.start) / Decimal(span)


def error_ratio_at(scenario: Scenario, seconds: int, budget: Decimal) -> Decimal:
    at = seconds % scenario.cycle if scenario.cycle else seconds
    end = scenario.cycle or scenario.duration
    value = _piece_value(scenario.error_ratio, at, end, lambda p: p.start_ratio(budget), lambda p: p.end_ratio(budget))
    return min(max(value, Decimal(0)), Decimal(1))


def traffic_at(scenario: Scenario, seconds: int, default: Decimal) -> Decimal:
    if not scenario.traffic:
        return default
    return _piece_value(scenario.traffic, seconds, scenario.duration, lambda p: p.value, lambda p: p.to)


def load_scenarios(path: Path) -> list[Scenario]:
    """Scenarios from a YAML file: a list, or a mapping with a `scenarios` list."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from None
    items = data.get("scenarios") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a list of scenarios (or `scenarios:` with a list)")
    scenarios = []
    for index, item in enumerate(items):
        try:
            scenarios.append(Scenario.model_validate(item))
        except ValidationError as exc:
            name = item.get("name") if isinstance(item, dict) else None
            where = f"scenarios[{index}]" + (f" ({name})" if name else "")
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'scenario'}: "
                f"{error['msg'].removeprefix('Value error, ')}"
                for error in exc.errors(include_url=False)
            )
            raise ScenarioError(f"{path}: {where}: {problems}") from None
    return scenarios


def scenario(name: str, description: str, duration: int, errors: list[dict], **extra: Any) -> Scenario:
    """Build a scenario in code with the same validation as YAML ones."""
    return Scenario.model_validate({"name": name, "description": description, "duration": duration, "error_ratio": errors, **extra})


# --------------------------------------------------------------------------------------------
# Timeline: per-minute counts after a healthy lead-in
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """Per-minute counts. Index ``m`` is the minute ending at sample ``m`` (index 0 is empty).

    ``lead_in`` minutes of healthy traffic come first, so the scenario's time 0 is sample
    ``lead_in``. ``failing`` (raw SLIs only) says whether sample ``m`` uses the failing series.
    """

    lead_in: int
    events: tuple[Decimal, ...]
    errors: tuple[Decimal, ...]
    failing: tuple[bool, ...]

    @property
    def minutes(self) -> int:
        return len(self.events) - 1

    def error_ratio(self, minute: int) -> float:
        return float(self.errors[minute] / self.events[minute]) if self.events[minute] else 0.0


def default_traffic(slo: SLO) -> Decimal:
    """Events per second: BASE_TRAFFIC, or ten times what the shortest window needs for `min_events`."""
    if slo.min_events is None:
        return BASE_TRAFFIC
    from burnwise.generator.windows import tiers_for

    shortest = min((c.long for t in tiers_for(slo) for c in t.conditions), default=3600)
    needed = Decimal(slo.min_events) * 10 / Decimal(shortest)
    return max(BASE_TRAFFIC, needed.quantize(Decimal(1), rounding="ROUND_CEILING"))


def _quantize(value: Decimal) -> Decimal:
    """Round to a multiple of 1/4096: binary-exact, so promtool's ``a+bxN`` ramps add up exactly.

    With decimal steps such as 599.4, promtool's float sum at the end of one segment can land a
    hair above the next segment's start, and ``rate()`` reads that as a counter reset.
    """
    return (value * _BINARY).to_integral_value() / _BINARY


def build_timeline(
    scenario: Scenario,
    slo: SLO,
    lead_in: int,
    *,
    healthy_burn: Decimal | None = None,
    traffic: Decimal | None = None,
) -> Timeline:
    """``lead_in`` minutes of healthy traffic, then ``scenario`` for its whole duration.

    A raw SLI has no event counts: its minutes are failing or healthy, chosen by error diffusion
    so that the share of failing minutes follows ``error ratio / failing_error_ratio``.
    """
    budget = slo.error_budget
    raw = slo.sli.raw
    healthy = (HEALTHY_BURN if healthy_burn is None else healthy_burn) * budget
    if raw is not None:
        healthy = Decimal(0) if healthy_burn is None else healthy
    base = traffic if traffic is not None else default_traffic(slo)
    history = traffic if traffic is not None else scenario.history_traffic if scenario.history_traffic is not None else base
    total = lead_in + -(-scenario.duration // STEP)
    events, errors, failing = [Decimal(0)], [Decimal(0)], [False]
    carry = Decimal(0)
    for minute in range(1, total + 1):
        seconds = (minute - lead_in - 1) * STEP + STEP // 2
        if seconds < 0:
            per_second, ratio = history, healthy
        else:
            per_second = traffic_at(scenario, seconds, base)
            ratio = error_ratio_at(scenario, seconds, budget)
        count = _quantize(per_second * STEP)
        events.append(count)
        errors.append(_quantize(count * ratio))
        if raw is not None and raw.test_series is not None:
            carry += min(ratio / raw.test_series.failing_error_ratio, Decimal(1))
            fail = carry >= Decimal("0.5")
            carry -= 1 if fail else 0
            failing.append(fail)
        else:
            failing.append(False)
    return Timeline(lead_in, tuple(events), tuple(errors), tuple(failing))


# --------------------------------------------------------------------------------------------
# promtool expanding notation
# --------------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"^(?P<start>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"(?:(?P<sign>[-+])(?P<step>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?))?"
    r"(?:x(?P<count>\d+))?$"
)


def expand_notation(text: str, limit: int) -> list[Decimal | None]:
    """The first ``limit`` samples of a series in promtool's notation (None = no sample)."""
    values: list[Decimal | None] = []
    for token in text.split():
        if len(values) >= limit:
            break
        if token == "stale" or token == "_":
            values.append(None)
            continue
        if token.startswith("_x"):
            values.extend([None] * int(token[2:]))
            continue
        match = _TOKEN.match(token)
        if not match:
            raise ScenarioError(f"cannot read {token!r} in series values {text!r} (promtool notation, e.g. 0+60x100)")
        start = Decimal(match["start"])
        step = Decimal(match["step"] or 0) * (-1 if match["sign"] == "-" else 1)
        count = int(match["count"] or 0)
        for index in range(min(count, limit - len(values) - 1) + 1):
            values.append(start + step * index)
    return values[:limit]


def compress_notation(values: list[Decimal | None]) -> str:
    """Shortest run-length form: arithmetic runs become ``a+bxN``, gaps ``_xN``."""
    parts: list[str] = []
    i = 0
    while i < len(values):
        value = values[i]
        if value is None:
            run = 1
            while i + run < len(values) and values[i + run] is None:
                run += 1
            parts.append("_" if run == 1 else f"_x{run}")
            i += run
            continue
        step = None
        run = 1
        if i + 1 < len(values) and values[i + 1] is not None:
            step = values[i + 1] - value
            run = 2
            while i + run < len(values) and values[i + run] is not None and values[i + run] - values[i + run - 1] == step:
                run += 1
        text = format_decimal(value)
        if run == 1:
            parts.append(text)
        elif step == 0:
            parts.append(f"{text}x{run - 1}")
        else:
            sign = "-" if step < 0 else "+"
            parts.append(f"{text}{sign}{format_decimal(abs(step))}x{run - 1}")
        i += run
    return " ".join(parts)


def counter_notation(increments: list[Decimal]) -> str:
    """A counter from 0 growing by ``increments[m]`` at sample ``m`` (``increments[0]`` is ignored)."""
    values = [Decimal(0)]
    for increment in increments[1:]:
        values.append(values[-1] + increment)
    return compress_notation(values)


# --------------------------------------------------------------------------------------------
# Series for an SLI
# --------------------------------------------------------------------------------------------

_SELECTOR = re.compile(r"(?P<metric>[a-zA-Z_:][a-zA-Z0-9_:]*)?\s*(?P<body>\{[^{}]*\})|(?P<bare>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*\[")
_MATCHER = re.compile(r'\s*(?P<name>[a-zA-Z_][a-zA-Z0-9_]*)\s*(?P<op>=~|!~|!=|=)\s*(?P<q>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')\s*,?')
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool"}


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str

    def matches(self, value: str) -> bool:
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        found = re.fullmatch(self.value, value) is not None
        return found if self.op == "=~" else not found


@dataclass(frozen=True)
class Selector:
    metric: str | None
    matchers: tuple[Matcher, ...]


def parse_matchers(body: str) -> tuple[Matcher, ...]:
    inner = body.strip()[1:-1] if body.strip().startswith("{") else body
    matchers, pos = [], 0
    while pos < len(inner) and inner[pos:].strip():
        match = _MATCHER.match(inner, pos)
        if not match:
            raise ScenarioError(f"cannot read the label matchers {body!r}")
        quoted = match["q"]
        value = bytes(quoted[1:-1], "utf-8").decode("unicode_escape") if "\\" in quoted else quoted[1:-1]
        matchers.append(Matcher(match["name"], match["op"], value))
        pos = match.end()
    return tuple(matchers)


def selectors_in(query: str) -> list[Selector]:
    """Vector selectors in a PromQL query (metric name and matchers), in order of appearance."""
    query = re.sub(r'"(?:[^"\\]|\\.)*"', lambda m: m.group(0).replace("{", "\x00").replace("}", "\x01"), query)
    found = []
    for match in _SELECTOR.finditer(query):
        if match["bare"]:
            if match["bare"] in _KEYWORDS:
                continue
            found.append(Selector(match["bare"], ()))
            continue
        body = match["body"].replace("\x00", "{").replace("\x01", "}")
        matchers = parse_matchers(body)
        metric = match["metric"]
        if metric in _KEYWORDS:  # `by {` does not occur; defensive
            metric = None
        names = [m for m in matchers if m.name == "__name__" and m.op == "="]
        if metric is None and names:
            metric = names[0].value
        matchers = tuple(m for m in matchers if m.name != "__name__")
        if metric is None:
            continue  # a `by (...)`-less brace that is not a selector
        found.append(Selector(metric, matchers))
    return found


def _sample_regex(pattern: str) -> str | None:
    """A short string matching ``pattern`` (PromQL regexes are anchored), or None."""
    try:
        from re import _parser as sre  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - Python < 3.11
        import sre_parse as sre  # type: ignore[no-redef]
    try:
        tree = sre.parse(pattern)
    except re.error:
        return None

    def walk(items) -> str:
        out = []
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                out.append(chr(arg))
            elif name == "ANY":
                out.append("0")
            elif name == "IN":
                out.append(_first_in(arg))
            elif name == "BRANCH":
                out.append(walk(arg[1][0]))
            elif name == "SUBPATTERN":
                out.append(walk(arg[-1]))
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                low, _high, sub = arg
                out.append(walk(sub) * max(low, 0))
            elif name == "NOT_LITERAL":
                out.append("x" if chr(arg) != "x" else "y")
            elif name == "AT":
                continue
            else:
                raise ValueError(name)
        return "".join(out)

    def _first_in(items) -> str:
        for op, arg in items:
            name = str(op)
            if name == "LITERAL":
                return chr(arg)
            if name == "RANGE":
                return chr(arg[0])
            if name == "CATEGORY":
                return "0" if "DIGIT" in str(arg) and "NOT" not in str(arg) else "a"
        return "x"

    try:
        sample = walk(tree)
    except ValueError:
        return None
    return sample if re.fullmatch(pattern, sample) else None


_GOOD_VALUES = ("ok", "200", "success", "good", "2xx", "")
_BAD_VALUES = ("500", "error", "failed", "5xx", "x")


def _candidates(matchers: list[Matcher], preferred: tuple[str, ...]) -> list[str]:
    values = []
    for matcher in matchers:
        if matcher.op == "=":
            values.append(matcher.value)
        elif matcher.op == "=~":
            sample = _sample_regex(matcher.value)
            if sample is not None:
                values.append(sample)
    return values + list(preferred)


def _choose(matchers: list[Matcher], preferred: tuple[str, ...], avoid: list[Matcher] = ()) -> str | None:
    """A label value satisfying every matcher in ``matchers`` and failing one in ``avoid``."""
    for value in _candidates(matchers, preferred):
        if all(m.matches(value) for m in matchers) and (not avoid or not all(m.matches(value) for m in avoid)):
            return value
    return None


def _labels_for(matchers: list[Matcher], preferred: tuple[str, ...]) -> dict[str, str] | None:
    labels = {}
    for name in sorted({m.name for m in matchers}):
        own = [m for m in matchers if m.name == name]
        value = _choose(own, preferred)
        if value is None:
            return None
        if value:
            labels[name] = value
    return labels


@dataclass(frozen=True)
class CounterPlan:
    """Which counters to write: (metric, labels, counts 'events' | 'errors' | 'good')."""

    counters: tuple[tuple[str, tuple[tuple[str, str], ...], str], ...]


def events_plan(error_query: str, total_query: str) -> CounterPlan:
    """Counters behind an events SLI, found from the matchers of its two queries.

    Same metric: one series matching both queries (the errors) and one matching only the total
    (the good events). Different metrics: an error counter and a total counter. An error query
    ``total - good`` (the total's own selector minus another): the total and the good counter.
    """
    errors = selectors_in(error_query.replace(WINDOW_PLACEHOLDER, "5m"))
    totals = selectors_in(total_query.replace(WINDOW_PLACEHOLDER, "5m"))
    if len(errors) == 2 and len(totals) == 1 and errors[0] == totals[0] and "-" in error_query:
        # `total - good` (e.g. `_count - _bucket{le=...}`): write the total and the good counter
        total_labels = _labels_for(list(totals[0].matchers), _GOOD_VALUES)
        good_labels = _labels_for(list(errors[1].matchers), _GOOD_VALUES)
        if total_labels is None or good_labels is None:
            raise ScenarioError("cannot derive test series: no label values satisfy the queries' matchers")
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
        error_labels = _labels_for(list(error.matchers), _BAD_VALUES)
        total_labels = _labels_for(list(total.matchers), _GOOD_VALUES)
        if error_labels is None or total_labels is None:
            raise ScenarioError("cannot derive test series: no label values satisfy the queries' matchers")
        return CounterPlan(
            ((error.metric, tuple(sorted(error_labels.items())), "errors"), (total.metric, tuple(sorted(total_labels.items())), "events"))
        )
    both = list(error.matchers) + list(total.matchers)
    bad = _labels_for(both, _BAD_VALUES)
    if bad is None:
        raise ScenarioError("cannot derive test series: no label values match both the error and the total query")
    for name in sorted({m.name for m in error.matchers}):
        value = _choose(
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
        if all(m.matches(good.get(m.name, "")) for m in total.matchers) and not all(
            m.matches(good.get(m.name, "")) for m in error.matchers
        ):
            return CounterPlan(
                ((error.metric, tuple(sorted(bad.items())), "errors"), (error.metric, tuple(sorted(good.items())), "good"))
            )
    raise ScenarioError("cannot derive test series: no label value separates the error query from the total query")


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
    if not selector_text.strip():
        return {}
    labels = _labels_for(list(parse_matchers(selector_text)), _GOOD_VALUES)
    if labels is None:
        raise ScenarioError(f"cannot derive test series: no label values satisfy {selector_text!r}")
    return labels


def input_series(slo: SLO, timeline: Timeline) -> list[InputSeries]:
    """The series the SLI's queries read, carrying the timeline's counts (sorted by selector)."""
    sli = slo.sli
    events = list(timeline.events)
    errors = list(timeline.errors)
    good = [e - x for e, x in zip(events, errors)]
    series: list[InputSeries] = []
    if sli.events is not None:
        plan = events_plan(sli.events.error_query, sli.events.total_query)
        counts = {"events": events, "errors": errors, "good": good}
        for metric, labels, kind in plan.counters:
            series.append(InputSeries(series=series_selector(metric, dict(labels)), values=counter_notation(counts[kind])))
    elif sli.latency is not None:
        labels = _matcher_labels(sli.latency.selector)
        le = le_values(sli.latency.threshold)[0]
        series.append(InputSeries(series=series_selector(f"{sli.latency.metric}_bucket", {**labels, "le": le}), values=counter_notation(good)))
        series.append(InputSeries(series=series_selector(f"{sli.latency.metric}_count", labels), values=counter_notation(events)))
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
