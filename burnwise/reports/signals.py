"""Custom watch signals in the handoff: the roster's PromQL checks with their value and last crossing.

Why: the failures that matter for ML serving are often silent - the prediction distribution
drifts, features go stale, a pipeline lags - and never page. A surface lists them in the roster
(``watch:`` with an expression, a threshold, a label and a dashboard); the handoff shows each with
its current value and the last time in the window it was over (or under) the threshold, so the
next primary knows to look. Several series from one expression are reduced to the worst one.
"""

from __future__ import annotations

import math
from datetime import datetime

from pydantic import BaseModel

from burnwise.reports.prometheus import Prometheus, PrometheusUnavailable, query_range
from burnwise.reports.timing import iso
from burnwise.roster.model import WatchSignal

MAX_POINTS = 1000


class SignalItem(BaseModel):
    label: str
    expr: str
    threshold: str
    value: float | None
    crossed_now: bool
    last_crossed: str | None
    dashboard: str | None


class SignalSection(BaseModel):
    available: bool
    note: str | None = None
    items: list[SignalItem] = []


def _worst(signal: WatchSignal, values: list[float]) -> float | None:
    if not values:
        return None
    return max(values) if signal.above is not None else min(values)


def signal_items(prometheus: Prometheus, signals: list[WatchSignal], since: datetime, at: datetime) -> SignalSection:
    """Each signal's worst current value and last crossing in [since, at]; Prometheus trouble is a note."""
    if not signals:
        return SignalSection(available=False, note="no watch signals for this surface in the roster (watch:)")
    step = max(1, math.ceil((at - since).total_seconds() / MAX_POINTS))
    items = []
    try:
        for signal in signals:
            value = _worst(signal, [s.value for s in prometheus.query(signal.expr, at)])
            crossings = [ts for _labels, points in query_range(prometheus, signal.expr, since, at, step)
                         for ts, v in points if signal.crossed(v)]
            last = datetime.fromtimestamp(max(crossings), tz=at.tzinfo) if crossings else None
            items.append(SignalItem(label=signal.label, expr=signal.expr, threshold=signal.threshold_text, value=value,
                                    crossed_now=value is not None and signal.crossed(value), last_crossed=iso(last),
                                    dashboard=signal.dashboard))
    except PrometheusUnavailable as exc:
        return SignalSection(available=False, note=f"{exc}; watch signals not checked")
    return SignalSection(available=True, items=items)
