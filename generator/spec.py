"""The `burnwise/v1` SLO spec: one service per file, validated into one pydantic model.

Every other input format (Sloth, OpenSLO, Jsonnet) is converted into this model, so the rest of
the pipeline (windows, SLIs, rules, rendering) knows a single shape. Validation is strict
(`extra="forbid"`): a misspelt key is an error naming the key, not a silently ignored setting.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Literal

from burnwise.durations import DurationError, parse_duration
from burnwise.generator.budget_policy import BudgetPolicySpec
from burnwise.generator.numbers import to_decimal
from burnwise.promql.query import PromQLSyntaxError, outer_aggregation
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from burnwise.promql import query as promql_query

SPEC_VERSION = "burnwise/v1"
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
LABEL_NAME_PATTERN = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
#: Prometheus takes any alert name; burnwise keeps to letters, digits, `_` and `-` (Sloth specs use dashes).
ALERT_NAME_PATTERN = r"^[a-zA-Z_][a-zA-Z0-9_-]*$"
WINDOW_PLACEHOLDER = "{{.window}}"
MIN_PERIOD_SECONDS = 24 * 3600
SEVERITIES = ("sev1", "sev2", "sev3")
#: Labels burnwise sets itself on every alert; a spec may not set them through `labels`.
RESERVED_LABELS = frozenset({"service", "slo", "owner", "burnwise_tier", "severity", "__name__"})
#: Labels a grouping may not use: burnwise's own, the ALERTS series' own, and `le` (the histogram
#: bucket boundary of latency SLIs, summed away by burnwise).
GROUPING_RESERVED = RESERVED_LABELS | {"alertname", "alertstate", "le"}


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_labels(labels: dict[str, str], reserved: frozenset[str] = RESERVED_LABELS) -> dict[str, str]:
    for key in labels:
        if not LABEL_NAME_PATTERN.match(key):
            raise ValueError(f"label name {key!r} is not a valid Prometheus label name")
        if key in reserved:
            raise ValueError(f"label {key!r} is set by burnwise; choose another name")
    return labels


def _check_duration(value: object) -> int:
    try:
        return parse_duration(value)  # type: ignore[arg-type]
    except DurationError as exc:
        raise ValueError(str(exc)) from None


def _check_windowed(query: str) -> str:
    if WINDOW_PLACEHOLDER not in query:
        raise ValueError(f"must contain {WINDOW_PLACEHOLDER} where the range goes, e.g. rate(x[{WINDOW_PLACEHOLDER}])")
    return query


Labels = dict[str, str]
WindowedQuery = Annotated[str, Field(min_length=1)]


class EventsSLI(StrictModel):
    """Error and total event rates, each a PromQL query with `{{.window}}` as its range."""

    error_query: WindowedQuery
    total_query: WindowedQuery

    _windowed = field_validator("error_query", "total_query")(_check_windowed)


class LatencySLI(StrictModel):
    """Good events are requests faster than `threshold`: the `_bucket{le=threshold}` of a histogram."""

    metric: str = Field(pattern=r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
    selector: str = ""
    threshold: Decimal

    @field_validator("threshold", mode="before")
    @classmethod
    def _threshold(cls, value: object) -> Decimal:
        number = to_decimal(value)
        if number <= 0:
            raise ValueError("must be a positive number of seconds matching a histogram bucket boundary")
        return number

    @field_validator("selector")
    @classmethod
    def _selector(cls, value: str) -> str:
        value = value.strip()
        if value and not (value.startswith("{") and value.endswith("}")):
            raise ValueError('must be a label selector in braces, e.g. {job="checkout"}')
        if value:
            try:
                selector = promql_query.parse_selector(value)
            except promql_query.PromQLSyntaxError as exc:
                raise ValueError(str(exc)) from None
            if any(m.name == "le" for m in selector.matchers):
                raise ValueError("must not select `le`; burnwise adds the bucket boundary from `threshold`")
        return value

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        for suffix in ("_bucket", "_count", "_sum"):
            if value.endswith(suffix):
                raise ValueError(f"name the histogram without {suffix!r} (e.g. http_request_duration_seconds)")
        return value


class RawSLI(StrictModel):
    """A ready-made error ratio query, run over every alert window (a ratio cannot be summed)."""

    error_ratio_query: WindowedQuery
    #: Optional hook for generated unit tests: input series (promtool notation) for healthy
    #: and failing traffic, since burnwise cannot guess the series behind an arbitrary query.
    test_series: "RawTestSeries | None" = None

    _windowed = field_validator("error_ratio_query")(_check_windowed)


class RawTestSeries(StrictModel):
    """Series for promtool tests of a raw SLI: `error_ratio` is the ratio the query must then return."""

    healthy: dict[str, str]
    failing: dict[str, str]
    failing_error_ratio: Decimal

    @field_validator("failing_error_ratio", mode="before")
    @classmethod
    def _ratio(cls, value: object) -> Decimal:
        number = to_decimal(value)
        if not 0 < number <= 1:
            raise ValueError("must be > 0 and <= 1")
        return number


RawSLI.model_rebuild()


class SLI(StrictModel):
    events: EventsSLI | None = None
    latency: LatencySLI | None = None
    raw: RawSLI | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "SLI":
        kinds = [k for k in ("events", "latency", "raw") if getattr(self, k) is not None]
        if len(kinds) != 1:
            found = ", ".join(kinds) if kinds else "none"
            raise ValueError(f"must have exactly one of events, latency, raw (found: {found})")
        return self

    @property
    def kind(self) -> str:
        return next(k for k in ("events", "latency", "raw") if getattr(self, k) is not None)


class WindowOverride(StrictModel):
    """One multiwindow condition: burn faster than `factor` over both `long` and `short`."""

    factor: Decimal
    long: int
    short: int

    @field_validator("factor", mode="before")
    @classmethod
    def _factor(cls, value: object) -> Decimal:
        number = to_decimal(value)
        if number <= 0:
            raise ValueError("must be a positive burn-rate factor")
        return number

    _durations = field_validator("long", "short", mode="before")(_check_duration)

    @model_validator(mode="after")
    def _short_within_long(self) -> "WindowOverride":
        if self.short > self.long:
            raise ValueError("short window must not be longer than the long window")
        return self


class TierOverride(StrictModel):
    disable: bool = False
    severity: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9_-]+$")
    windows: list[WindowOverride] | None = Field(default=None, min_length=1)
    labels: Labels = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)

    _labels = field_validator("labels")(_check_labels)


class AlertClass(StrictModel):
    """Settings shared by the page tiers (sev1, sev2) or by the ticket tier (sev3)."""

    labels: Labels = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    disable: bool = False

    _labels = field_validator("labels")(_check_labels)


class Tiers(StrictModel):
    sev1: TierOverride = Field(default_factory=TierOverride)
    sev2: TierOverride = Field(default_factory=TierOverride)
    sev3: TierOverride = Field(default_factory=TierOverride)


class Alerting(StrictModel):
    name: str | None = Field(default=None, pattern=ALERT_NAME_PATTERN)
    labels: Labels = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    runbook_url: str | None = None
    page: AlertClass = Field(default_factory=AlertClass)
    ticket: AlertClass = Field(default_factory=AlertClass)
    tiers: Tiers = Field(default_factory=Tiers)
    #: Fire `<name>NoData` when the SLI's total query returns nothing for this long (off when unset).
    no_data_for: int | None = None
    #: Opt-in: fire `<name>BudgetExhausted` (a ticket) once the period's error budget has been
    #: used up for this long, per group for a grouped SLO (off when unset).
    budget_exhausted_for: int | None = None

    _labels = field_validator("labels")(_check_labels)

    @field_validator("no_data_for", "budget_exhausted_for", mode="before")
    @classmethod
    def _no_data_for(cls, value: object) -> int | None:
        return None if value is None else _check_duration(value)

    @model_validator(mode="after")
    def _page_tiers_are_distinct_alerts(self) -> "Alerting":
        """sev1 and sev2 share an alert name and the page labels: they need different severities
        (or labels), else Prometheus sees one alert twice ("duplicate sample for timestamp")."""
        sev1, sev2 = self.tiers.sev1, self.tiers.sev2
        if self.page.disable or sev1.disable or sev2.disable:
            return self
        if (sev1.severity or "sev1") == (sev2.severity or "sev2") and sev1.labels == sev2.labels:
            raise ValueError(
                f"tiers sev1 and sev2 both use severity {sev1.severity or 'sev1'!r} with the same labels, "
                "so they would be the same alert: give them different severities or labels, or disable one"
            )
        return self


def _check_group_by(labels: list[str]) -> list[str]:
    seen: set[str] = set()
    for label in labels:
        if not LABEL_NAME_PATTERN.match(label) or label.startswith("__"):
            raise ValueError(f"{label!r} is not a valid Prometheus label name to group by")
        if label in GROUPING_RESERVED:
            raise ValueError(f"cannot group by {label!r}: burnwise or Prometheus sets it on every recorded series or alert")
        if label in seen:
            raise ValueError(f"{label!r} is listed twice")
        seen.add(label)
    return labels


def _grouping_lost(query: str, group_by: list[str]) -> str | None:
    """Why ``query`` cannot be split per group (its outer aggregation drops a grouping label), or None."""
    try:
        outer = outer_aggregation(query, WINDOW_PLACEHOLDER)
    except PromQLSyntaxError:
        return None  # the PromQL check reports the syntax
    if outer is None:
        return None
    if outer.modifier is None and outer.op in ("sum", "count", "min", "max", "avg"):
        return f"is one {outer.op}(...) over every group; write {outer.op} by ({', '.join(group_by)}) (...) or drop the outer {outer.op}"
    if outer.modifier == "by":
        missing = [label for label in group_by if label not in outer.labels]
        if missing:
            return f"aggregates by ({', '.join(outer.labels)}), which drops the grouping label {missing[0]!r}"
    if outer.modifier == "without":
        dropped = [label for label in group_by if label in outer.labels]
        if dropped:
            return f"aggregates without ({', '.join(outer.labels)}), which drops the grouping label {dropped[0]!r}"
    return None


class SLO(StrictModel):
    name: str = Field(pattern=NAME_PATTERN, max_length=63)
    objective: Decimal
    period: int = 30 * 24 * 3600
    description: str = ""
    sli: SLI
    #: Labels kept through every recording rule: one SLO, budget and alert per group of values
    #: (e.g. per cluster). Empty: one series per SLO. See docs/grouping.md for the cost.
    group_by: list[str] = Field(default_factory=list)
    #: The most groups the owner expects; bounds the series cost of a grouping whose labels the
    #: SLI's selectors do not pin (see :mod:`burnwise.generator.grouping`).
    max_groups: int | None = Field(default=None, ge=1)
    #: Alerts stay quiet when the long window saw fewer events than this (low-traffic services).
    min_events: int | None = Field(default=None, ge=1)
    labels: Labels = Field(default_factory=dict)
    alerting: Alerting = Field(default_factory=Alerting)
    #: error-budget policy for this SLO (wins over the service's); see generator/budget_policy.py
    policy: BudgetPolicySpec | None = None

    _labels = field_validator("labels")(_check_labels)
    _group_by = field_validator("group_by")(_check_group_by)

    @field_validator("objective", mode="before")
    @classmethod
    def _objective(cls, value: object) -> Decimal:
        try:
            number = to_decimal(value)
        except ValueError:
            raise ValueError("must be a number (percent), e.g. 99.9") from None
        if not 0 < number < 100:
            raise ValueError("must be > 0 and < 100")
        return number

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: object) -> int:
        seconds = _check_duration(value)
        if seconds < MIN_PERIOD_SECONDS:
            raise ValueError("must be at least 1d")
        return seconds

    @model_validator(mode="after")
    def _min_events_needs_counts(self) -> "SLO":
        if self.min_events is not None and self.sli.kind == "raw":
            raise ValueError("min_events needs event counts; a raw SLI has only a ratio")
        return self

    @model_validator(mode="after")
    def _group_labels_are_not_static(self) -> "SLO":
        """A group label also set as a static label would overwrite every group's value."""
        static = {**self.labels, **self.alerting.labels, **self.alerting.page.labels, **self.alerting.ticket.labels}
        for tier in ("sev1", "sev2", "sev3"):
            static.update(getattr(self.alerting.tiers, tier).labels)
        clash = sorted(set(self.group_by) & set(static))
        if clash:
            raise ValueError(f"group_by label {clash[0]!r} is also set as a fixed label; the fixed value would hide every group's own")
        queries = {}
        if self.sli.events is not None:
            queries = {f"sli.events.{f}": getattr(self.sli.events, f) for f in ("error_query", "total_query")}
        elif self.sli.raw is not None:
            queries = {"sli.raw.error_ratio_query": self.sli.raw.error_ratio_query}
        for where, query in queries.items() if self.group_by else ():
            problem = _grouping_lost(query, self.group_by)
            if problem:
                raise ValueError(f"{where} {problem}")
        if self.max_groups is not None and not self.group_by:
            raise ValueError("max_groups bounds a grouping: set group_by too, or remove max_groups")
        return self

    @property
    def objective_ratio(self) -> Decimal:
        return self.objective / 100

    @property
    def error_budget(self) -> Decimal:
        return 1 - self.objective / 100


class ServiceSpec(StrictModel):
    version: Literal["burnwise/v1"]
    service: str = Field(pattern=NAME_PATTERN, max_length=63)
    owner: str | None = Field(default=None, pattern=NAME_PATTERN)
    labels: Labels = Field(default_factory=dict)
    #: error-budget policy for every SLO of the service (an SLO's own ``policy`` wins)
    policy: BudgetPolicySpec | None = None
    slos: list[SLO] = Field(min_length=1)

    _labels = field_validator("labels")(_check_labels)

    @model_validator(mode="after")
    def _unique_slo_names(self) -> "ServiceSpec":
        seen: set[str] = set()
        for slo in self.slos:
            clash = sorted(set(slo.group_by) & set(self.labels))
            if clash:
                raise ValueError(f"SLO {slo.name!r}: group_by label {clash[0]!r} is also a service label; the fixed value would hide every group's own")
            if slo.name in seen:
                raise ValueError(f"SLO name {slo.name!r} is used twice; names must be unique within a file")
            seen.add(slo.name)
        return self

    @property
    def owner_surface(self) -> str:
        """The roster surface paged for this service (defaults to the service name)."""
        return self.owner or self.service
