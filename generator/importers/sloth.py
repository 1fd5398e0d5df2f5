"""Sloth specs (`prometheus/v1` and the Kubernetes `PrometheusServiceLevel`) as `burnwise/v1` documents.

Teams moving from Sloth keep their specs: `burnwise generate` reads them directly and
`burnwise convert --from sloth` writes the equivalent native spec. The mapping:

* Sloth's default period is 30 days with the Workbook windows, the same table burnwise uses, so
  Sloth's ``page_alert`` becomes burnwise's page tiers (sev1 14.4x 1h/5m and sev2 6x 6h/30m) and its
  ``ticket_alert`` the ticket tier (sev3 3x 1d/2h or 1x 3d/6h): the page/ticket split is unchanged.
* ``severity`` is a label burnwise sets itself, so a Sloth alert's ``severity`` label becomes the
  tier's ``severity`` override (sev1+sev2 for the page, sev3 for the ticket): the label value on
  the alert stays what the Alertmanager routes expect. Sloth also labels its alerts
  ``sloth_severity: page|ticket``; burnwise keeps that label so existing routes keep matching.
* Sloth's service label ``owner`` becomes burnwise's ``owner`` (the roster surface paged).
* SLI plugins are Go code inside Sloth; they cannot be carried and are an error naming the field.
* Queries aggregated ``by (labels)`` (``sum(rate(x[{{.window}}])) by (cluster)``) alert per group in
  Sloth: they become ``group_by`` (error and total must keep the same labels, else Sloth's ratio
  matches nothing and the import is refused naming the field).

Anything else that is not carried is either an error naming the field (it would change what
alerts) or a note (:class:`Note`) that `burnwise convert` prints as a comment.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from burnwise.durations import DurationError, format_duration, parse_duration
from burnwise.generator.errors import SpecError, SpecProblem
from burnwise.generator.numbers import format_decimal, to_decimal
from burnwise.generator.spec import NAME_PATTERN, SPEC_VERSION, WINDOW_PLACEHOLDER
from burnwise.promql.query import Aggregation, PromQLSyntaxError, outer_aggregation

PROMETHEUS_V1 = "prometheus/v1"
#: Sloth's default SLO period (its `--default-slo-period`); its default windows are the Workbook's.
DEFAULT_PERIOD = 30 * 24 * 3600
KUBERNETES_V1 = "sloth.slok.dev/v1"
#: Sloth's Kubernetes CRD spells keys in camelCase; the prometheus/v1 file format in snake_case.
CAMEL_TO_SNAKE = {
    "errorQuery": "error_query",
    "totalQuery": "total_query",
    "errorRatioQuery": "error_ratio_query",
    "pageAlert": "page_alert",
    "ticketAlert": "ticket_alert",
}
SPEC_KEYS = {"version", "service", "labels", "slos"}
SLO_KEYS = {"name", "objective", "description", "sli", "labels", "alerting"}
SLI_KEYS = {"events", "raw", "plugin"}
ALERTING_KEYS = {"name", "labels", "annotations", "page_alert", "ticket_alert"}
ALERT_KEYS = {"disable", "labels", "annotations"}
#: Labels burnwise sets on every alert itself; a Sloth label with this name cannot be carried as is.
BURNWISE_LABELS = ("service", "slo", "burnwise_tier")
SLOTH_SEVERITY_LABEL = "sloth_severity"
#: Tells the two page tiers apart when the Sloth spec gives them one severity.
TIER_LABEL = "burnwise_sev"


@dataclass(frozen=True)
class Note:
    """Something of the Sloth spec that burnwise carries differently or not at all."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class Conversion:
    """burnwise/v1 documents and the notes about what changed on the way."""

    documents: list[dict[str, Any]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)


class _Context:
    def __init__(self, display: str) -> None:
        self.display = display
        self.problems: list[SpecProblem] = []
        self.notes: list[Note] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(SpecProblem(self.display, where, message))

    def note(self, where: str, message: str) -> None:
        self.notes.append(Note(where, message))

    def mapping(self, value: Any, where: str) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(where, "must be a mapping")
            return {}
        return {CAMEL_TO_SNAKE.get(str(k), str(k)): v for k, v in value.items()}

    def known_keys(self, value: dict[str, Any], known: set[str], where: str) -> None:
        for key in sorted(set(value) - known):
            path = f"{where}.{key}" if where else key
            self.problem(path, f"unknown Sloth field (known here: {', '.join(sorted(known))}); burnwise will not drop it silently")


def _slo_where(index: int, slo: dict[str, Any]) -> str:
    name = slo.get("name")
    return f"slos[{index}] ({name})" if isinstance(name, str) else f"slos[{index}]"


def _labels(ctx: _Context, value: Any, where: str) -> dict[str, str]:
    labels = ctx.mapping(value, where)
    out = {}
    for key, val in labels.items():
        if key in BURNWISE_LABELS:
            ctx.problem(
                f"{where}.{key}",
                f"label {key!r} is set by burnwise on every rule; rename it in the Sloth spec (e.g. sloth_{key})",
            )
            continue
        out[key] = "" if val is None else str(val)
    return out


def _alert_class(ctx: _Context, value: Any, where: str, kind: str) -> tuple[dict[str, Any], str | None]:
    """(burnwise page/ticket settings, the Sloth severity label if any)."""
    alert = ctx.mapping(value, where)
    ctx.known_keys(alert, ALERT_KEYS, where)
    labels = _labels(ctx, alert.get("labels"), f"{where}.labels")
    severity = labels.pop("severity", None)
    if "owner" in labels:
        ctx.problem(f"{where}.labels.owner", "label 'owner' is set by burnwise from the service owner; rename it")
        labels.pop("owner")
    labels[SLOTH_SEVERITY_LABEL] = kind
    settings: dict[str, Any] = {"labels": labels}
    annotations = ctx.mapping(alert.get("annotations"), f"{where}.annotations")
    if annotations:
        settings["annotations"] = {k: str(v) for k, v in annotations.items()}
    if alert.get("disable"):
        settings["disable"] = True
    if severity is not None and not re.match(r"^[a-zA-Z0-9_-]+$", severity):
        ctx.problem(f"{where}.labels.severity", f"{severity!r} must be letters, digits, '_' or '-' to become a tier severity")
        severity = None
    return settings, severity


def _outer(query: Any) -> Aggregation | None:
    if not isinstance(query, str):
        return None
    try:
        return outer_aggregation(query, WINDOW_PLACEHOLDER)
    except PromQLSyntaxError:
        return None  # burnwise's PromQL check reports it against the field


def _grouping(ctx: _Context, queries: dict[str, Any], where: str) -> list[str]:
    """The labels Sloth's rules keep, from the queries' outer ``by (...)``: Sloth divides the error
    query by the total query as written, so both must keep the same labels (else its ratio
    matches nothing); ``without`` keeps labels burnwise cannot know."""
    shapes = {key: _outer(query) for key, query in queries.items()}
    for key, shape in shapes.items():
        if shape is not None and shape.modifier == "without":
            ctx.problem(
                f"{where}.{key}",
                f"aggregates without ({', '.join(shape.labels)}): the labels left are unknown to burnwise; "
                "write by (the labels to alert per) instead",
            )
            return []
    grouped = {key: tuple(shape.labels) for key, shape in shapes.items() if shape is not None and shape.modifier == "by"}
    if not grouped:
        return []
    labels = next(iter(grouped.values()))
    mismatched = [key for key in queries if set(grouped.get(key, ())) != set(labels)]
    if mismatched:
        described = "; ".join(f"{key} by ({', '.join(grouped[key])})" if key in grouped else f"{key} without by" for key in queries)
        ctx.problem(
            f"{where}.{mismatched[0]}",
            f"error and total queries must group by the same labels ({described}): Sloth's ratio of the two "
            "would match no series",
        )
        return []
    return list(labels)


def _sli(ctx: _Context, value: Any, where: str) -> tuple[dict[str, Any], list[str]]:
    """(burnwise sli, the labels its queries group by: burnwise's `group_by`)."""
    sli = ctx.mapping(value, where)
    ctx.known_keys(sli, SLI_KEYS, where)
    if "plugin" in sli:
        plugin = sli["plugin"] if isinstance(sli["plugin"], dict) else {}
        ctx.problem(
            f"{where}.plugin",
            f"Sloth SLI plugins (here {plugin.get('id', 'unnamed')!r}) are Go code inside Sloth and cannot be "
            "carried; write the plugin's queries as sli.events (error_query/total_query) or sli.raw",
        )
        return {}, []
    if "events" in sli:
        events = ctx.mapping(sli["events"], f"{where}.events")
        ctx.known_keys(events, {"error_query", "total_query"}, f"{where}.events")
        queries = {k: events.get(k) for k in ("error_query", "total_query") if k in events}
        return {"events": queries}, _grouping(ctx, queries, f"{where}.events")
    if "raw" in sli:
        raw = ctx.mapping(sli["raw"], f"{where}.raw")
        ctx.known_keys(raw, {"error_ratio_query"}, f"{where}.raw")
        queries = {k: raw.get(k) for k in ("error_ratio_query",) if k in raw}
        return {"raw": queries}, _grouping(ctx, queries, f"{where}.raw")
    ctx.problem(where, "needs events, raw or plugin")
    return {}, []


def _slo(ctx: _Context, index: int, value: Any) -> dict[str, Any]:
    slo = ctx.mapping(value, f"slos[{index}]")
    where = _slo_where(index, slo)
    ctx.known_keys(slo, SLO_KEYS, where)
    out: dict[str, Any] = {"name": slo.get("name")}
    try:
        out["objective"] = format_decimal(to_decimal(slo.get("objective")))
    except ValueError:
        out["objective"] = slo.get("objective")  # the model reports it with the right location
    if slo.get("description"):
        out["description"] = str(slo["description"])
    out["sli"], group_by = _sli(ctx, slo.get("sli"), f"{where}.sli")
    if group_by:
        out["group_by"] = group_by
        ctx.note(
            f"{where}.sli",
            f"the queries group by ({', '.join(group_by)}): carried as group_by, so burn rates, budgets and alerts are "
            "per group as in Sloth (each alert carries its group's labels)",
        )
    labels = _labels(ctx, slo.get("labels"), f"{where}.labels")
    for reserved in ("owner", "severity"):
        if reserved in labels:
            ctx.problem(f"{where}.labels.{reserved}", f"label {reserved!r} is set by burnwise on alerts; rename it")
            labels.pop(reserved)
    if labels:
        out["labels"] = labels

    alerting_in = ctx.mapping(slo.get("alerting"), f"{where}.alerting")
    ctx.known_keys(alerting_in, ALERTING_KEYS, f"{where}.alerting")
    alerting: dict[str, Any] = {}
    if alerting_in.get("name"):
        alerting["name"] = alerting_in["name"]
    common = _labels(ctx, alerting_in.get("labels"), f"{where}.alerting.labels")
    common_severity = common.pop("severity", None)
    if common_severity is not None and not re.match(r"^[a-zA-Z0-9_-]+$", common_severity):
        ctx.problem(f"{where}.alerting.labels.severity", f"{common_severity!r} must be letters, digits, '_' or '-' to become a tier severity")
        common_severity = None
    if "owner" in common:
        ctx.problem(f"{where}.alerting.labels.owner", "label 'owner' is set by burnwise from the service owner; rename it")
        common.pop("owner")
    if common:
        alerting["labels"] = common
    annotations = ctx.mapping(alerting_in.get("annotations"), f"{where}.alerting.annotations")
    if annotations:
        alerting["annotations"] = {k: str(v) for k, v in annotations.items()}

    page, page_severity = _alert_class(ctx, alerting_in.get("page_alert"), f"{where}.alerting.page_alert", "page")
    ticket, ticket_severity = _alert_class(ctx, alerting_in.get("ticket_alert"), f"{where}.alerting.ticket_alert", "ticket")
    alerting["page"] = page
    alerting["ticket"] = ticket
    tiers: dict[str, Any] = {}
    # Sloth merges alerting.labels under each alert's own labels: the alert's severity wins.
    if common_severity is not None:
        for kind, own in (("page_alert", page_severity), ("ticket_alert", ticket_severity)):
            if own is None:
                ctx.note(
                    f"{where}.alerting.labels.severity",
                    f"applies to both alerts as in Sloth: the {kind} severity is {common_severity!r}",
                )
        page_severity = page_severity if page_severity is not None else common_severity
        ticket_severity = ticket_severity if ticket_severity is not None else common_severity
    if page_severity is not None:
        # Both page tiers now share one severity; a label of their own keeps their alert label
        # sets apart (else Prometheus would write two samples of one ALERTS series per evaluation).
        tiers["sev1"] = {"severity": page_severity, "labels": {TIER_LABEL: "sev1"}}
        tiers["sev2"] = {"severity": page_severity, "labels": {TIER_LABEL: "sev2"}}
        ctx.note(
            f"{where}.alerting.page_alert.labels.severity",
            f"burnwise sets `severity` itself: carried as tiers.sev1.severity and tiers.sev2.severity = {page_severity!r}; "
            f"the two page tiers are told apart by the label {TIER_LABEL} (sev1|sev2)",
        )
    if ticket_severity is not None:
        tiers["sev3"] = {"severity": ticket_severity}
        ctx.note(
            f"{where}.alerting.ticket_alert.labels.severity",
            f"burnwise sets `severity` itself: carried as tiers.sev3.severity = {ticket_severity!r}",
        )
    if tiers:
        alerting["tiers"] = tiers
    out["alerting"] = alerting
    return out


def _spec_body(doc: dict[str, Any], ctx: _Context) -> dict[str, Any]:
    """The prometheus/v1 body of either format (the CRD keeps it under `spec`)."""
    version = doc.get("apiVersion") or doc.get("version")
    if version == KUBERNETES_V1:
        kind = doc.get("kind")
        if kind == "AlertWindows":
            ctx.problem(
                "kind",
                "AlertWindows is not an SLO spec; pass it to `burnwise convert --from sloth --windows FILE` "
                "to turn its windows into tier overrides",
            )
            return {}
        if kind != "PrometheusServiceLevel":
            ctx.problem("kind", f"unknown Sloth kind {kind!r} (known: PrometheusServiceLevel)")
            return {}
        metadata = ctx.mapping(doc.get("metadata"), "metadata")
        if metadata:
            ctx.note(
                "metadata",
                f"Kubernetes name {metadata.get('name')!r} and namespace {metadata.get('namespace')!r} are not part of "
                "burnwise/v1; set them when rendering with `burnwise generate --format prometheus-operator`",
            )
        body = ctx.mapping(doc.get("spec"), "spec")
        return {"version": PROMETHEUS_V1, **body}
    return dict(doc)


def _lift_severity(ctx: _Context, body: dict[str, Any], spec_severity: str | None) -> dict[str, Any]:
    """Sloth puts service and SLO labels on every alert under the alerts' own: a `severity` there
    is a severity for both alerts, so it moves (on a copy) to `alerting.labels.severity` of each
    SLO that has none, where :func:`_slo` carries it to the tiers."""
    slos = body.get("slos")
    if not isinstance(slos, list):
        return body
    lifted = []
    for index, value in enumerate(slos):
        if not isinstance(value, dict):
            lifted.append(value)
            continue
        slo = dict(value)
        labels = dict(slo["labels"]) if isinstance(slo.get("labels"), dict) else None
        severity = labels.pop("severity", None) if labels is not None else None
        if labels is not None:
            slo["labels"] = labels
        where = f"{_slo_where(index, slo)}.labels.severity" if severity is not None else "labels.severity"
        severity = severity if severity is not None else spec_severity
        alerting = dict(ctx.mapping(slo.get("alerting"), f"{_slo_where(index, slo)}.alerting"))
        common = dict(alerting["labels"]) if isinstance(alerting.get("labels"), dict) else {}
        if severity is not None and "severity" not in common:
            common["severity"] = str(severity)
            alerting["labels"] = common
            slo["alerting"] = alerting
            ctx.note(where, f"Sloth puts it on both alerts: carried as the SLO's alert severity {str(severity)!r}")
        lifted.append(slo)
    return {**body, "slos": lifted}


def convert(doc: dict[str, Any], display: str, period: int | None = None, windows: Any = None) -> Conversion:
    """One Sloth document as burnwise/v1 documents plus notes; raises SpecError on what cannot be carried.

    ``windows`` (an :class:`AlertWindows`) replaces the default
    Workbook windows when its period equals ``period`` (Sloth's ``--slo-period-windows-path``).
    """
    ctx = _Context(display)
    if not isinstance(doc, dict):
        raise SpecError([SpecProblem(display, "", "a Sloth spec must be a mapping with version, service and slos")])
    key = "version" if "version" in doc else "apiVersion"
    if doc.get(key) not in (PROMETHEUS_V1, KUBERNETES_V1):
        raise SpecError([SpecProblem(display, key, f"{key} {doc.get(key)!r} is not Sloth ({PROMETHEUS_V1} or {KUBERNETES_V1})")])
    body = _spec_body(doc, ctx)
    if ctx.problems:
        raise SpecError(ctx.problems)
    ctx.known_keys(body, SPEC_KEYS, "")
    spec_labels = _labels(ctx, body.get("labels"), "labels")
    out: dict[str, Any] = {"version": SPEC_VERSION, "service": body.get("service")}
    owner = spec_labels.pop("owner", None)
    if owner is not None:
        if re.match(NAME_PATTERN, owner):
            out["owner"] = owner
            ctx.note("labels.owner", f"carried as the burnwise owner {owner!r} (the roster surface paged; also the alerts' owner label)")
        else:
            ctx.problem("labels.owner", f"{owner!r} must be lowercase letters, digits and dashes to become the burnwise owner")
    spec_severity = spec_labels.pop("severity", None)
    body = _lift_severity(ctx, body, spec_severity)
    if spec_labels:
        out["labels"] = spec_labels
    slos = body.get("slos")
    if not isinstance(slos, list) or not slos:
        ctx.problem("slos", "a Sloth spec needs a list of SLOs")
        slos = []
    out["slos"] = [_slo(ctx, i, slo) for i, slo in enumerate(slos)]
    if period is not None:
        for slo in out["slos"]:
            slo["period"] = period
    if windows is not None:
        windows.apply(out["slos"], period or DEFAULT_PERIOD, ctx.note)
    if ctx.problems:
        raise SpecError(ctx.problems)
    ctx.note(
        "",
        "recorded series are burnwise's (slo:burnwise_*), not Sloth's (slo:sli_error:ratio_rate*, sloth_* labels); "
        "dashboards built on Sloth's series need `burnwise dashboard`",
    )
    ctx.note("", "alerts carry the label sloth_severity (page|ticket) as Sloth's did, so existing Alertmanager routes keep matching")
    return Conversion([out], ctx.notes)


def to_burnwise(doc: dict[str, Any], display: str) -> list[dict[str, Any]]:
    """The loader's entry point: documents only (the notes matter to `burnwise convert`)."""
    return convert(doc, display).documents


def budget_factor(budget_percent: Decimal, period: int, long_window: int) -> Decimal:
    """Sloth's burn factor: spend ``budget_percent`` of the period's budget within ``long_window``."""
    return budget_percent / 100 * Decimal(period) / Decimal(long_window)


#: AlertWindows condition names -> burnwise tier, in Sloth's order (page quick, page slow, ticket).
WINDOW_TIERS = (("page", "quick", "sev1"), ("page", "slow", "sev2"), ("ticket", "quick", "sev3"), ("ticket", "slow", "sev3"))
FACTOR_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class AlertWindows:
    """Sloth's `AlertWindows` document: the windows Sloth uses for one SLO period.

    Sloth states each condition as a share of the budget spent within the long window; burnwise
    states the burn factor. The factor is ``share * period / long`` rounded down (6 places), so
    the converted alert fires no later than Sloth's.
    """

    period: int
    #: tier -> [{factor, long, short}] with durations as text, ready for tiers.sevN.windows
    tiers: dict[str, list[dict[str, str]]]
    source: str

    def apply(self, slos: list[dict[str, Any]], period: int, note) -> None:
        if period != self.period:
            note("", f"AlertWindows in {self.source} are for period {format_duration(self.period)}, the SLOs use "
                 f"{format_duration(period)}: not applied")
            return
        for slo in slos:
            tiers = slo.setdefault("alerting", {}).setdefault("tiers", {})
            for tier, windows in sorted(self.tiers.items()):
                tiers.setdefault(tier, {})["windows"] = [dict(w) for w in windows]
        note("", f"alert windows from {self.source} (Sloth AlertWindows, period {format_duration(self.period)}) "
             "carried as tiers.sev1/sev2/sev3.windows")


def read_alert_windows(doc: Any, display: str) -> AlertWindows:
    """Parse an AlertWindows document; SpecError naming the field on anything unexpected."""
    problems: list[SpecProblem] = []
    if not isinstance(doc, dict) or doc.get("kind") != "AlertWindows":
        raise SpecError([SpecProblem(display, "kind", "expected a Sloth `kind: AlertWindows` document")])
    spec = doc.get("spec") if isinstance(doc.get("spec"), dict) else {}
    try:
        period = parse_duration(spec.get("sloPeriod"))
    except (DurationError, TypeError):
        raise SpecError([SpecProblem(display, "spec.sloPeriod", "must be a duration such as 30d")]) from None
    tiers: dict[str, list[dict[str, str]]] = {}
    for kind, speed, tier in WINDOW_TIERS:
        where = f"spec.{kind}.{speed}"
        entry = (spec.get(kind) or {}).get(speed) if isinstance(spec.get(kind), dict) else None
        if not isinstance(entry, dict):
            problems.append(SpecProblem(display, where, "missing (needs errorBudgetPercent, shortWindow, longWindow)"))
            continue
        try:
            percent = to_decimal(entry.get("errorBudgetPercent"))
            long_window = parse_duration(entry.get("longWindow"))
            short_window = parse_duration(entry.get("shortWindow"))
        except (ValueError, TypeError) as exc:
            problems.append(SpecProblem(display, where, f"invalid: {exc}"))
            continue
        factor = budget_factor(percent, period, long_window).quantize(FACTOR_PLACES, rounding=ROUND_FLOOR)
        tiers.setdefault(tier, []).append(
            {"factor": format_decimal(factor), "long": format_duration(long_window), "short": format_duration(short_window)}
        )
    if problems:
        raise SpecError(problems)
    return AlertWindows(period, tiers, display)
