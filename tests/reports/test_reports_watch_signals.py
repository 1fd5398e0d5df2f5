"""Issue 21.4: custom watch signals per surface (roster `watch:`), read from a real Prometheus.

``ml:prediction_drift`` is 0.5 for the first 3 seconds after the test starts, then 0.1: over the
0.3 threshold earlier, not now. ``ml:feature_age_seconds`` is 900, over its 600 threshold now.
"""

from __future__ import annotations

import time
from datetime import datetime

import yaml

from tests.reports.prometheus_server import prometheus_with_rules


def test_signals_show_value_threshold_and_last_crossing(seeded, run_json, run_cli, tmp_path):
    t0 = time.time()
    rules = [
        {"record": "ml:prediction_drift", "expr": f"vector(0.1) + 0.4 * (vector(time()) < bool {t0 + 3:.3f})"},
        {"record": "ml:feature_age_seconds", "expr": "vector(900)"},
    ]
    doc = yaml.safe_load(seeded.roster.read_text())
    doc["surfaces"][0]["watch"] = [
        {"label": "prediction drift", "expr": "ml:prediction_drift", "above": 0.3,
         "dashboard": "https://grafana.example.test/d/drift"},
        {"label": "feature freshness", "expr": "ml:feature_age_seconds", "above": 600},
        {"label": "pipeline throughput", "expr": "vector(5)", "below": 1},
    ]
    seeded.roster.write_text(yaml.safe_dump(doc))
    with prometheus_with_rules(tmp_path, rules, "ml:feature_age_seconds", 1) as url:
        while time.time() < t0 + 5:  # let the drift fall back under the threshold
            time.sleep(0.2)
        note = run_json("handoff", "--surface", "payments", "--since", "10m", "--prometheus", url, *seeded.args())
        code, text, _ = run_cli("handoff", "--surface", "payments", "--since", "10m", "--prometheus", url,
                                "--tz", "UTC", *seeded.args())
    signals = {s["label"]: s for s in note["signals"]["items"]}
    drift = signals["prediction drift"]
    assert drift["value"] == 0.1 and drift["crossed_now"] is False and drift["threshold"] == "> 0.3"
    crossed = datetime.fromisoformat(drift["last_crossed"].replace("Z", "+00:00")).timestamp()
    assert t0 - 1 <= crossed <= t0 + 4
    assert drift["dashboard"] == "https://grafana.example.test/d/drift"
    fresh = signals["feature freshness"]
    assert fresh["value"] == 900 and fresh["crossed_now"] is True and fresh["last_crossed"] is not None
    flow = signals["pipeline throughput"]
    assert flow["crossed_now"] is False and flow["last_crossed"] is None and flow["threshold"] == "< 1"
    section = text.split("## Watch signals (from the roster)")[1].split("\n## ")[0]
    assert "| feature freshness | 900 | > 600 | yes |" in section
    assert "| pipeline throughput | 5 | < 1 | no | not in the window | - |" in section


def test_a_signal_needs_exactly_one_threshold(seeded, run_cli):
    doc = yaml.safe_load(seeded.roster.read_text())
    doc["surfaces"][0]["watch"] = [{"label": "drift", "expr": "ml:prediction_drift"}]
    seeded.roster.write_text(yaml.safe_dump(doc))
    code, _, err = run_cli("handoff", "--surface", "payments", *seeded.args())
    assert code == 1 and "surfaces[0].watch[0]" in err and "give exactly one of above: or below:" in err
