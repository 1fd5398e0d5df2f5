"""Build promtool unit-test files (``promtool test rules``) from typed Python objects.

burnwise generates a unit test per SLO and runs backtests by writing such files; hand-writing
the YAML invites two classic mistakes this module removes:

* promtool's expanding notation is off-by-one in a way that is easy to forget: ``'1x3'`` is *four*
  samples, ``'_x3'`` is *three* missing ones. :class:`Values` counts samples instead, and keeps
  counters continuing from their last value.
* Output must be deterministic (files are committed and diffed): labels are sorted, keys come in
  a fixed order, durations are normalised (``timedelta(seconds=90)`` becomes ``1m30s``).

Example::

    traffic = Values().counter(increase=60, samples=61)          # 1 req/s for an hour, 1m apart
    errors = Values().repeat(0, 31).counter(increase=60, samples=30)  # outage after 30 minutes
    group = RuleTestGroup(
        name="full outage pages",
        interval="1m",
        input_series=[
            InputSeries.of("http_requests_total", {"job": "api"}, traffic),
            InputSeries.of("http_requests_total", {"job": "api", "code": "500"}, errors),
        ],
        alert_rule_test=[AlertRuleTest(eval_time="40m", alertname="Page", exp_alerts=[...])],
    )
    RuleTestFile(rule_files=["../api.rules.yaml"], tests=[group]).write(path)
"""

from __future__ import annotations

import math
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Annotated

from burnwise.durations import format_millis, parse_millis
from burnwise.generator.yaml_out import TEST_FILE_STYLE
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "AlertRuleTest",
    "ExpectedAlert",
    "ExpectedSample",
    "InputSeries",
    "PromqlExprTest",
    "RuleTestFile",
    "RuleTestGroup",
    "Values",
    "format_duration",
    "format_number",
    "series_selector",
]

def format_duration(value: str | timedelta | int | float) -> str:
    """A Prometheus duration string. Numbers are seconds; ``timedelta`` is converted exactly
    (``1m30s``); strings are checked, so a typo fails here rather than inside promtool."""
    if isinstance(value, str):
        if parse_millis(value) is None:
            raise ValueError(f"{value!r} is not a Prometheus duration (e.g. 30s, 5m, 1h30m, 3d)")
        return value
    millis = round((value.total_seconds() if isinstance(value, timedelta) else value) * 1000)
    if millis < 0:
        raise ValueError(f"duration must not be negative: {value!r}")
    return format_millis(millis)


Duration = Annotated[str, BeforeValidator(format_duration)]


def format_number(value: float) -> str:
    """A number for promtool's series notation: integers without ``.0``, floats exactly and
    without exponent (``1e-05`` would be read as a ramp by the notation's ``-``)."""
    if isinstance(value, bool):
        raise ValueError("a sample value must be a number, not a bool")
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Inf" if value > 0 else "-Inf"
    text = format(Decimal(repr(float(value))), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def series_selector(metric: str | None, labels: dict[str, str] | None = None) -> str:
    """``metric{a="1", b="2"}`` with labels sorted, values escaped for PromQL."""
    labels = labels or {}
    inner = ", ".join(f"{name}={_promql_string(labels[name])}" for name in sorted(labels))
    if not metric:
        return "{" + inner + "}"
    return f"{metric}{{{inner}}}" if inner else metric


def _promql_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class Values:
    """An input series in promtool's expanding notation, built by *sample count*.

    Every method returns a new ``Values`` (the builder is immutable, so a shared prefix can be
    reused). ``str(values)`` is the notation; ``len(values)`` the number of samples, i.e. time
    steps of the test group's ``interval``.
    """

    def __init__(self) -> None:
        self._segments: tuple[str, ...] = ()
        self._samples = 0
        self._last: float | None = None

    def _extend(self, segment: str, samples: int, last: float | None) -> Values:
        new = Values()
        new._segments = self._segments + (segment,)
        new._samples = self._samples + samples
        new._last = last
        return new

    @staticmethod
    def _check_count(samples: int) -> None:
        if not isinstance(samples, int) or samples < 1:
            raise ValueError(f"samples must be a positive integer, got {samples!r}")

    def ramp(self, start: float, step: float, samples: int) -> Values:
        """``samples`` values: start, start+step, start+2*step, ..."""
        self._check_count(samples)
        if samples == 1:
            return self._extend(format_number(start), 1, start)
        sign = "-" if step < 0 else "+"
        segment = f"{format_number(start)}{sign}{format_number(abs(step))}x{samples - 1}"
        return self._extend(segment, samples, start + step * (samples - 1))

    def repeat(self, value: float, samples: int) -> Values:
        """The same value ``samples`` times (a gauge, or a counter that does not move)."""
        self._check_count(samples)
        segment = format_number(value) if samples == 1 else f"{format_number(value)}x{samples - 1}"
        return self._extend(segment, samples, value)

    def counter(self, increase: float, samples: int, start: float | None = None) -> Values:
        """A counter growing by ``increase`` per sample, continuing from the previous value.

        The first sample is ``start`` if given, else the previous value + ``increase``, else 0.
        Prefer increases that are exact in binary (integers, halves, quarters): promtool and
        Python may round ``0.1``-style steps differently, and tests compare values exactly.
        """
        if start is None:
            start = 0 if self._last is None else self._last + increase
        return self.ramp(start, increase, samples)

    def missing(self, samples: int) -> Values:
        """``samples`` scrapes with no value (a gap, not a reset)."""
        self._check_count(samples)
        segment = "_" if samples == 1 else f"_x{samples}"
        return self._extend(segment, samples, self._last)

    def stale(self) -> Values:
        """A staleness marker: the series ends here, as when a target disappears."""
        return self._extend("stale", 1, None)

    @property
    def last(self) -> float | None:
        """The last numeric value (None after ``stale`` or when empty)."""
        return self._last

    def __len__(self) -> int:
        return self._samples

    def __str__(self) -> str:
        if not self._segments:
            raise ValueError("an input series needs at least one sample")
        return " ".join(self._segments)

    def __repr__(self) -> str:
        return f"Values({' '.join(self._segments)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Values) and self._segments == other._segments

    def __hash__(self) -> int:
        return hash(self._segments)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class InputSeries(_Model):
    series: str
    values: str

    @classmethod
    def of(cls, metric: str, labels: dict[str, str] | None, values: Values | str) -> InputSeries:
        return cls(series=series_selector(metric, labels), values=str(values))


class ExpectedAlert(_Model):
    """An alert expected to be firing. ``alertname`` is implied by the test case."""

    exp_labels: dict[str, str] = Field(default_factory=dict)
    exp_annotations: dict[str, str] = Field(default_factory=dict)


class AlertRuleTest(_Model):
    """``alert_rule_test`` entry: at ``eval_time``, exactly ``exp_alerts`` are firing
    (an empty list asserts that nothing fires)."""

    eval_time: Duration
    alertname: str
    exp_alerts: list[ExpectedAlert] = Field(default_factory=list)


class ExpectedSample(_Model):
    labels: str
    value: float

    @classmethod
    def of(cls, metric: str | None, labels: dict[str, str] | None, value: float) -> ExpectedSample:
        return cls(labels=series_selector(metric, labels), value=value)


class PromqlExprTest(_Model):
    """``promql_expr_test`` entry: at ``eval_time``, ``expr`` returns exactly ``exp_samples``."""

    expr: str
    eval_time: Duration
    exp_samples: list[ExpectedSample] = Field(default_factory=list)


class RuleTestGroup(_Model):
    """One element of ``tests:``: input series on an ``interval`` grid and assertions."""

    name: str | None = None
    interval: Duration = "1m"
    input_series: list[InputSeries] = Field(default_factory=list)
    alert_rule_test: list[AlertRuleTest] = Field(default_factory=list)
    promql_expr_test: list[PromqlExprTest] = Field(default_factory=list)
    external_labels: dict[str, str] = Field(default_factory=dict)


class RuleTestFile(_Model):
    """A whole promtool test file. ``rule_files`` are relative to the test file's directory."""

    rule_files: list[str]
    evaluation_interval: Duration = "1m"
    group_eval_order: list[str] = Field(default_factory=list)
    tests: list[RuleTestGroup] = Field(default_factory=list)

    def to_data(self) -> dict:
        """Plain data in promtool's key order, empty optional parts left out."""
        return _clean(self.model_dump(mode="python"))

    def to_yaml(self) -> str:
        """Deterministic YAML: the same model always gives the same bytes (with or without libyaml)."""
        return TEST_FILE_STYLE.dump(self.to_data())

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_yaml(), encoding="utf-8")
        return path


_ALWAYS_KEPT = {"exp_alerts", "exp_samples", "rule_files", "tests", "input_series"}


def _clean(value):
    """Drop None and empty optional fields; sort label maps (output must not depend on input
    order)."""
    if isinstance(value, dict):
        cleaned = {}
        for key, item in value.items():
            if item is None or (item in ({}, []) and key not in _ALWAYS_KEPT):
                continue
            item = _clean(item)
            if key in ("exp_labels", "exp_annotations", "external_labels"):
                item = dict(sorted(item.items()))
            cleaned[key] = item
        return cleaned
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value
