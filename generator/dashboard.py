"""Grafana dashboards, one per service, generated from the same spec model as the rules.

Every query reads the series that :mod:`burnwise.generator.rules` records (names from
:mod:`burnwise.generator.names`, windows and tier factors from :mod:`burnwise.generator.windows`), so a dashboard
cannot drift from the rules: change the spec, regenerate both. Per SLO there is one row with four
panels: the SLI against its objective, the error budget remaining over the period, the burn rate
of every alert window with each tier's factor drawn as a threshold line, and the alert state. The
datasource is a dashboard variable, so the JSON imports as is into any Grafana.
"""

from __future__ import annotations

import json
from typing import Any

from burnwise.generator import names
from burnwise.durations import format_duration
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.numbers import format_decimal
from burnwise.generator.spec import SLO, ServiceSpec
from burnwise.generator.windows import tiers_for, windows_for

MARKER_KEY = "__burnwise_generated__"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
TIER_COLOURS = {"sev1": "red", "sev2": "orange", "sev3": "yellow"}
PANEL_WIDTH, PANEL_HEIGHT = 6, 8


def _target(expr: str, legend: str, ref: str) -> dict[str, Any]:
    return {"datasource": DATASOURCE, "expr": expr, "legendFormat": legend, "refId": ref, "range": True}


def _refs():
    return iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _panel(panel_id: int, title: str, kind: str, x: int, y: int, targets: list[dict], field_config: dict, description: str) -> dict:
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DATASOURCE,
        "gridPos": {"x": x, "y": y, "w": PANEL_WIDTH, "h": PANEL_HEIGHT},
        "targets": targets,
        "fieldConfig": {"defaults": field_config, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True}},
    }


def slo_queries(spec: ServiceSpec, slo: SLO) -> dict[str, list[tuple[str, str]]]:
    """Panel title -> [(PromQL, legend)]: the queries of one SLO's row (also what tests check).
    A grouped SLO draws one line per group: its legends name the group (``{{cluster}}``) and the
    alerts panel keeps the grouping labels."""
    sel = names.selector(spec.service, slo.name)
    alert_name = slo.alerting.name or names.default_alert_name(spec.service, slo.name)
    group = "".join(f" {{{{{label}}}}}" for label in slo.group_by)
    burn = [
        (f"{names.burn_rate(w)}{sel}", f"burn rate {format_duration(w)}{group}")
        for w in windows_for(slo)
        if w != slo.period
    ]
    kept = ", ".join(["severity", "burnwise_tier", *slo.group_by])
    return {
        "SLI": [
            (f"1 - {names.error_ratio(windows_for(slo)[0])}{sel}", f"SLI ({format_duration(windows_for(slo)[0])}){group}"),
            (f"1 - {names.error_ratio(slo.period)}{sel}", f"SLI ({format_duration(slo.period)}){group}"),
            (f"{names.OBJECTIVE}{sel}", "objective"),
        ],
        "Error budget remaining": [(f"{names.BUDGET_REMAINING}{sel}", f"budget remaining ({format_duration(slo.period)}){group}")],
        "Burn rate": burn,
        "Alerts": [
            (
                f'sum by ({kept}) (ALERTS{{alertname="{alert_name}",alertstate="firing",service="{spec.service}",slo="{slo.name}"}})',
                "{{severity}} {{burnwise_tier}}" + group,
            )
        ],
    }


def _threshold_steps(slo: SLO) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
    seen = set()
    for tier in sorted(tiers_for(slo), key=lambda t: min(c.factor for c in t.conditions)):
        for condition in sorted(tier.conditions, key=lambda c: c.factor):
            if condition.factor in seen:
                continue
            seen.add(condition.factor)
            steps.append({"color": TIER_COLOURS[tier.name], "value": float(condition.factor)})
    return [steps[0], *sorted(steps[1:], key=lambda step: step["value"])]


def slo_panels(spec: ServiceSpec, slo: SLO, y: int, first_id: int) -> list[dict[str, Any]]:
    queries = slo_queries(spec, slo)
    objective = f"{format_decimal(slo.objective)}% over {format_duration(slo.period)}"
    tiers = ", ".join(
        f"{t.name} ({t.kind}) " + " or ".join(f"{format_decimal(c.factor)}x {format_duration(c.long)}/{format_duration(c.short)}" for c in t.conditions)
        for t in tiers_for(slo)
    ) or "no alert tiers"
    row = {"id": first_id, "type": "row", "title": f"{slo.name}: {objective}", "collapsed": False, "gridPos": {"x": 0, "y": y, "w": 24, "h": 1}, "panels": []}
    specs = [
        ("SLI", "timeseries", {"unit": "percentunit"}, f"Share of good events; objective {objective}."),
        ("Error budget remaining", "timeseries", {"unit": "percentunit", "max": 1}, f"Of the {format_duration(slo.period)} error budget; below 0 the SLO is missed."),
        (
            "Burn rate",
            "timeseries",
            {
                "unit": "x",
                "min": 0,
                "custom": {"thresholdsStyle": {"mode": "line"}},
                "thresholds": {"mode": "absolute", "steps": _threshold_steps(slo)},
            },
            f"Error ratio / error budget per alert window; lines at the tier factors: {tiers}.",
        ),
        ("Alerts", "state-timeline", {"unit": "short"}, "Firing burn-rate alerts of this SLO by severity."),
    ]
    panels: list[dict[str, Any]] = [row]
    for index, (title, kind, field_config, description) in enumerate(specs):
        refs = _refs()
        targets = [_target(expr, legend, next(refs)) for expr, legend in queries[title]]
        panels.append(
            _panel(first_id + 1 + index, f"{slo.name}: {title}", kind, index * PANEL_WIDTH, y + 1, targets, field_config, description)
        )
    return panels


def dashboard(spec: ServiceSpec) -> dict[str, Any]:
    panels: list[dict[str, Any]] = []
    y = 0
    for number, slo in enumerate(sorted(spec.slos, key=lambda s: s.name)):
        panels.extend(slo_panels(spec, slo, y, number * 10 + 1))
        y += PANEL_HEIGHT + 1
    return {
        "uid": f"burnwise-{spec.service}"[:40],
        "title": f"SLOs: {spec.service}",
        "tags": ["burnwise", "slo", spec.service],
        "timezone": "utc",
        "schemaVersion": 39,
        "editable": True,
        "time": {"from": "now-7d", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [
                {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus", "current": {}, "hide": 0}
            ]
        },
        "annotations": {"list": []},
        "panels": panels,
    }


def dashboard_text(item: LoadedSpec) -> str:
    """Deterministic JSON; the first line carries burnwise's generated-file marker (for stale checks)."""
    body = json.dumps(dashboard(item.spec), indent=2, sort_keys=True)
    marker = json.dumps({MARKER_KEY: f"from {item.source}; DO NOT EDIT"})[1:-1]
    return "{" + marker + ",\n" + body[2:] + "\n"


def dashboard_files(specs: list[LoadedSpec]) -> dict[str, str]:
    return {f"{item.spec.service}.dashboard.json": dashboard_text(item) for item in specs}
