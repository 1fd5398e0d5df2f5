"""Helpers for the real-process integration tests: fast stack settings and small waits.

Why a module: the chain test and the PostgreSQL test start the same :class:`burnwise.demo.stack.Stack`
the demo uses, only with shorter intervals (1s scrape and evaluation, 2s group interval) so the
whole burn-to-resolve story fits in well under a minute.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from burnwise.demo.stack import Stack, StackSettings
from burnwise.demo.timelapse import Timelapse

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "slo_specs" / "checkout.yaml"
ROSTER = ROOT / "oncall" / "roster.yaml"
RUNBOOKS = ROOT / "oncall" / "runbooks.yaml"
RUNBOOK_URL = "https://runbooks.example.com/checkout/availability"


def fast_settings(workdir: Path, **overrides) -> StackSettings:
    values = dict(
        workdir=workdir,
        spec_path=SPEC,
        roster=ROSTER,
        runbooks=RUNBOOKS,
        lapse=Timelapse(speedup=60, short_window=6),
        scrape_interval=1,
        evaluation_interval=1,
        # longer than Prometheus' resend delay (2 s) plus an evaluation: after an Alertmanager
        # restart the sev1 must be back before the sev2 group is flushed (docs/alertmanager.md)
        group_wait=5,
        group_interval=2,
        muted_group_interval=30,
        traffic_rate=20.0,
    )
    values.update(overrides)
    return StackSettings(**values)


def wait_until(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.25):
    """Poll until ``predicate()`` is truthy; fail the test naming ``what`` otherwise."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def stays_false(predicate: Callable[[], object], seconds: float, interval: float = 0.25) -> bool:
    """True when ``predicate()`` never became truthy for ``seconds`` (a negative check)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return False
        time.sleep(interval)
    return not predicate()


def stopped_everything(stack: Stack) -> list[str]:
    """Names of processes the stack started that still run (should be none after stop)."""
    return [p.name for p in stack.supervisor.processes if p.popen is not None and p.popen.poll() is None]
