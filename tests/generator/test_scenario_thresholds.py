"""Built-in scenarios sit clearly on one side of every threshold, and say which (issue 22 item 5).

`burn-6x` used to sit exactly on sev2's 6x: with `>` against exact decimals an availability SLO did
not page and a latency SLO (other float rounding in its series) did. Every scenario x tier x
objective below must be clear of each factor by more than TIE_TOLERANCE, after the error ratio's
cap of 1, and a probing scenario's stated side must be the side it is on.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from burnwise.generator.proof.backtest import builtin_scenarios
from burnwise.generator.proof.scenarios import effective_burn, ties
from burnwise.generator.spec import ServiceSpec
from burnwise.generator.windows import tiers_for

from tests.generator.specs import service_spec, slo

LATENCY_SLI = {"latency": {"metric": "http_request_duration_seconds", "selector": '{job="checkout"}', "threshold": 0.3}}
CUSTOM_TIERS = {  # an OpenSLO-style policy with factors of its own
    "tiers": {
        "sev1": {"windows": [{"factor": 16, "long": "1h", "short": "5m"}]},
        "sev2": {"windows": [{"factor": 8, "long": "6h", "short": "30m"}]},
        "sev3": {"windows": [{"factor": 2, "long": "1d", "short": "2h"}]},
    }
}
OBJECTIVES = ["99.99", "99.9", "99.5", "99", "98", "95", "90"]


def _slos():
    for objective in OBJECTIVES:
        for kind, sli in (("availability", None), ("latency", LATENCY_SLI)):
            for alerting_name, alerting in (("workbook", {}), ("custom", CUSTOM_TIERS)):
                overrides = {"objective": objective, "alerting": alerting}
                if sli:
                    overrides["sli"] = sli
                spec = ServiceSpec.model_validate(service_spec(slos=[slo(**overrides)]))
                yield pytest.param(spec.slos[0], id=f"{objective}-{kind}-{alerting_name}")


@pytest.mark.parametrize("objective", list(_slos()))
def test_every_builtin_scenario_is_clear_of_every_threshold(objective):
    budget = objective.error_budget
    tiers = tiers_for(objective)
    checked = 0
    for scenario in builtin_scenarios(objective):
        ratio = scenario.steady_ratio(budget)
        if ratio is None or ratio == 0:
            continue  # ramps, flapping and zero traffic cross or avoid thresholds by design
        burn = effective_burn(ratio / budget, budget)
        for tier in tiers:
            for condition in tier.conditions:
                assert not ties(burn, condition.factor), (
                    f"{scenario.name} burns {burn}x, on {tier.name}'s {condition.factor}x threshold"
                )
                checked += 1
        for tier in tiers:
            side = scenario.expect.get(tier.name)
            if side is not None:
                fires = any(burn > c.factor for c in tier.conditions)
                assert side == ("fires" if fires else "silent"), f"{scenario.name}: {tier.name} says {side}"
                assert tier.name in scenario.description and side in scenario.description
    assert checked > 0


def test_probing_scenarios_name_their_side_and_cover_every_tier():
    spec = ServiceSpec.model_validate(service_spec())
    probes = [s for s in builtin_scenarios(spec.slos[0]) if s.expect]
    assert [s.name for s in probes] == ["burn-15.84x", "burn-6.6x", "burn-3.3x", "burn-1.1x", "burn-0.5x"]
    for tier in ("sev1", "sev2", "sev3"):
        assert {s.expect[tier] for s in probes} == {"fires", "silent"}, tier
    assert probes[1].expect == {"sev1": "silent", "sev2": "fires", "sev3": "fires"}
    assert Decimal(probes[1].error_ratio[0].burn) == Decimal("6.6")
