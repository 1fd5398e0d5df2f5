"""Pyrra `ServiceLevelObjective` CRDs (`pyrra.dev/v1alpha1`, also bare `v1alpha1`) as `burnwise/v1` documents.

Teams running Pyrra keep their objects: `burnwise generate` reads them directly and
`burnwise convert --from pyrra` writes the equivalent native spec. The mapping:

* One object is one burnwise service named after ``metadata.name`` with one SLO of the same name,
  so the alerts' ``slo`` label keeps Pyrra's value (Pyrra has no service; the Kubernetes namespace
  and the other ``metadata.labels``, which select the PrometheusRule, are notes).
* ``spec.target`` (percent) is the objective, ``spec.window`` the period, ``spec.description`` the
  description.
* Indicators: ``ratio`` (errors/total selectors) -> ``sli.events`` with ``sum(rate(...))``;
  ``latency`` (a ``_bucket{le=...}`` success and the ``_count`` total of one histogram) ->
  ``sli.latency`` (else ``sli.events`` as total minus success); ``boolGauge`` (a 0/1 gauge) ->
  a raw SLI, the share of samples at 0 (with test series for generated tests); ``grouping`` -> the SLO field ``group_by`` and ``sum by``
  queries (one burn rate and alert per group, as Pyrra); ``latencyNative`` is refused: it reads
  native histograms, which burnwise's classic-histogram rules do not.
* Pyrra's four multiwindow alerts, scaled with the window as Pyrra scales them (28d: 14x over
  1h/5m and 7x over 6h/30m ``severity: critical``, 2x over 1d/2h and 1x over 4d/6h ``warning``)
  become tiers sev1, sev2 and sev3 with those windows (rounded to whole minutes) and severities;
  both page tiers are ``critical``, so they also carry ``burnwise_sev: sev1|sev2``.
* ``alerting.name`` (default Pyrra's ``ErrorBudgetBurn``, kept so routes match),
  ``alerting.disabled`` / ``burnrates: false`` (no burn-rate alerts), ``alerting.absent``
  (default on: ``<name>NoData`` after the fastest short window).
* ``pyrra.dev/<key>`` labels and annotations of the object become the alerts' ``<key>`` labels and
  annotations, as Pyrra propagates them.

Anything else is an error naming file, object and field; nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from burnwise.durations import DurationError, format_duration, parse_duration
from burnwise.generator.errors import SpecError, SpecProblem
from burnwise.generator.numbers import format_decimal, to_decimal
from burnwise.generator.spec import NAME_PATTERN, RESERVED_LABELS, SPEC_VERSION
from burnwise.promql.matchers import Matcher, selector_text
from burnwise.promql.sampling import labels_for
from burnwise.promql.query import PromQLSyntaxError, parse_selector

API_VERSIONS = ("pyrra.dev/v1alpha1", "v1alpha1")
KIND = "ServiceLevelObjective"
PREFIX = "pyrra.dev/"
DEFAULT_ALERT_NAME = "ErrorBudgetBurn"
#: Tells the two page tiers apart: both carry Pyrra's `severity: critical`.
TIER_LABEL = "burnwise_sev"
REFERENCE_WINDOW = 28 * 86400
#: Pyrra's alert windows for a 28d window (tier, factor, long, short, severity); scaled with the window.
PYRRA_WINDOWS = (
    ("sev1", 14, 3600, 300, "critical"),
    ("sev2", 7, 6 * 3600, 1800, "critical"),
    ("sev3", 2, 86400, 2 * 3600, "warning"),
    ("sev3", 1, 4 * 86400, 6 * 3600, "warning"),
)
SPEC_KEYS = {"target", "window", "description", "indicator", "alerting"}
INDICATORS = ("ratio", "latency", "boolGauge", "latencyNative")
ALERTING_KEYS = {"name", "disabled", "burnrates", "absent"}


@dataclass
class Conversion:
    documents: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Context:
    def __init__(self, display: str, name: str) -> None:
        self.display, self.prefix = display, f"ServiceLevelObjective {name}: " if name else ""
        self.problems: list[SpecProblem] = []
        self.notes: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(SpecProblem(self.display, f"{self.prefix}{where}", message))

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{self.prefix}{where}: {message}" if where else f"{self.prefix}{message}")

    def known(self, value: dict[str, Any], keys: set[str], where: str) -> None:
        for key in sorted(set(value) - keys):
            self.problem(f"{where}.{key}", f"unknown Pyrra field (known here: {', '.join(sorted(keys))}); burnwise will not drop it silently")


def _mapping(ctx: _Context, value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        ctx.problem(where, "must be a mapping")
        return {}
    return value


def scaled_windows(period: int) -> list[tuple[str, Decimal, int, int, str]]:
    """Pyrra's windows for ``period``: the 28d table scaled by period/28d, in whole minutes (>= 1m)."""

    def minutes(seconds: int) -> int:
        return max(60, round(seconds * period / REFERENCE_WINDOW / 60) * 60)

    return [(tier, Decimal(f), minutes(long), minutes(short), sev) for tier, f, long, short, sev in PYRRA_WINDOWS]


def _selector(ctx: _Context, value: Any, where: str):
    entry = _mapping(ctx, value, where)
    ctx.known(entry, {"metric"}, where)
    text = entry.get("metric")
    if not isinstance(text, str) or not text.strip():
        ctx.problem(f"{where}.metric", "needs a series selector, e.g. http_requests_total{job=\"api\"}")
        return None
    try:
        selector = parse_selector(text)
    except PromQLSyntaxError as exc:
        ctx.problem(f"{where}.metric", str(exc))
        return None
    if selector.metric is None:
        ctx.problem(f"{where}.metric", "needs a metric name before the braces")
        return None
    return selector


def _by(grouping: list[str]) -> str:
    return f" by ({', '.join(grouping)})" if grouping else ""


def _sum(grouping: list[str], inner: str) -> str:
    return f"sum{_by(grouping)}({inner})"


def _text(selector) -> str:
    return selector_text(selector.matchers, selector.metric)


def _grouping(ctx: _Context, body: dict[str, Any], where: str) -> list[str]:
    grouping = body.get("grouping") or []
    if not isinstance(grouping, list) or not all(isinstance(g, str) and re.match(r"^[a-zA-Z_][a-zA-Z0-9_]*$", g) for g in grouping):
        ctx.problem(f"{where}.grouping", "must be a list of label names")
        return []
    return list(grouping)


def _ratio(ctx: _Context, body: dict[str, Any], where: str, grouping: list[str]) -> dict[str, Any] | None:
    ctx.known(body, {"errors", "total", "grouping"}, where)
    errors = _selector(ctx, body.get("errors"), f"{where}.errors")
    total = _selector(ctx, body.get("total"), f"{where}.total")
    if errors is None or total is None:
        return None
    return {
        "events": {
            "error_query": _sum(grouping, f"rate({_text(errors)}[{{{{.window}}}}])"),
            "total_query": _sum(grouping, f"rate({_text(total)}[{{{{.window}}}}])"),
        }
    }


def _latency(ctx: _Context, body: dict[str, Any], where: str, grouping: list[str]) -> dict[str, Any] | None:
    ctx.known(body, {"success", "total", "grouping"}, where)
    success = _selector(ctx, body.get("success"), f"{where}.success")
    total = _selector(ctx, body.get("total"), f"{where}.total")
    if success is None or total is None:
        return None
    le = [m for m in success.matchers if m.name == "le"]
    if not success.metric.endswith("_bucket") or len(le) != 1 or le[0].op != "=":
        ctx.problem(f"{where}.success.metric", "must be a histogram's _bucket series with one le=\"...\" matcher")
        return None
    base = success.metric.removesuffix("_bucket")
    others = tuple(m for m in success.matchers if m.name != "le")
    if not grouping and total.metric == f"{base}_count" and set(total.matchers) == set(others):
        try:
            threshold = to_decimal(le[0].value)
        except ValueError:
            threshold = None
        if threshold is not None and threshold > 0:
            return {"latency": {"metric": base, "selector": selector_text(others) if others else "", "threshold": format_decimal(threshold)}}
    # another total, or per-group: errors are total minus the fast requests, as Pyrra computes them
    good = _sum(grouping, f"rate({_text(success)}[{{{{.window}}}}])")
    all_ = _sum(grouping, f"rate({_text(total)}[{{{{.window}}}}])")
    return {"events": {"error_query": f"(\n  {all_}\n  -\n  {good}\n)", "total_query": all_}}


def _bool_gauge(ctx: _Context, body: dict[str, Any], where: str, grouping: list[str]) -> dict[str, Any] | None:
    """Pyrra's ratio of samples at 0: a raw SLI (a gauge's samples are not a counter's increase),
    with test series (the gauge at 1, then at 0) so generated unit tests can drive it."""
    ctx.known(body, {"metric", "grouping"}, where)
    gauge = _selector(ctx, {"metric": body.get("metric")}, where)
    if gauge is None:
        return None
    samples = _sum(grouping, f"count_over_time({_text(gauge)}[{{{{.window}}}}])")
    ones = _sum(grouping, f"sum_over_time({_text(gauge)}[{{{{.window}}}}])")
    raw: dict[str, Any] = {"error_ratio_query": f"(\n  {samples}\n  -\n  {ones}\n)\n/\n{samples}"}
    labels = labels_for(list(gauge.matchers), ("ok", "1", ""))
    if labels is not None:
        series = selector_text([Matcher(k, "=", v) for k, v in sorted(labels.items())], gauge.metric)
        raw["test_series"] = {"healthy": {series: "1+0x100000"}, "failing": {series: "0+0x100000"}, "failing_error_ratio": 1}
    return {"raw": raw}


def _indicator(ctx: _Context, value: Any) -> tuple[dict[str, Any] | None, list[str]]:
    indicator = _mapping(ctx, value, "spec.indicator")
    ctx.known(indicator, set(INDICATORS), "spec.indicator")
    kinds = [k for k in INDICATORS if k in indicator]
    if len(kinds) != 1:
        ctx.problem("spec.indicator", f"needs exactly one of {', '.join(INDICATORS[:3])} (found: {', '.join(kinds) or 'none'})")
        return None, []
    kind = kinds[0]
    where = f"spec.indicator.{kind}"
    if kind == "latencyNative":
        ctx.problem(
            where,
            "native histograms (histogram_fraction) cannot be carried: burnwise writes classic-histogram rules that "
            "Prometheus evaluates without the native-histograms feature flag; use indicator.latency with the "
            "_bucket{le=...} and _count series",
        )
        return None, []
    body = _mapping(ctx, indicator[kind], where)
    grouping = _grouping(ctx, body, where)
    build = {"ratio": _ratio, "latency": _latency, "boolGauge": _bool_gauge}[kind]
    return build(ctx, body, where, grouping), grouping


def _prefixed(ctx: _Context, value: Any, where: str, labels: bool) -> tuple[dict[str, str], list[str]]:
    """(`pyrra.dev/<key>` entries with the prefix dropped, the other keys)."""
    carried, others = {}, []
    for key, val in sorted(_mapping(ctx, value, where).items()):
        if not str(key).startswith(PREFIX):
            others.append(str(key))
            continue
        name = str(key)[len(PREFIX):]
        if labels and not re.match(r"^[a-zA-Z_][a-zA-Z0-9_]*$", name):
            ctx.problem(f"{where}.{key}", f"{name!r} is not a Prometheus label name")
            continue
        carried[name] = "" if val is None else str(val)
    return carried, others


def _alerting(ctx: _Context, value: Any, period: int, name: str) -> dict[str, Any]:
    alerting_in = _mapping(ctx, value, "spec.alerting")
    ctx.known(alerting_in, ALERTING_KEYS, "spec.alerting")
    alert_name = alerting_in.get("name") or DEFAULT_ALERT_NAME
    alerting: dict[str, Any] = {"name": alert_name}
    tiers: dict[str, Any] = {}
    for tier, factor, long, short, severity in scaled_windows(period):
        entry = tiers.setdefault(tier, {"severity": severity, "windows": []})
        entry["windows"].append({"factor": format_decimal(factor), "long": format_duration(long), "short": format_duration(short)})
        if tier in ("sev1", "sev2"):
            entry["labels"] = {TIER_LABEL: tier}
    alerting["tiers"] = tiers
    if alerting_in.get("disabled") is True or alerting_in.get("burnrates") is False:
        alerting["page"] = {"disable": True}
        alerting["ticket"] = {"disable": True}
        ctx.note("spec.alerting", "burn-rate alerts disabled, as in Pyrra")
    if alerting_in.get("absent", True) is not False and alerting_in.get("disabled") is not True:
        absent_after = min(short for _t, _f, _l, short, _s in scaled_windows(period))
        alerting["no_data_for"] = format_duration(absent_after)
        ctx.note(
            "spec.alerting.absent",
            f"Pyrra's SLOMetricAbsent alert becomes {alert_name}NoData after {format_duration(absent_after)} without "
            "the total series; Alertmanager routes matching alertname=SLOMetricAbsent need the new name",
        )
    return alerting


def _convert(doc: dict[str, Any], display: str) -> Conversion:
    metadata = doc.get("metadata") if isinstance(doc.get("metadata"), dict) else {}
    name = metadata.get("name")
    ctx = _Context(display, name if isinstance(name, str) else "")
    if doc.get("kind") != KIND:
        raise SpecError([SpecProblem(display, "kind", f"unknown Pyrra kind {doc.get('kind')!r} (known: {KIND})")])
    ctx.known(doc, {"apiVersion", "kind", "metadata", "spec", "status"}, "")
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name) or len(name) > 63:
        ctx.problem("metadata.name", f"{name!r} must be lowercase letters, digits and dashes to become the burnwise service and SLO name")
    spec = _mapping(ctx, doc.get("spec"), "spec")
    ctx.known(spec, SPEC_KEYS, "spec")
    try:
        period = parse_duration(spec.get("window"))
    except (DurationError, TypeError):
        ctx.problem("spec.window", f"{spec.get('window')!r} must be a duration such as 4w or 28d")
        period = REFERENCE_WINDOW
    try:
        objective = format_decimal(to_decimal(spec.get("target")))
    except ValueError:
        ctx.problem("spec.target", f"{spec.get('target')!r} must be a percentage such as \"99.5\"")
        objective = None
    sli, grouping = _indicator(ctx, spec.get("indicator"))
    labels, other_labels = _prefixed(ctx, metadata.get("labels"), "metadata.labels", labels=True)
    annotations, _other = _prefixed(ctx, metadata.get("annotations"), "metadata.annotations", labels=False)
    owner = labels.pop("owner", None)
    for reserved in sorted(set(labels) & RESERVED_LABELS):
        ctx.problem(f"metadata.labels.{PREFIX}{reserved}", f"label {reserved!r} is set by burnwise on every alert; rename it")
        labels.pop(reserved)
    alerting = _alerting(ctx, spec.get("alerting"), period, name or "")
    if annotations:
        alerting["annotations"] = annotations
    out_slo: dict[str, Any] = {"name": name, "objective": objective, "period": format_duration(period), "sli": sli or {}}
    if spec.get("description"):
        out_slo["description"] = str(spec["description"])
    if grouping:
        out_slo["group_by"] = grouping
        ctx.note("spec.indicator", f"grouping {grouping} carried as group_by: one burn rate and one alert per group, as in Pyrra")
    if labels:
        out_slo["labels"] = labels
    out_slo["alerting"] = alerting
    out: dict[str, Any] = {"version": SPEC_VERSION, "service": name, "slos": [out_slo]}
    if owner is not None:
        if re.match(NAME_PATTERN, owner):
            out["owner"] = owner
        else:
            ctx.problem(f"metadata.labels.{PREFIX}owner", f"{owner!r} must be lowercase letters, digits and dashes to become the burnwise owner")
    if ctx.problems:
        raise SpecError(ctx.problems)
    if metadata.get("namespace") or other_labels:
        ctx.note(
            "metadata",
            f"namespace {metadata.get('namespace')!r} and labels {other_labels} select Pyrra's PrometheusRule; set them with "
            "`burnwise generate --format prometheus-operator --namespace ... --label ...`",
        )
    ctx.note("", "alert windows are Pyrra's, scaled to the window in whole minutes; Pyrra's `for:` delays and per-window "
             "`long`/`short` alert labels are not carried (one alert per tier fires as soon as both windows burn)")
    return Conversion([out], ctx.notes)


def convert(doc: Any, display: str) -> Conversion:
    """One Pyrra object as burnwise/v1 documents plus notes; SpecError names what cannot be carried."""
    if not isinstance(doc, dict):
        raise SpecError([SpecProblem(display, "", "a Pyrra object must be a mapping with apiVersion, kind, metadata and spec")])
    if doc.get("apiVersion") not in API_VERSIONS:
        raise SpecError([SpecProblem(display, "apiVersion", f"{doc.get('apiVersion')!r} is not Pyrra ({' or '.join(API_VERSIONS)})")])
    return _convert(doc, display)


def to_burnwise(doc: dict[str, Any], display: str) -> list[dict[str, Any]]:
    """The loader's entry point: documents only (the notes matter to `burnwise convert`)."""
    return convert(doc, display).documents
