"""OpenSLO (`openslo/v1` and `openslo/v1alpha`) SLOs as `burnwise/v1` documents.

What maps, and how:

* ``SLO`` with a ratio indicator (``ratioMetric`` in v1, ``ratioMetrics`` on each objective in
  v1alpha): good or bad over total. A query with ``{{.window}}`` is used as written; a bare counter
  (``counter: true``) becomes ``sum(rate(query[{{.window}}]))``. ``good`` becomes the error query
  ``total - good``. Each objective is one burnwise SLO (named ``<slo>-<i>`` when there are several).
* ``timeWindow`` (v1) / ``timeWindows`` (v1alpha): a rolling window becomes the period.
* ``alertPolicies`` (inline or by name from the same file) with ``AlertCondition`` of kind
  ``burnrate``: the threshold is the burn factor, ``lookbackWindow`` the long window and
  ``alertAfter`` the short window (the condition must also hold over that recent stretch; without
  it, 1/12 of the long window as in the Workbook). Conditions whose severity names a page
  (:data:`PAGE_SEVERITIES`) become page tiers (the highest factor sev1, the others sev2), the rest
  the ticket tier (sev3); page tiers of one severity also carry ``burnwise_sev: sev1|sev2``.
  An SLO without alert policies gets no alerts, as in Sloth.
* ``Service`` documents name a service; SLOs already carry ``spec.service``.

Anything else (threshold metrics, calendar windows, time-slice budgeting, non-burnrate
conditions, other operators) is an error naming the field: an SLO is never silently changed.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from burnwise.durations import DurationError, format_duration, parse_duration
from burnwise.generator.errors import SpecError, SpecProblem
from burnwise.generator.numbers import format_decimal, to_decimal
from burnwise.generator.spec import SPEC_VERSION

PAGE_SEVERITIES = frozenset({"page", "critical", "high", "sev1", "sev2", "p1", "p2", "urgent"})
UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400}
#: Tells the two page tiers apart when their conditions share one severity (as for Sloth).
TIER_LABEL = "burnwise_sev"
NO_SLO_KINDS = {"Service", "AlertPolicy", "AlertCondition", "AlertNotificationTarget", "SLI", "DataSource"}


class _Problems:
    def __init__(self, display: str, prefix: str) -> None:
        self.display, self.prefix, self.items = display, prefix, []

    def add(self, where: str, message: str) -> None:
        self.items.append(SpecProblem(self.display, f"{self.prefix}{where}", message))


def _siblings(display: str) -> list[dict[str, Any]]:
    """Other documents of the same file, to resolve `alertPolicies`/`indicatorRef` given by name."""
    path = Path(display)
    try:
        raw = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    # list form (OpenSLO SDK, oslo, Nobl9): one YAML list of objects
    flat = [item for doc in raw for item in (doc if isinstance(doc, list) else [doc])]
    return [d for d in flat if isinstance(d, dict)]


def _named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any] | None:
    for doc in docs:
        if doc.get("kind") == kind and (doc.get("metadata") or {}).get("name") == name:
            return doc
    return None


def _query(source: Any, counter: bool, where: str, problems: _Problems) -> str | None:
    """A windowed PromQL query from a v1 `metricSource` or a v1alpha `{query}` mapping."""
    if not isinstance(source, dict):
        problems.add(where, "must be a mapping with a Prometheus query")
        return None
    if "metricSource" in source:
        metric = source["metricSource"] or {}
        kind = str(metric.get("type", "")).lower()
        if kind and kind != "prometheus":
            problems.add(f"{where}.metricSource.type", f"{metric.get('type')!r} is not Prometheus; burnwise writes PromQL rules")
            return None
        query = (metric.get("spec") or {}).get("query")
    else:
        query = source.get("query")
        if source.get("source") not in (None, "prometheus", "Prometheus"):
            problems.add(f"{where}.source", f"{source.get('source')!r} is not prometheus; burnwise writes PromQL rules")
            return None
    if not isinstance(query, str) or not query.strip():
        problems.add(where, "has no query")
        return None
    query = query.strip()
    if "{{.window}}" in query:
        return query
    if counter:
        return f"sum(rate({query}[{{{{.window}}}}]))"
    problems.add(where, "needs {{.window}} in the query, or `counter: true` so burnwise can take its rate")
    return None


def _ratio_sli(ratio: Any, where: str, problems: _Problems) -> dict[str, Any] | None:
    if not isinstance(ratio, dict):
        problems.add(where, "must be a ratio metric with good or bad, and total")
        return None
    counter = bool(ratio.get("counter", True))
    total = _query(ratio.get("total"), counter, f"{where}.total", problems)
    if "bad" in ratio:
        bad = _query(ratio["bad"], counter, f"{where}.bad", problems)
        return {"events": {"error_query": bad, "total_query": total}} if bad and total else None
    if "good" in ratio:
        good = _query(ratio["good"], counter, f"{where}.good", problems)
        if good and total:
            return {"events": {"error_query": f"(\n  {total}\n  -\n  {good}\n)", "total_query": total}}
        return None
    problems.add(where, "needs good or bad")
    return None


def _period(spec: dict[str, Any], alpha: bool, problems: _Problems) -> int | None:
    key = "timeWindows" if alpha else "timeWindow"
    windows = spec.get(key)
    if not windows:
        return None
    if not isinstance(windows, list) or len(windows) != 1:
        problems.add(key, "must list exactly one window")
        return None
    window = windows[0] or {}
    if window.get("calendar") or window.get("isRolling") is False:
        problems.add(f"{key}[0]", "calendar windows cannot be carried; burnwise periods are rolling")
        return None
    if "duration" in window:
        try:
            return parse_duration(str(window["duration"]).replace("M", "x"))
        except DurationError as exc:
            problems.add(f"{key}[0].duration", str(exc))
            return None
    unit = str(window.get("unit", "")).lower()
    if unit not in UNITS or not isinstance(window.get("count"), int):
        problems.add(f"{key}[0]", f"needs count and a unit of {', '.join(u.title() for u in UNITS)} (months vary in length)")
        return None
    return window["count"] * UNITS[unit]


def _conditions(policy: dict[str, Any], docs: list[dict[str, Any]], where: str, problems: _Problems) -> list[tuple[str, dict[str, str]]]:
    """(severity, {factor, long, short}) of each burnrate condition of an AlertPolicy."""
    out = []
    for i, entry in enumerate((policy.get("spec") or {}).get("conditions") or []):
        here = f"{where}.spec.conditions[{i}]"
        if isinstance(entry, dict) and "conditionRef" in entry:
            entry = _named(docs, "AlertCondition", entry["conditionRef"]) or {}
            if not entry:
                problems.add(f"{here}.conditionRef", "names no AlertCondition in this file")
                continue
        spec = entry.get("spec") or {}
        condition = spec.get("condition") or {}
        if condition.get("kind") != "burnrate":
            problems.add(f"{here}.spec.condition.kind", f"{condition.get('kind')!r} cannot be carried; only burnrate conditions map to tiers")
            continue
        if condition.get("op", "gt") not in ("gt", "gte"):
            problems.add(f"{here}.spec.condition.op", f"{condition.get('op')!r} cannot be carried; burn-rate alerts fire above the threshold (gt/gte)")
            continue
        try:
            factor = to_decimal(condition.get("threshold"))
            long = parse_duration(condition.get("lookbackWindow"))
            short = parse_duration(condition["alertAfter"]) if condition.get("alertAfter") else max(300, long // 12 // 60 * 60)
        except (ValueError, TypeError, KeyError) as exc:
            problems.add(f"{here}.spec.condition", f"needs threshold and lookbackWindow: {exc}")
            continue
        severity = str(spec.get("severity") or "ticket")
        out.append((severity, {"factor": format_decimal(factor), "long": format_duration(long), "short": format_duration(min(short, long))}))
    return out


def _alerting(spec: dict[str, Any], docs: list[dict[str, Any]], problems: _Problems) -> dict[str, Any]:
    policies = spec.get("alertPolicies") or []
    if not policies:
        return {"page": {"disable": True}, "ticket": {"disable": True}}
    conditions: list[tuple[str, dict[str, str]]] = []
    for i, policy in enumerate(policies):
        where = f"alertPolicies[{i}]"
        if isinstance(policy, str):
            found = _named(docs, "AlertPolicy", policy)
            if found is None:
                problems.add(where, f"AlertPolicy {policy!r} is not in this file; put it beside the SLO (or inline it)")
                continue
            policy = found
        elif isinstance(policy, dict) and "alertPolicyRef" in policy:
            found = _named(docs, "AlertPolicy", policy["alertPolicyRef"])
            if found is None:
                problems.add(f"{where}.alertPolicyRef", "names no AlertPolicy in this file")
                continue
            policy = found
        conditions.extend(_conditions(policy, docs, where, problems))
    pages = sorted((c for c in conditions if c[0].lower() in PAGE_SEVERITIES), key=lambda c: -Decimal(c[1]["factor"]))
    tickets = [c for c in conditions if c[0].lower() not in PAGE_SEVERITIES]
    tiers: dict[str, Any] = {}
    if pages:
        tiers["sev1"] = {"severity": pages[0][0], "windows": [pages[0][1]]}
        if len(pages) > 1:
            tiers["sev2"] = {"severity": pages[1][0], "windows": [c[1] for c in pages[1:]]}
            if pages[0][0] == pages[1][0]:
                # one severity for both page tiers: a label of their own keeps them distinct alerts
                tiers["sev1"]["labels"] = {TIER_LABEL: "sev1"}
                tiers["sev2"]["labels"] = {TIER_LABEL: "sev2"}
        else:
            tiers["sev2"] = {"disable": True}
    if tickets:
        tiers["sev3"] = {"severity": tickets[0][0], "windows": [c[1] for c in tickets]}
    alerting: dict[str, Any] = {"tiers": tiers}
    if not pages:
        alerting["page"] = {"disable": True}
    if not tickets:
        alerting["ticket"] = {"disable": True}
    return alerting


def to_burnwise(doc: dict[str, Any], display: str) -> list[dict[str, Any]]:
    """One burnwise document per service: OpenSLO writes one SLO per document, burnwise one
    service per document, so the first SLO document of a service in a file carries all of that
    service's SLOs from the file and the later ones yield nothing."""
    kind = doc.get("kind")
    if kind in NO_SLO_KINDS:
        return []  # read when an SLO of the same file refers to it
    docs = _siblings(display)
    service = (doc.get("spec") or {}).get("service")
    same = [d for d in docs if d.get("kind") == "SLO" and (d.get("spec") or {}).get("service") == service]
    if len(same) > 1 and doc in same:
        if doc != same[0]:
            return []
        merged, problems = [], []
        for d in same:  # every SLO of the service is checked, so all failures are reported at once
            try:
                merged.append(_convert_one(d, display, docs))
            except SpecError as exc:
                problems.extend(exc.problems)
        if problems:
            raise SpecError(problems)
        return [{**merged[0], "slos": [slo for out in merged for slo in out["slos"]]}]
    return [_convert_one(doc, display, docs)]


def _convert_one(doc: dict[str, Any], display: str, docs: list[dict[str, Any]]) -> dict[str, Any]:
    kind = doc.get("kind")
    name = (doc.get("metadata") or {}).get("name", "")
    problems = _Problems(display, f"SLO {name}: " if name else "")
    if kind != "SLO":
        raise SpecError([SpecProblem(display, "kind", f"unknown OpenSLO kind {kind!r} (known: SLO, {', '.join(sorted(NO_SLO_KINDS))})")])
    alpha = doc.get("apiVersion") == "openslo/v1alpha"
    spec = doc.get("spec") or {}
    method = spec.get("budgetingMethod", "Occurrences")
    if method != "Occurrences":
        problems.add("spec.budgetingMethod", f"{method!r} cannot be carried; burnwise budgets count events (Occurrences)")
    period = _period(spec, alpha, problems)
    indicator = spec.get("indicator")
    if "indicatorRef" in spec:
        indicator = _named(docs, "SLI", spec["indicatorRef"])
        if indicator is None:
            problems.add("spec.indicatorRef", "names no SLI in this file")
    if isinstance(indicator, dict) and "thresholdMetric" in (indicator.get("spec") or {}):
        problems.add("spec.indicator.spec.thresholdMetric", "threshold metrics cannot be carried; use a ratioMetric")
    objectives = spec.get("objectives") or []
    if not objectives:
        problems.add("spec.objectives", "needs at least one objective")
    slos = []
    for i, objective in enumerate(objectives):
        where = f"spec.objectives[{i}]"
        if "value" in objective or "op" in objective:
            problems.add(f"{where}.value", "threshold objectives (op/value) cannot be carried; use a ratio metric and target")
            continue
        if "timeSliceTarget" in objective:
            problems.add(f"{where}.timeSliceTarget", "time-slice objectives cannot be carried; burnwise budgets count events")
            continue
        if "targetPercent" in objective:
            percent = to_decimal(objective["targetPercent"])
        elif "target" in objective:
            percent = to_decimal(objective["target"]) * 100
        else:
            problems.add(f"{where}.target", "required field is missing")
            continue
        if alpha:
            sli = _ratio_sli(objective.get("ratioMetrics"), f"{where}.ratioMetrics", problems)
        else:
            source = objective.get("indicator") or indicator or {}
            sli = _ratio_sli((source.get("spec") or {}).get("ratioMetric"), f"{where if objective.get('indicator') else 'spec.indicator'}.spec.ratioMetric", problems)
        if sli is None:
            continue
        slo: dict[str, Any] = {
            "name": name if len(objectives) == 1 else f"{name}-{i}",
            "objective": format_decimal(percent),
            "sli": sli,
        }
        if spec.get("description"):
            slo["description"] = str(spec["description"])
        if period is not None:
            slo["period"] = format_duration(period)
        slos.append(slo)
    alerting = _alerting(spec, docs, problems)
    if problems.items:
        raise SpecError(problems.items)
    for slo in slos:
        slo["alerting"] = alerting
    return {"version": SPEC_VERSION, "service": spec.get("service"), "slos": slos}
