"""Incidents replayed: an incident's shape (minutes of error ratio) as the series its SLI reads.

Why in the generated proof: a regression case must feed the *current* rule file the raw series
its SLI selects, exactly as generated unit tests do. So the reports do not build series
themselves; they describe the incident (:class:`IncidentShape`: healthy minutes, then one error
ratio per minute, at a traffic level) and this module turns it into a :class:`Scenario` and then,
through the same :func:`~burnwise.generator.proof.timeline.build_timeline` and
:func:`~burnwise.generator.proof.series.input_series` as every generated test, into promtool
input series. An SLI whose series cannot be derived is refused with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from burnwise.generator.promtool.rule_tests import InputSeries
from burnwise.generator.proof.scenarios import Scenario, ScenarioError
from burnwise.generator.proof.series import input_series, testable
from burnwise.generator.proof.timeline import STEP, build_timeline
from burnwise.generator.spec import SLO


@dataclass(frozen=True)
class IncidentShape:
    """``history_minutes`` without errors, then ``error_ratios`` (0..1), one a minute, at
    ``events_per_minute``; the last minute is the one a regression case evaluates."""

    name: str
    history_minutes: int
    error_ratios: tuple[Decimal, ...]
    events_per_minute: Decimal

    @property
    def minutes(self) -> int:
        return self.history_minutes + len(self.error_ratios)


def incident_scenario(shape: IncidentShape) -> Scenario:
    """The failure part of ``shape`` as a scenario: one constant piece per run of equal ratios."""
    if not shape.error_ratios:
        raise ScenarioError(f"{shape.name}: an incident shape needs at least one minute of error ratio")
    pieces: list[dict] = []
    for minute, ratio in enumerate(shape.error_ratios):
        if not pieces or pieces[-1]["ratio"] != ratio:
            pieces.append({"from": minute * STEP, "ratio": ratio})
    return Scenario.model_validate(
        {"name": shape.name, "duration": len(shape.error_ratios) * STEP, "error_ratio": pieces}
    )


def incident_series(slo: SLO, shape: IncidentShape) -> list[InputSeries]:
    """The input series that make ``slo``'s SLI report ``shape``, minute by minute (counters from 0)."""
    reason = testable(slo)
    if reason is not None:
        raise ScenarioError(f"cannot replay {shape.name} for SLO {slo.name}: {reason}")
    timeline = build_timeline(
        incident_scenario(shape),
        slo,
        shape.history_minutes,
        healthy_burn=Decimal(0),
        traffic=shape.events_per_minute / STEP,
    )
    return input_series(slo, timeline)
