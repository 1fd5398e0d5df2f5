"""Timelines: a scenario as per-minute event and error counts after a healthy lead-in.

Why apart from the scenario model: the same counts feed both the series written for promtool and
the reference model that predicts which tiers fire, so they are computed once, in whole binary
fractions (see :func:`_quantize`), one sample a minute (:data:`STEP`).
"""

from __future__ import annotations


from dataclasses import dataclass
from decimal import Decimal

from burnwise.generator.proof.scenarios import Scenario, error_ratio_at, traffic_at
from burnwise.generator.windows import tiers_for
from burnwise.generator.spec import SLO


#: Seconds between samples (the input interval of every generated test and backtest).
STEP = 60
#: Healthy traffic spends this share of the sustainable burn: clearly below every factor.
HEALTHY_BURN = Decimal("0.2")
#: Default traffic in events per second, raised when an SLO's `min_events` needs more.
BASE_TRAFFIC = Decimal("10")
_BINARY = Decimal(4096)


@dataclass(frozen=True)
class Timeline:
    """Per-minute counts. Index ``m`` is the minute ending at sample ``m`` (index 0 is empty).

    ``lead_in`` minutes of healthy traffic come first, so the scenario's time 0 is sample
    ``lead_in``. ``failing`` (raw SLIs only) says whether sample ``m`` uses the failing series.
    """

    lead_in: int
    events: tuple[Decimal, ...]
    errors: tuple[Decimal, ...]
    failing: tuple[bool, ...]

    @property
    def minutes(self) -> int:
        return len(self.events) - 1

    def error_ratio(self, minute: int) -> float:
        return float(self.errors[minute] / self.events[minute]) if self.events[minute] else 0.0


def default_traffic(slo: SLO) -> Decimal:
    """Events per second: BASE_TRAFFIC, or ten times what the shortest window needs for `min_events`."""
    if slo.min_events is None:
        return BASE_TRAFFIC
    shortest = min((c.long for t in tiers_for(slo) for c in t.conditions), default=3600)
    needed = Decimal(slo.min_events) * 10 / Decimal(shortest)
    return max(BASE_TRAFFIC, needed.quantize(Decimal(1), rounding="ROUND_CEILING"))


def _quantize(value: Decimal) -> Decimal:
    """Round to a multiple of 1/4096: binary-exact, so promtool's ``a+bxN`` ramps add up exactly.

    With decimal steps such as 599.4, promtool's float sum at the end of one segment can land a
    hair above the next segment's start, and ``rate()`` reads that as a counter reset.
    """
    return (value * _BINARY).to_integral_value() / _BINARY


def build_timeline(
    scenario: Scenario,
    slo: SLO,
    lead_in: int,
    *,
    healthy_burn: Decimal | None = None,
    traffic: Decimal | None = None,
) -> Timeline:
    """``lead_in`` minutes of healthy traffic, then ``scenario`` for its whole duration.

    A raw SLI has no event counts: its minutes are failing or healthy, chosen by error diffusion
    so that the share of failing minutes follows ``error ratio / failing_error_ratio``.
    """
    budget = slo.error_budget
    raw = slo.sli.raw
    healthy = (HEALTHY_BURN if healthy_burn is None else healthy_burn) * budget
    if raw is not None:
        healthy = Decimal(0) if healthy_burn is None else healthy
    base = traffic if traffic is not None else default_traffic(slo)
    history = traffic if traffic is not None else scenario.history_traffic if scenario.history_traffic is not None else base
    total = lead_in + -(-scenario.duration // STEP)
    events, errors, failing = [Decimal(0)], [Decimal(0)], [False]
    carry = Decimal(0)
    for minute in range(1, total + 1):
        seconds = (minute - lead_in - 1) * STEP + STEP // 2
        if seconds < 0:
            per_second, ratio = history, healthy
        else:
            per_second = traffic_at(scenario, seconds, base)
            ratio = error_ratio_at(scenario, seconds, budget)
        count = _quantize(per_second * STEP)
        events.append(count)
        errors.append(_quantize(count * ratio))
        if raw is not None and raw.test_series is not None:
            carry += min(ratio / raw.test_series.failing_error_ratio, Decimal(1))
            fail = carry >= Decimal("0.5")
            carry -= 1 if fail else 0
            failing.append(fail)
        else:
            failing.append(False)
    return Timeline(lead_in, tuple(events), tuple(errors), tuple(failing))
