"""The SLO page's figures from Prometheus: budget left, burn rates, firing tiers and two charts.

Why it reads the recordings: the generator records the budget remaining and the burn rate per
window for every SLO (names given by :class:`~burnwise.receiver.console.sources.SloView`), so the
page shows what the alerts see. Prometheus is optional: without it, or when it does not answer,
every row still lists the SLO and the page says why the figures are missing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from burnwise.receiver.console.charts import Chart, line_chart
from burnwise.receiver.console.sources import SloView

from burnwise.durations import format_duration
from burnwise.reports.prometheus import Prometheus, PrometheusUnavailable, query_range

CHART_WINDOW = 24 * 3600  # seconds the charts cover, unless the page asks for another window
CHART_POINTS = 120
TIMEOUT_SECONDS = 3.0


@dataclass
class SloRow:
    slo: SloView
    group: dict[str, str] = field(default_factory=dict)
    budget: float | None = None
    burn: dict[str, float | None] = field(default_factory=dict)  # window -> burn rate
    firing: list[str] = field(default_factory=list)  # severities firing
    budget_chart: Chart | None = None
    burn_chart: Chart | None = None


@dataclass
class SloPage:
    rows: list[SloRow]
    prometheus: str  # "ok", "not configured", or the reason it is not reachable
    charted_window: str = "24h"


def _key(labels: dict[str, str], slo: SloView) -> tuple:
    return tuple((k, labels.get(k, "")) for k in slo.group_by)


def _windows(slo: SloView) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for c in slo.conditions:
        seen.setdefault(c.short, c.short_metric)
        seen.setdefault(c.long, c.long_metric)
    return list(seen.items())


class _Reader:
    """One query per metric for the whole page (not one per SLO), answers kept for the page's build."""

    def __init__(self, prometheus: Prometheus, now: datetime, seconds: int) -> None:
        self.prometheus, self.now, self.seconds = prometheus, now, seconds
        self._instant: dict[str, list] = {}
        self._range: dict[str, list] = {}

    @staticmethod
    def mine(labels: dict[str, str], slo: SloView) -> bool:
        return labels.get("service") == slo.service and labels.get("slo") == slo.slo

    def instant(self, metric: str, slo: SloView) -> list:
        if metric not in self._instant:
            self._instant[metric] = self.prometheus.query(metric)
        return [s for s in self._instant[metric] if self.mine(s.labels, slo)]

    def series(self, metric: str, slo: SloView) -> dict[tuple, list[tuple[float, float]]]:
        if metric not in self._range:
            step = max(self.seconds // CHART_POINTS, 1)
            start = self.now - timedelta(seconds=self.seconds)
            self._range[metric] = query_range(self.prometheus, metric, start, self.now, step)
        return {_key(labels, slo): points for labels, points in self._range[metric] if self.mine(labels, slo)}


def slo_page(slos: list[SloView], prometheus_url: str | None, now: datetime, chart_seconds: int = CHART_WINDOW) -> SloPage:
    window = format_duration(chart_seconds)
    if not prometheus_url:
        rows = [SloRow(slo) for slo in slos]
        return SloPage(rows, "not configured (set prometheus_url in the receiver config)", window)
    reader = _Reader(Prometheus(prometheus_url, timeout=TIMEOUT_SECONDS), now, chart_seconds)
    try:
        firing = reader.prometheus.query('ALERTS{alertstate="firing",burnwise_tier!=""}')
        rows: list[SloRow] = []
        for slo in slos:
            groups: dict[tuple, SloRow] = {}
            for sample in reader.instant(slo.budget_metric, slo):
                groups[_key(sample.labels, slo)] = SloRow(slo, dict(_key(sample.labels, slo)), budget=sample.value)
            if not groups:
                groups[()] = SloRow(slo)
            for window_name, metric in _windows(slo):
                values = {_key(s.labels, slo): s.value for s in reader.instant(metric, slo)}
                for key, row in groups.items():
                    row.burn[window_name] = values.get(key)
            for sample in firing:
                if reader.mine(sample.labels, slo):
                    row = groups.get(_key(sample.labels, slo)) or next(iter(groups.values()))
                    row.firing.append(sample.labels.get("severity", sample.labels.get("burnwise_tier", "?")))
            _charts(reader, slo, groups)
            rows.extend(groups.values())
    except PrometheusUnavailable as exc:
        return SloPage([SloRow(slo) for slo in slos], f"not reachable: {exc}", window)
    rows.sort(key=lambda r: (r.budget is None, r.budget if r.budget is not None else 0, r.slo.service, r.slo.slo))
    for row in rows:
        row.firing = sorted(set(row.firing))
    return SloPage(rows, "ok", window)


def _charts(reader: _Reader, slo: SloView, groups: dict[tuple, SloRow]) -> None:
    budget = reader.series(slo.budget_metric, slo)
    pages = [c for c in slo.conditions if c.kind == "page"] or list(slo.conditions)
    fastest = max(pages, key=lambda c: c.factor) if pages else None
    burn = reader.series(fastest.long_metric, slo) if fastest is not None else {}
    for key, row in groups.items():
        row.budget_chart = line_chart(budget.get(key, []), [(0.0, "budget gone")], floor=0.0, ceiling=1.0)
        if fastest is not None:
            row.burn_chart = line_chart(burn.get(key, []), [(fastest.factor, f"{fastest.factor:g}x pages ({fastest.long})"), (1.0, "1x")], floor=0.0)
