"""The reference model of generated tests: which tiers fire, minute by minute, for a timeline.

Why a model of its own: a generated test must say what promtool should find without asking
Prometheus, so the expectations come from the spec alone. :class:`BurnModel` recomputes the burn
rate of every window the alerts read with the window arithmetic of
:mod:`burnwise.generator.rules` (raw windows up to an hour, longer ones summed from recorded
boxes) and answers "firing", "quiet" or "too close to call" (within :data:`MARGIN`). The
Workbook's detection times (:func:`tier_detection`) are here too: the backtest compares with them.
"""

from __future__ import annotations


from decimal import Decimal

from burnwise.generator.proof.timeline import STEP, Timeline
from burnwise.generator.spec import SLO
from burnwise.generator.windows import Tier, tiers_for


#: A check is placed only where every burn rate (and event count) is this far from its threshold.
MARGIN = 0.05


def _and(values) -> bool | None:
    values = list(values)
    if any(v is False for v in values):
        return False
    return True if all(v is True for v in values) else None


def _or(values) -> bool | None:
    values = list(values)
    if any(v is True for v in values):
        return True
    return False if all(v is False for v in values) else None


def _above(value: float | None, threshold: float) -> bool | None:
    """True/False when clearly above/below ``threshold``; None on the edge. Absent is False."""
    if value is None:
        return False
    if value > threshold * (1 + MARGIN) + 1e-12:
        return True
    if value < threshold * (1 - MARGIN):
        return False
    return None


class BurnModel:
    """Burn rates of an SLO's windows over a :class:`Timeline`, at each evaluation minute.

    Every window holds the increments of its last ``w`` minutes (samples one minute apart, so a
    range ``[t-w, t]`` does), clipped to the history there is: windows up to an hour read the input
    counters, longer ones are sums of recorded boxes (:func:`burnwise.generator.rules.tiled_window`) that
    add up to the same increments. A raw SLI's query runs over every window; it is taken to be a
    time average of its per-minute state (healthy 0, failing ``failing_error_ratio``), which is
    what the ``test_series`` hook promises.
    """

    def __init__(self, slo: SLO, timeline: Timeline) -> None:
        self.slo = slo
        self.timeline = timeline
        self.budget = float(slo.error_budget)
        self.raw = slo.sli.raw is not None
        self.tiers = tiers_for(slo)
        size = timeline.minutes + 1
        if self.raw:
            ratio = float(slo.sli.raw.test_series.failing_error_ratio) if slo.sli.raw.test_series else 1.0
            values = [ratio if timeline.failing[m] else 0.0 for m in range(size)]
            self._r = self._prefix(values)
        else:
            self._e = self._prefix([float(v) for v in timeline.errors])
            self._n = self._prefix([float(v) for v in timeline.events])
        self._states: dict[int, tuple[bool | None, ...]] = {}

    @staticmethod
    def _prefix(values: list[float]) -> list[float]:
        sums = [0.0]
        for value in values:
            sums.append(sums[-1] + value)
        return sums  # sums[m + 1] = values[0..m]

    def _sum(self, prefix: list[float], first: int, last: int) -> float:
        """Sum of values at minutes ``first..last`` (clipped to the timeline)."""
        first, last = max(first, 0), min(last, len(prefix) - 2)
        return prefix[last + 1] - prefix[first] if last >= first else 0.0

    def counts(self, window: int, k: int) -> tuple[float, float]:
        """(errors, events) in ``window`` seconds at minute ``k`` (counting SLIs)."""
        minutes = window // STEP
        return self._sum(self._e, k - minutes + 1, k), self._sum(self._n, k - minutes + 1, k)

    def _raw_ratio(self, window: int, k: int) -> float | None:
        """The mean state over the points of ``[k - window, k]`` that exist (the query's own range)."""
        first = max(k - window // STEP, 0)
        points = k - first + 1
        return self._sum(self._r, first, k) / points if points > 0 else None

    def burn(self, window: int, k: int) -> float | None:
        """Burn rate over ``window`` at minute ``k`` (None when there are no events)."""
        if self.raw:
            ratio = self._raw_ratio(window, k)
        else:
            errors, events = self.counts(window, k)
            ratio = errors / events if events > 0 else None
        return None if ratio is None else ratio / self.budget

    def _tier(self, tier: Tier, k: int) -> bool | None:
        blocks = []
        for condition in tier.conditions:
            factor = float(condition.factor)
            parts = [_above(self.burn(condition.long, k), factor), _above(self.burn(condition.short, k), factor)]
            if self.slo.min_events is not None and not self.raw:
                parts.append(_above(self.counts(condition.long, k)[1], float(self.slo.min_events)))
            blocks.append(_and(parts))
        return _or(blocks)

    def states(self, k: int) -> tuple[bool | None, ...]:
        """Per tier: firing (True), quiet (False) or too close to call (None) at minute ``k``."""
        if k not in self._states:
            self._states[k] = tuple(self._tier(tier, k) for tier in self.tiers)
        return self._states[k]

    def expected(self, k: int) -> tuple[int, ...] | None:
        """Indexes of the tiers firing at minute ``k``, or None when any tier is on an edge.

        A raw SLI's states must also hold a minute either side (its query's sampling of the
        window may differ from the model's by a point).
        """
        if k < 1 or k > self.timeline.minutes:
            return None
        neighbours = (k - 1, k, k + 1) if self.raw else (k,)
        seen = {self.states(m) for m in neighbours if 1 <= m <= self.timeline.minutes}
        if len(seen) != 1:
            return None
        states = seen.pop()
        if any(state is None for state in states):
            return None
        return tuple(i for i, state in enumerate(states) if state)

    def first_firing(self, tier_index: int, start: int) -> int | None:
        for k in range(start, self.timeline.minutes + 1):
            expected = self.expected(k)
            if expected is not None and tier_index in expected:
                return k
        return None


# --------------------------------------------------------------------------------------------
# Test groups
# --------------------------------------------------------------------------------------------


def workbook_detection(condition_long: int, factor: Decimal, budget: Decimal, ratio: Decimal) -> float | None:
    """The Workbook's detection time, ``(1-SLO) / error_ratio x window x factor``, in seconds."""
    if ratio < budget * factor:
        return None
    return float(budget / ratio * condition_long * factor)


def tier_detection(tier: Tier, budget: Decimal, ratio: Decimal) -> float | None:
    times = [workbook_detection(c.long, c.factor, budget, ratio) for c in tier.conditions]
    times = [t for t in times if t is not None]
    return min(times) if times else None

