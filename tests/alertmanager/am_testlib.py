"""Helpers for the Alertmanager-config tests: spec and roster builders, amtool, a live Alertmanager,
and a webhook sink that records what Alertmanager delivers.

Why a sink of our own rather than the real receiver: these tests are about what Alertmanager sends
where (path, token, which alerts); the receiver's handling of it is tested with the receiver.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import yaml

from tests.conftest import free_port

REPO = Path(__file__).resolve().parents[2]
EVENTS_SLI = {
    "events": {
        "error_query": 'sum(rate(http_requests_total{job="web",code=~"5.."}[{{.window}}]))',
        "total_query": 'sum(rate(http_requests_total{job="web"}[{{.window}}]))',
    }
}


def spec_doc(service: str = "web", owner: str | None = None, slos: list[dict] | None = None) -> dict:
    doc = {"version": "burnwise/v1", "service": service, "slos": slos or [slo_doc()]}
    if owner:
        doc["owner"] = owner
    return doc


def slo_doc(name: str = "availability", tiers: dict | None = None) -> dict:
    doc = {"name": name, "objective": 99.9, "sli": EVENTS_SLI}
    if tiers:
        doc["alerting"] = {"tiers": tiers}
    return doc


def write_yaml(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def roster_doc(surfaces: list[dict]) -> dict:
    """A minimal valid roster: one person on every surface's rotation."""
    people = [{"id": "alex", "name": "Alex", "timezone": "Europe/Berlin"}]
    return {
        "people": people,
        "surfaces": [{"rotation": {"members": ["alex"]}, **surface} for surface in surfaces],
    }


def routes_test(amtool: str, config: Path, labels: dict[str, str]) -> str:
    """The receiver(s) ``amtool config routes test`` resolves a label set to."""
    quoted = (k + '="' + v.replace("\\", "\\\\").replace('"', '\\"') + '"' for k, v in labels.items())
    args = [amtool, "config", "routes", "test", f"--config.file={config}", *quoted]
    done = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout.strip()


def check_config(amtool: str, config: Path) -> subprocess.CompletedProcess:
    return subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, timeout=30)


@dataclass
class Delivery:
    path: str
    authorization: str | None
    body: dict


@dataclass
class WebhookSink:
    """A loopback HTTP server that answers 200 and keeps every request it got."""

    port: int
    deliveries: list[Delivery] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def snapshot(self) -> list[Delivery]:
        with self.lock:
            return list(self.deliveries)

    def wait_for(self, predicate, timeout: float = 30.0) -> list[Delivery]:
        """Deliveries once ``predicate(deliveries)`` holds; fails with what arrived on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.snapshot()
            if predicate(got):
                return got
            time.sleep(0.1)
        raise AssertionError(f"timed out; deliveries so far: {[(d.path, alert_severities(d)) for d in self.snapshot()]}")


def alert_severities(delivery: Delivery) -> list[tuple[str, str, str]]:
    return sorted(
        (a["labels"].get("slo", ""), a["labels"].get("severity", ""), a["status"]) for a in delivery.body.get("alerts", [])
    )


@contextmanager
def webhook_sink():
    sink = WebhookSink(port=0)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            length = int(self.headers.get("content-length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            with sink.lock:
                sink.deliveries.append(Delivery(self.path, self.headers.get("authorization"), body))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class LiveAlertmanager:
    url: str
    process: subprocess.Popen
    log: Path

    def post_alerts(self, alerts: list[dict]) -> None:
        request = urllib.request.Request(
            f"{self.url}/api/v2/alerts",
            data=json.dumps(alerts).encode(),
            headers={"content-type": "application/json"},
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            assert response.status == 200

    def alerts(self) -> list[dict]:
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=10) as response:
            return json.loads(response.read())


@contextmanager
def running_alertmanager(binary: str, config: Path, workdir: Path):
    """A real Alertmanager on a free loopback port, no clustering; stopped by its pid afterwards."""
    port = free_port()
    storage = workdir / "am-data"
    storage.mkdir(parents=True, exist_ok=True)
    log = workdir / "alertmanager.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.path={storage}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    live = LiveAlertmanager(f"http://127.0.0.1:{port}", process, log)
    try:
        _wait_ready(live)
        yield live
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_ready(live: LiveAlertmanager, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if live.process.poll() is not None:
            raise AssertionError(f"alertmanager exited with {live.process.returncode}:\n{live.log.read_text()}")
        try:
            with urllib.request.urlopen(f"{live.url}/-/ready", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"alertmanager not ready after {timeout}s:\n{live.log.read_text()}")
