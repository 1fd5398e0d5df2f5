"""Tiled long windows equal the raw `rate(x[W])` they stand for, minute by minute, in real promtool.

The claim behind `burnwise.generator.windows.tile`: recorded windows read at offsets that meet end to end
add up to the increase a raw range sees, at every instant, including while a burst crosses a seam
between boxes and while the history is shorter than the window. The series are irregular (traffic
and error ratio change every 7 minutes) so that any smoothing at a seam or an edge would show; the
former construction (raw hour plus a sum of 5m rates) would fail here by up to a few percent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from burnwise.generator import sli as sli_exprs
from burnwise.durations import format_duration
from burnwise.generator.loader import load_specs
from burnwise.generator.names import errors, events
from burnwise.generator.pipeline import rule_files
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.windows import RAW_HORIZON, tilings, windows_for

from tests.generator.promtool_cases import Segment, http_series, write_test_file
from tests.generator.specs import service_spec, slo, write_spec

#: Eight hours: longer than the 6h window, so its far edge moves through the bursts as well.
MINUTES = 8 * 60
#: Compare every this many minutes (promtool evaluates the rules every minute regardless).
EVERY = 3


def _segments() -> list[Segment]:
    """Seven-minute segments, traffic 1,000-1,490 a minute, 0-6% errors (whole numbers of errors)."""
    segments = []
    for i in range(MINUTES // 7 + 1):
        requests = 1000 + (i * 37) % 50 * 10
        errors_per_minute = (i * 7) % 13 * requests // 200 if i % 3 else 0
        segments.append(Segment(7, requests, errors_per_minute / requests))
    return segments


@pytest.mark.parametrize("period", ["30d", "7d"])
def test_tiled_windows_equal_raw_rates_every_minute(promtool_bin, tmp_path, period):
    spec_data = service_spec(slos=[slo(period=period)])
    specs = load_specs([write_spec(tmp_path, spec_data)])
    rules = tmp_path / "checkout.rules.yaml"
    rules.write_text(rule_files(specs)["checkout.rules.yaml"], encoding="utf-8")
    model = specs[0].spec.slos[0]
    tiled = [w for w in tilings([*windows_for(model), RAW_HORIZON]) if w != model.period]
    assert tiled, "nothing tiled: the test would prove nothing"
    tests = []
    for window in tiled:
        for record, raw in ((errors(window), sli_exprs.error_rate(model.sli, window)), (events(window), sli_exprs.event_rate(model.sli, window))):
            expr = f"abs(sum({record}) - sum({raw})) > 1e-9 * sum({sli_exprs.event_rate(model.sli, window)})"
            tests += [{"expr": expr, "eval_time": f"{m}m", "exp_samples": []} for m in range(EVERY, MINUTES, EVERY)]
    test_file = write_test_file(tmp_path, rules, http_series(_segments()), tests)
    result = Promtool.at(promtool_bin).test_rules([test_file], timeout=600)
    windows = ", ".join(format_duration(w) for w in tiled)
    assert result.ok, f"tiled windows ({windows}) differ from raw rates:\n{result.format()[:3000]}"
