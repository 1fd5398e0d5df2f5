"""Alert tiers and their windows: the Google SRE Workbook's multiwindow, multi-burn-rate table.

The Workbook's table (ch. 5, table 5-8) is written for a 30-day period. Each condition spends a
fixed share of the error budget within its long window: 2% in 1h (sev1), 5% in 6h (sev2), 10% in 1d
and 10% in 3d (sev3). burnwise keeps those shares and the burn factors for any period by scaling the
windows with the period (a 7d SLO pages after 2% of its budget in 14m), rounded to whole minutes and
never below :data:`MIN_WINDOW` so that `rate()` always has samples to work with. A spec can replace
a tier's conditions outright (``alerting.tiers.sevN.windows``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from burnwise.generator.spec import SLO

REFERENCE_PERIOD = 30 * 24 * 3600
#: Shortest window burnwise will compute: at 1m scrape intervals a 5m rate has ~5 samples.
MIN_WINDOW = 5 * 60
#: The shortest rate recorded per SLO (the no-data probe reads it).
BASE_WINDOW = 5 * 60
#: Windows up to this length read the raw counting SLI series; longer ones are sums of recordings.
RAW_HORIZON = 3600


@dataclass(frozen=True)
class Condition:
    """Burn faster than ``factor`` over both the long and the short window."""

    factor: Decimal
    long: int  # seconds
    short: int  # seconds

    def budget_share(self, period: int) -> Decimal:
        """Share of the period's error budget spent in the long window at exactly ``factor``."""
        return self.factor * Decimal(self.long) / Decimal(period)


@dataclass(frozen=True)
class Tier:
    name: str  # sev1, sev2, sev3: the tier's identity in the spec
    kind: str  # "page" or "ticket"
    severity: str  # label value, sevN unless the spec overrides it
    conditions: tuple[Condition, ...]


#: (tier, kind, ((factor, long, short), ...)) for a 30d period.
WORKBOOK_TABLE: tuple[tuple[str, str, tuple[tuple[str, int, int], ...]], ...] = (
    ("sev1", "page", (("14.4", 3600, 300),)),
    ("sev2", "page", (("6", 6 * 3600, 1800),)),
    ("sev3", "ticket", (("3", 24 * 3600, 2 * 3600), ("1", 3 * 24 * 3600, 6 * 3600))),
)


def scale_window(seconds: int, period: int) -> int:
    """A 30d-table window scaled to ``period``: whole minutes, at least :data:`MIN_WINDOW`."""
    scaled = Decimal(seconds) * Decimal(period) / Decimal(REFERENCE_PERIOD)
    minutes = int((scaled / 60).to_integral_value())
    return max(MIN_WINDOW, minutes * 60)


def default_conditions(tier: str, period: int) -> tuple[Condition, ...]:
    for name, _kind, rows in WORKBOOK_TABLE:
        if name == tier:
            return tuple(
                Condition(Decimal(factor), scale_window(long, period), scale_window(short, period))
                for factor, long, short in rows
            )
    raise KeyError(tier)


def tiers_for(slo: SLO) -> list[Tier]:
    """The enabled tiers of an SLO, sev1 first, with spec overrides applied."""
    tiers = []
    for name, kind, _rows in WORKBOOK_TABLE:
        override = getattr(slo.alerting.tiers, name)
        alert_class = slo.alerting.page if kind == "page" else slo.alerting.ticket
        if override.disable or alert_class.disable:
            continue
        if override.windows:
            conditions = tuple(Condition(w.factor, w.long, w.short) for w in override.windows)
        else:
            conditions = default_conditions(name, slo.period)
        tiers.append(Tier(name, kind, override.severity or name, conditions))
    return tiers


def windows_for(slo: SLO) -> list[int]:
    """Every window the SLO's alerts need, plus the base window and the period, sorted."""
    windows = {BASE_WINDOW, slo.period}
    for tier in tiers_for(slo):
        for condition in tier.conditions:
            windows.update((condition.long, condition.short))
    return sorted(windows)


def is_raw(window: int) -> bool:
    """Whether a window is computed from the raw SLI series rather than from recordings."""
    return window <= RAW_HORIZON


#: One piece of a tiled window: the recorded window of ``length`` seconds read ``offset`` seconds ago.
Box = tuple[int, int]  # (offset, length)


def tile(window: int, recorded: Iterable[int]) -> tuple[Box, ...]:
    """Boxes that cover the last ``window`` seconds end to end, without gaps or overlaps.

    Why boxes: a recorded rate over ``[t-L, t]`` read ``offset L`` later is the rate over the
    preceding ``L`` seconds, so adjacent boxes sum to the increase a raw ``rate(x[W])`` sees (on
    an evaluation grid that divides the boxes; exactly when samples sit on the seams), with no
    smoothing at the edges. Longest
    recorded window (shorter than ``window``, at least :data:`RAW_HORIZON`) first; a remainder up
    to :data:`RAW_HORIZON` becomes a raw window of its own.
    """
    usable = sorted((w for w in set(recorded) if RAW_HORIZON <= w < window), reverse=True)
    boxes: list[Box] = []
    offset = 0
    while offset < window:
        remaining = window - offset
        length = remaining if remaining <= RAW_HORIZON else next(w for w in usable if w <= remaining)
        boxes.append((offset, length))
        offset += length
    return tuple(boxes)


#: Most boxes one tiled window may sum; more get an intermediate window (see :func:`tilings`).
MAX_BOXES = 10


def tilings(windows: Iterable[int]) -> dict[int, tuple[Box, ...]]:
    """For every window longer than :data:`RAW_HORIZON`, shortest first: its boxes, built from the
    raw horizon and the shorter tiled windows (each is recorded, so longer ones reuse it).

    A window that would need more than :data:`MAX_BOXES` boxes (a spec whose tiers jump from 1h
    to 3d: 72 hours) first gets an intermediate window of about a quarter of its length, made of
    whole boxes of the longest shorter window, so every expression stays short. Intermediate
    windows are recorded as counts only.
    """
    plans: dict[int, tuple[Box, ...]] = {}

    def plan(window: int) -> None:
        boxes = tile(window, [RAW_HORIZON, *plans])
        longest = max(length for _offset, length in boxes)
        quarter = window // 4 // longest * longest
        if len(boxes) > MAX_BOXES and quarter > longest:
            plan(quarter)
            boxes = tile(window, [RAW_HORIZON, *plans])
        plans[window] = boxes

    for window in sorted(w for w in set(windows) if not is_raw(w)):
        plan(window)
    return dict(sorted(plans.items()))
