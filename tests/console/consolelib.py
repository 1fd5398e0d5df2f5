"""The console's test stack: pager stub, a Prometheus with SLO recordings, `burnwise serve`, a browser.

Used by the browser tests and by scripts/console_screenshots.py, so the screenshots in
docs/console.md show exactly what the tests check. Every process runs on a free loopback port in
a temporary folder and is stopped by its pid.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from burnwise.support.pager_stub import PagerStub
from tests.reports.prometheus_server import prometheus_with_rules
from tests.webhook_receiver.receiver_testlib import ReceiverProcess, alert, notification, wait_until

REPO = Path(__file__).resolve().parents[2]
TOKEN = "console-test-token"
ROUTING = "R" * 32
PAYMENTS_KEY = "P" * 32
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
HOSTILE = '<img src=x onerror="document.title=\'pwned\'">'


def override_window(now: datetime) -> tuple[datetime, datetime]:
    """Carla covers Anna for three days from tomorrow (UTC midnight): inside the two-week calendar."""
    start = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    return start, start + timedelta(days=3)


def write_roster(folder: Path, now: datetime) -> Path:
    """The example roster with its override moved into the coming two weeks."""
    start, end = override_window(now)
    text = (REPO / "oncall" / "roster.yaml").read_text(encoding="utf-8")
    text = re.sub(r"start: 2026-12-28T09:00:00\+01:00", f"start: {start.isoformat()}", text)
    text = re.sub(r"end: 2027-01-04T09:00:00\+01:00", f"end: {end.isoformat()}", text)
    path = folder / "roster.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def slo_rules() -> list[dict]:
    """Recordings as the generator names them, with fixed values, and one firing page."""
    labels = {"service": "checkout", "slo": "availability"}
    return [
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(0.42)", "labels": labels},
        {"record": "slo:burnwise_burn_rate:rate1h", "expr": "vector(20)", "labels": labels},
        {"record": "slo:burnwise_burn_rate:rate5m", "expr": "vector(18)", "labels": labels},
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(0.97)",
         "labels": {"service": "search", "slo": "availability"}},
        # a grouped SLO (one series per region): the console shows one row per group
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(0.5)",
         "labels": {"service": "edge", "slo": "grouped", "region": "eu"}},
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(0.8)",
         "labels": {"service": "edge", "slo": "grouped", "region": "us"}},
        {"record": "slo:burnwise_burn_rate:rate1h", "expr": "vector(3)",
         "labels": {"service": "edge", "slo": "grouped", "region": "eu"}},
        {"alert": "CheckoutAvailabilityBudgetBurn", "expr": "vector(1)",
         "labels": {**labels, "burnwise_tier": "page", "severity": "sev1", "owner": "payments"}},
    ]


@dataclass
class Stack:
    receiver: ReceiverProcess
    pager: PagerStub
    prometheus_url: str
    now: datetime
    ids: dict[str, int]

    @property
    def url(self) -> str:
        return self.receiver.url


def seed(receiver: ReceiverProcess) -> dict[str, int]:
    """An incident history: two open pages (payments sev1 with hostile text, search sev2), one resolved."""
    checkout = alert("CheckoutAvailabilityBudgetBurn", team="payments", note=HOSTILE)
    checkout["annotations"]["summary"] = f"checkout burning budget {HOSTILE}"
    first = receiver.post(notification("checkout", [checkout])).json()["incidents"][0]
    search = alert("SearchLatencyBudgetBurn", severity="sev2", service="search", fingerprint="fp-search")
    second = receiver.post(notification("search", [search])).json()["incidents"][0]
    old = alert("CheckoutLatencyBudgetBurn", severity="sev2", team="payments", fingerprint="fp-old", slo="latency")
    third = receiver.post(notification("old", [old])).json()["incidents"][0]
    old_resolved = dict(old, status="resolved")
    receiver.post(notification("old", [old_resolved]))
    return {"checkout": first, "search": second, "resolved": third}


@contextmanager
def console_stack(work: Path):
    """Pager, Prometheus (with SLO recordings) and a seeded `burnwise serve` with the console."""
    now = datetime.now(timezone.utc)
    with ExitStack() as stack:
        pager = PagerStub.start(port=0)
        stack.callback(pager.stop)
        prom_dir = work / "prometheus"
        prom_dir.mkdir(parents=True, exist_ok=True)
        prometheus_url = stack.enter_context(
            prometheus_with_rules(prom_dir, slo_rules(), "slo:burnwise_error_budget_remaining:ratio", 4))
        settings = {
            "auth_token": TOKEN,
            "database_url": f"sqlite:///{work / 'console.db'}",
            "pagerduty_url": pager.enqueue_url,
            "pagerduty_routing_key": ROUTING,
            "roster": str(write_roster(work, now)),
            "runbooks": str(REPO / "oncall" / "runbooks.yaml"),
            "slo_specs": str(REPO / "slo_specs"),
            "prometheus_url": prometheus_url,
            "worker_poll_seconds": 0.1,
            "retry": {"base_seconds": 0.2, "max_seconds": 1.0, "max_attempts": 30},
        }
        receiver = ReceiverProcess(work, settings, env={"BURNWISE_ROUTING_KEY_PAYMENTS": PAYMENTS_KEY})
        stack.callback(receiver.stop)
        receiver.start()
        ids = seed(receiver)
        assert pager.wait_for(lambda s: len(s.notifications) >= 2, timeout=20), receiver.log()
        yield Stack(receiver, pager, prometheus_url, now, ids)


@contextmanager
def browser():
    """Headless Debian Chromium driven by Playwright (never `playwright install`)."""
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="burnwise-chromium-")
    try:
        with sync_playwright() as playwright:
            context = playwright.chromium.launch_persistent_context(
                profile, executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS,
                viewport={"width": 1280, "height": 900}, timezone_id="Asia/Tokyo")
            try:
                yield context
            finally:
                context.close()
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def sign_in(page, base: str, name: str = "Anna Becker") -> None:
    page.goto(f"{base}/ui/incidents")
    page.wait_for_url(re.compile(r".*/ui/login.*"))
    page.fill("input[name=token]", TOKEN)
    page.fill("input[name=name]", name)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r".*/ui/incidents$"))


def api_incident(stack: Stack, incident_id: int) -> dict:
    return requests.get(f"{stack.url}/v1/incidents/{incident_id}", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10).json()


__all__ = ["wait_until"]
