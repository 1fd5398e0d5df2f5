"""The demo's parts on their own: the checkout service, the time-lapse rules, process supervision
and the command's refusals. Fast: no Prometheus or Alertmanager (promtool only where it checks rules).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from decimal import Decimal

import pytest
import requests
from burnwise.generator.loader import load_specs
from burnwise.generator.promtool import Promtool
from burnwise.generator.rules import rule_groups
from burnwise.generator.windows import tiers_for

from burnwise.demo.service import CheckoutService
from burnwise.demo.timelapse import Timelapse, render_timelapse_rules, timelapse_spec
from burnwise.support.processes import ManagedProcess, ProcessFailed, Supervisor
from tests.integration.chainlib import ROOT, SPEC


# --- the checkout service -------------------------------------------------------------------------
def _count(metrics: str, code: str) -> float:
    line = next(l for l in metrics.splitlines() if l.startswith(f'http_requests_total{{code="{code}"}}'))
    return float(line.split()[-1])


def test_service_exports_what_the_checkout_spec_queries_and_breaks_on_demand():
    service = CheckoutService(port=0).start(traffic=False)
    try:
        metrics = requests.get(f"{service.url}/metrics", timeout=5).text
        assert _count(metrics, "500") == 0  # exported before the first error, so rate() sees it
        assert 'http_request_duration_seconds_bucket{le="0.3"}' in metrics

        assert requests.get(f"{service.url}/checkout", timeout=5).status_code == 200
        answer = requests.post(f"{service.url}/admin/mode", json={"error_ratio": 1.0}, timeout=5)
        assert answer.json()["error_ratio"] == 1.0
        assert [requests.get(f"{service.url}/checkout", timeout=5).status_code for _ in range(3)] == [500] * 3
        metrics = requests.get(f"{service.url}/metrics", timeout=5).text
        assert (_count(metrics, "200"), _count(metrics, "500")) == (1, 3)
        assert requests.get(f"{service.url}/admin/mode", timeout=5).json()["error_ratio"] == 1.0
    finally:
        service.stop()


def test_service_spreads_failures_evenly_and_refuses_bad_modes():
    service = CheckoutService(port=0).start(traffic=False)
    try:
        service.set_mode(error_ratio=0.25, latency_seconds=0.0)
        assert [service.handle_checkout() for _ in range(8)] == [200, 200, 200, 500] * 2
        for body in ({"error_ratio": 2}, {"latency_seconds": -1}, {"colour": "red"}, [1]):
            answer = requests.post(f"{service.url}/admin/mode", json=body, timeout=5)
            assert answer.status_code == 400, body
        assert service.mode.error_ratio == 0.25
    finally:
        service.stop()


def test_service_generates_its_own_traffic():
    service = CheckoutService(port=0, rate=40).start()
    try:
        deadline = time.monotonic() + 10
        while _count(service.metrics_text().decode(), "200") < 5 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _count(service.metrics_text().decode(), "200") >= 5
    finally:
        service.stop()


# --- time-lapse rules -----------------------------------------------------------------------------
def test_timelapse_keeps_the_spec_and_shortens_only_the_windows(promtool_bin, tmp_path, monkeypatch):
    lapse = Timelapse(speedup=60, short_window=10)
    original = load_specs([SPEC])[0].spec
    lapsed = timelapse_spec(original, lapse)
    assert [s.name for s in lapsed.slos] == [s.name for s in original.slos]
    for before, after in zip(original.slos, lapsed.slos):
        assert (after.objective, after.period, after.sli) == (before.objective, before.period, before.sli)
        old, new = tiers_for(before), tiers_for(after)
        assert [(t.name, t.severity) for t in new] == [(t.name, t.severity) for t in old]
        for told, tnew in zip(old, new):
            assert [c.factor for c in tnew.conditions] == [c.factor for c in told.conditions]
            assert [c.long for c in tnew.conditions] == [max(10, c.long // 60) for c in told.conditions]
            assert {c.short for c in tnew.conditions} == {10}
    alerts = lambda spec: [(r.alert, r.labels) for g in rule_groups(spec) for r in g.rules if hasattr(r, "alert")]
    assert alerts(lapsed) == alerts(original)

    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    files = render_timelapse_rules(SPEC, lapse, tmp_path)
    assert [f.name for f in files] == ["checkout.timelapse.rules.yaml"]
    assert Promtool.find().check_rules(files, lint=False).ok
    assert "rate10s" in files[0].read_text() and "time-lapse" in files[0].read_text().splitlines()[0]
    assert Decimal("14.4") in {c.factor for t in tiers_for(lapsed.slos[0]) for c in t.conditions}


# --- process supervision --------------------------------------------------------------------------
def test_a_process_that_dies_early_is_reported_with_its_log(tmp_path):
    process = ManagedProcess(
        name="crasher",
        argv=[sys.executable, "-c", "import sys; print('bad config: no such key'); sys.exit(3)"],
        log_path=tmp_path / "crasher.log",
        ready_url="http://127.0.0.1:9/never",
    )
    supervisor = Supervisor()
    with pytest.raises(ProcessFailed, match=r"crasher exited with code 3 .*\n.*bad config: no such key"):
        supervisor.start(process, ready_timeout=10)
    supervisor.stop_all()


def test_stop_ends_the_process_by_its_pid_even_when_it_ignores_sigterm(tmp_path):
    stubborn = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); time.sleep(60)"
    process = ManagedProcess(name="stubborn", argv=[sys.executable, "-c", stubborn], log_path=tmp_path / "s.log")
    process.start()
    process.wait_ready(10, check=lambda: "up" in (tmp_path / "s.log").read_text())
    pid = process.pid
    code = process.stop(grace=1)
    assert code == -9 and not process.running
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_not_ready_in_time_names_the_url_and_the_process_is_stopped_by_the_supervisor(tmp_path):
    process = ManagedProcess(
        name="silent", argv=[sys.executable, "-c", "import time; time.sleep(60)"],
        log_path=tmp_path / "silent.log", ready_url="http://127.0.0.1:9/ready",
    )
    supervisor = Supervisor()
    with pytest.raises(ProcessFailed, match=r"silent \(pid \d+\) did not answer http://127.0.0.1:9/ready within 1s"):
        supervisor.start(process, ready_timeout=1)
    supervisor.stop_all()
    assert not process.running


# --- the command ----------------------------------------------------------------------------------
def test_demo_without_the_binaries_says_how_to_install_them(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNWISE_")}
    env["PATH"] = str(tmp_path)  # no prometheus, no alertmanager
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-m", "burnwise", "demo"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "prometheus and alertmanager not found: run `make setup`" in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_outside_the_repository_says_where_to_run_it(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "burnwise", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert "slo_specs/checkout.yaml not found: run `burnwise demo` from the burnwise repository root" in result.stderr


def test_demo_refuses_a_timeout_that_is_not_positive(capsys):
    from burnwise.cli import main

    assert main(["demo", "--timeout", "0"]) == 1
    assert "--timeout 0: give a number of seconds above 0" in capsys.readouterr().err
