"""Incident replay: an incident's shape becomes the series its SLI reads, through the proof machinery."""

from __future__ import annotations

from decimal import Decimal

import pytest

from burnwise.generator.proof.notation import expand_notation
from burnwise.generator.proof.replay import IncidentShape, incident_scenario, incident_series
from burnwise.generator.proof.scenarios import ScenarioError
from burnwise.generator.spec import SLO

from tests.generator.specs import slo


def _slo(**sli) -> SLO:
    return SLO.model_validate(slo(**sli))


def test_equal_minutes_become_one_piece():
    shape = IncidentShape("incident-7", 3, (Decimal("0.1"), Decimal("0.1"), Decimal("0.5")), Decimal(600))
    scenario = incident_scenario(shape)
    assert [(p.start, p.ratio) for p in scenario.error_ratio] == [(0, Decimal("0.1")), (120, Decimal("0.5"))]
    assert scenario.duration == 180


def test_events_sli_counts_follow_the_shape_minute_by_minute():
    shape = IncidentShape("incident-7", 2, (Decimal("0.1"), Decimal("0.1"), Decimal("0.5")), Decimal(600))
    series = {s.series: s.values for s in incident_series(_slo(), shape)}
    errors = next(v for k, v in series.items() if 'code="500"' in k)
    good = next(v for k, v in series.items() if 'code="200"' in k)
    assert expand_notation(errors, 6) == [0, 0, 0, 60, 120, 420]
    assert expand_notation(good, 6) == [0, 600, 1200, 1740, 2280, 2580]


def test_an_sli_without_derivable_series_is_refused_with_the_reason():
    raw = _slo(sli={"raw": {"error_ratio_query": "avg_over_time(x[{{.window}}])"}})
    with pytest.raises(ScenarioError, match="cannot replay incident-1 .*test_series"):
        incident_series(raw, IncidentShape("incident-1", 1, (Decimal(1),), Decimal(60)))
