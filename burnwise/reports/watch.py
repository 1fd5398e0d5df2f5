"""SLO figures read from Prometheus: watch items for the handoff, budget consumed for a postmortem.

Why these series: the generator records ``slo:burnwise_error_budget_remaining:ratio`` (share of
the period's budget left) and ``slo:burnwise_burn_rate:rate<w>`` for every window its alerts use,
with ``service`` and ``slo`` labels (:mod:`burnwise.generator.names`). Reading the recordings means the
report shows exactly what the alerts see.

A *watch item* is an SLO that is not paging but is worth a look: budget remaining under a
threshold (default 25%), or burning faster than 1x over the long window of its slowest paging
tier while still under that tier's factor - it will exhaust the budget early if nothing changes.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel

from burnwise.generator import names
from burnwise.durations import format_duration
from burnwise.reports.figures import percent
from burnwise.reports.prometheus import Prometheus, PrometheusUnavailable
from burnwise.reports.slos import SLORef

DEFAULT_BUDGET_LOW = 0.25


class WatchItem(BaseModel):
    service: str
    slo: str
    budget_remaining: float | None
    burn_rate: float | None
    burn_window: str | None
    paging_factor: float | None
    reasons: list[str]


class WatchSection(BaseModel):
    available: bool
    note: str | None = None
    checked: int = 0
    items: list[WatchItem] = []


def _slowest_page_condition(ref: SLORef):
    """(window seconds, factor) of the paging condition with the smallest factor, or None."""
    conditions = [c for tier in ref.page_tiers() for c in tier.conditions]
    if not conditions:
        return None
    slowest = min(conditions, key=lambda c: (c.factor, -c.long))
    return slowest.long, float(slowest.factor)


def _one(prometheus: Prometheus, metric: str, ref: SLORef, at: datetime | None) -> float | None:
    samples = prometheus.query(metric + names.selector(ref.spec.service, ref.slo.name), at)
    return samples[0].value if samples else None


def watch_items(
    prometheus: Prometheus, refs: list[SLORef], at: datetime | None = None, budget_low: float = DEFAULT_BUDGET_LOW
) -> WatchSection:
    """Watch items for the SLOs ``refs``; Prometheus trouble becomes a note, never an exception."""
    if not refs:
        return WatchSection(available=False, note="no SLO specs found for this surface (looked in the specs folder)")
    items: list[WatchItem] = []
    try:
        for ref in refs:
            remaining = _one(prometheus, names.BUDGET_REMAINING, ref, at)
            slowest = _slowest_page_condition(ref)
            burn = window = factor = None
            if slowest is not None:
                window, factor = format_duration(slowest[0]), slowest[1]
                burn = _one(prometheus, names.burn_rate(slowest[0]), ref, at)
            reasons = []
            if remaining is not None and remaining < budget_low:
                reasons.append(f"error budget remaining {percent(remaining, 1)} is under {percent(budget_low, 0)}")
            if burn is not None and factor is not None and 1 < burn < factor:
                reasons.append(f"burning {burn:.2f}x over {window}: above 1x, under the {factor:g}x paging threshold")
            if reasons:
                items.append(WatchItem(service=ref.spec.service, slo=ref.slo.name, budget_remaining=remaining,
                                       burn_rate=burn, burn_window=window, paging_factor=factor, reasons=reasons))
    except PrometheusUnavailable as exc:
        return WatchSection(available=False, note=f"{exc}; watch items not checked")
    return WatchSection(available=True, checked=len(refs), items=items)


class BudgetConsumed(BaseModel):
    available: bool
    note: str | None = None
    remaining_before: float | None = None
    remaining_after: float | None = None
    consumed: float | None = None


def budget_consumed(prometheus: Prometheus, ref: SLORef | None, start: datetime, end: datetime) -> BudgetConsumed:
    """Share of the period's error budget spent between ``start`` and ``end`` (remaining before - after)."""
    if ref is None:
        return BudgetConsumed(available=False, note="the incident's SLO is not in the specs; budget not computed")
    try:
        before = _one(prometheus, names.BUDGET_REMAINING, ref, start)
        after = _one(prometheus, names.BUDGET_REMAINING, ref, end)
    except PrometheusUnavailable as exc:
        return BudgetConsumed(available=False, note=f"{exc}; error budget consumed not computed")
    if before is None or after is None:
        return BudgetConsumed(available=False, note="Prometheus has no budget series for this SLO at those times",
                              remaining_before=before, remaining_after=after)
    return BudgetConsumed(available=True, remaining_before=before, remaining_after=after, consumed=before - after)
