"""Helpers for the receiver tests: payload builders and a real `burnwise serve` subprocess.

The receiver always runs as its own process on a free loopback port, with its config file and
database in the test's temporary directory; it is stopped by its pid in a ``finally``.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests
import yaml

from burnwise.support.processes import free_port, wait_until  # noqa: F401 (re-exported to tests)

REPO_ROOT = Path(__file__).resolve().parents[2]
TOKEN = "s3cret-token"


def alert(
    name: str = "ErrorBudgetBurn",
    status: str = "firing",
    fingerprint: str | None = None,
    severity: str = "sev1",
    starts_at: datetime | None = None,
    service: str = "checkout",
    **labels: str,
) -> dict:
    starts_at = starts_at or datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)
    all_labels = {"alertname": name, "service": service, "slo": "availability", "severity": severity, **labels}
    return {
        "status": status,
        "labels": all_labels,
        "annotations": {"summary": f"{name} on {service}"},
        "startsAt": starts_at.isoformat().replace("+00:00", "Z"),
        "endsAt": (starts_at + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
        if status == "resolved"
        else "0001-01-01T00:00:00Z",
        "generatorURL": f"http://prometheus.test:9090/graph?g0.expr={name}",
        "fingerprint": fingerprint or f"fp-{name}-{service}",
    }


def notification(group: str, alerts: list[dict], receiver: str = "burnwise") -> dict:
    status = "firing" if any(a["status"] == "firing" for a in alerts) else "resolved"
    common = {k: v for k, v in alerts[0]["labels"].items() if all(a["labels"].get(k) == v for a in alerts)}
    return {
        "version": "4",
        "groupKey": f'{{}}:{{group="{group}"}}',
        "truncatedAlerts": 0,
        "status": status,
        "receiver": receiver,
        "groupLabels": {"group": group},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.test:9093",
        "alerts": alerts,
    }


def _has_route(settings: dict, env: dict) -> bool:
    keys = ("pagerduty_routing_key", "role_routing_keys", "roster", "directory_factory", "paging")
    return any(settings.get(k) is not None for k in keys) or "BURNWISE_PAGERDUTY_ROUTING_KEY" in env or "BURNWISE_ROSTER" in env


class ReceiverProcess:
    """`python -m burnwise serve --config <tmp>/receiver.yaml` on a free port."""

    def __init__(self, workdir: Path, settings: dict, env: dict | None = None, pythonpath: list[Path] | None = None):
        self.workdir = workdir
        self.port = free_port()
        self.settings = {"listen": f"127.0.0.1:{self.port}", **settings}
        if not self.settings.get("auth_token"):
            # `burnwise serve` refuses to start without a token unless told so explicitly
            self.settings.setdefault("insecure_no_auth", True)
        if not _has_route(self.settings, env or {}):
            self.settings["paging"] = False  # a receiver with no route at all refuses to start otherwise
        self.extra_env = env or {}
        self.pythonpath = pythonpath or []
        self.proc: subprocess.Popen | None = None
        self.log_path = workdir / f"receiver-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait: bool = True) -> "ReceiverProcess":
        self.workdir.mkdir(parents=True, exist_ok=True)
        config_path = self.workdir / f"receiver-{self.port}.yaml"
        config_path.write_text(yaml.safe_dump(self.settings, sort_keys=True))
        env = {k: v for k, v in os.environ.items() if not k.startswith("BURNWISE_")}
        env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT), *map(str, self.pythonpath)])
        env.update(self.extra_env)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "burnwise", "serve", "--config", str(config_path)],
            cwd=self.workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        if wait and not wait_until(self._healthy, timeout=60):
            self.stop()
            raise AssertionError(f"receiver did not come up; log:\n{self.log()}")
        return self

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"receiver exited with {self.proc.returncode}; log:\n{self.log()}")
        try:
            return requests.get(self.url + "/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def headers(self) -> dict:
        token = self.settings.get("auth_token")
        return {"Authorization": f"Bearer {token}"} if token else {}

    def post(self, payload: dict, path: str = "/v1/alertmanager") -> requests.Response:
        return requests.post(self.url + path, json=payload, headers=self.headers(), timeout=15)

    def get(self, path: str) -> requests.Response:
        return requests.get(self.url + path, headers=self.headers(), timeout=15)

    def incident(self, incident_id: int) -> dict:
        response = self.get(f"/v1/incidents/{incident_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def metric(self, name: str) -> float:
        """The value of one sample line of /metrics (name including labels), 0 when absent."""
        for line in self.get("/metrics").text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[-1])
        return 0.0

    def kill(self) -> None:
        """SIGKILL: the crash case (no shutdown hooks run)."""
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)


def dump(obj) -> str:
    return json.dumps(obj, indent=2, sort_keys=True)


def triggers(stub) -> list[dict]:
    """The trigger events a pager stub received (acknowledge and resolve left out)."""
    return [e for e in stub.events if e["event_action"] == "trigger"]
