"""The whole chain on loopback: demo service -> Prometheus -> Alertmanager -> receiver -> pager.

Why one class for the demo and the tests: both need the same real processes wired the same way
(ports chosen at run time, config files in one directory, every process stopped by its pid), and
the tests must prove exactly what the demo shows. Each part can be started on its own (the
PostgreSQL test runs Alertmanager, the receiver and the pager without Prometheus) and
Alertmanager can be restarted in place to prove a restart duplicates nothing.

The demo service and the pager stub run as threads of this process (they are small Python HTTP
servers); Prometheus, Alertmanager and ``burnwise serve`` run as child processes.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

import burnwise
from burnwise.demo.configs import alertmanager_config, prometheus_config
from burnwise.demo.service import CheckoutService
from burnwise.demo.timelapse import Timelapse, render_timelapse_rules
from burnwise.generator.promtool import Promtool
from burnwise.support.pager_stub import PagerStub
from burnwise.support.processes import (
    ManagedProcess,
    ProcessFailed,
    Supervisor,
    find_binary,
    free_port,
)

#: The checkout of burnwise's own sources: `python -m burnwise` in child processes runs this code.
CODE_ROOT = Path(burnwise.__file__).resolve().parents[1]

@dataclass
class StackSettings:
    """Everything a run needs; the defaults are the demo's, tests shorten the intervals."""

    workdir: Path
    spec_path: Path
    roster: Path | None
    runbooks: Path | None
    prometheus_bin: str | None = None
    alertmanager_bin: str | None = None
    lapse: Timelapse = field(default_factory=Timelapse)
    scrape_interval: int = 2
    evaluation_interval: int = 2
    group_wait: int = 5  # two evaluations and a bit: see burnwise.demo.configs.alertmanager_config
    group_interval: int = 5
    muted_group_interval: int = 60
    traffic_rate: float = 20.0
    service_admin_token: str | None = None  # the demo service's control API token (runbook steps send it)
    database_url: str | None = None  # default: SQLite in workdir
    routing_key: str = "demo-routing-key"
    ready_timeout: float = 60.0


class Stack:
    """Start, inspect and stop the chain. Use as a context manager or call :meth:`stop`."""

    def __init__(self, settings: StackSettings, pager_echo: Callable[[str], None] | None = None) -> None:
        self.settings = settings
        self.workdir = settings.workdir
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.supervisor = Supervisor()
        self.token = secrets.token_hex(16)
        #: the checkout service's control API token: runbook steps send it from the environment
        self.service_token = settings.service_admin_token or secrets.token_hex(16)
        self.pager_echo = pager_echo
        self.pager: PagerStub | None = None
        self.service: CheckoutService | None = None
        self.receiver: ManagedProcess | None = None
        self.alertmanager: ManagedProcess | None = None
        self.prometheus: ManagedProcess | None = None
        self.rule_files: list[Path] = []
        self.ports = {name: free_port() for name in ("receiver", "alertmanager", "prometheus")}
        self.database_url = settings.database_url or f"sqlite:///{(self.workdir / 'burnwise.db').as_posix()}"
        self.http = requests.Session()

    # --- addresses ------------------------------------------------------------------------------
    @property
    def receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['receiver']}"

    @property
    def console_url(self) -> str:
        """The web console (sign in with :attr:`token`)."""
        return f"{self.receiver_url}/ui/incidents"

    @property
    def alertmanager_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['alertmanager']}"

    @property
    def prometheus_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['prometheus']}"

    def _log(self, name: str) -> Path:
        return self.workdir / "logs" / f"{name}.log"

    # --- starting -------------------------------------------------------------------------------
    def start(self) -> "Stack":
        """Everything, in dependency order: pager, receiver, Alertmanager, service, Prometheus."""
        self.start_pager()
        self.start_receiver()
        self.start_alertmanager()
        self.start_service()
        self.start_prometheus()
        return self

    def start_pager(self) -> PagerStub:
        self.pager = PagerStub.start(port=0, echo=self.pager_echo)
        return self.pager

    def start_service(self) -> CheckoutService:
        self.service = CheckoutService(
            port=0, rate=self.settings.traffic_rate, admin_token=self.service_token
        ).start()
        return self.service

    def receiver_env(self) -> dict[str, str]:
        """The parent's environment minus any BURNWISE_* setting, plus this run's receiver settings."""
        if self.pager is None:
            raise ProcessFailed("start the pager before the receiver: the receiver needs its URL")
        env = {k: v for k, v in os.environ.items() if not k.startswith("BURNWISE_")}
        env["PYTHONPATH"] = os.pathsep.join([str(CODE_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        env.update(
            {
                "BURNWISE_DATABASE_URL": self.database_url,
                "BURNWISE_AUTH_TOKEN": self.token,
                "BURNWISE_LISTEN": f"127.0.0.1:{self.ports['receiver']}",
                "BURNWISE_PAGERDUTY_URL": self.pager.enqueue_url,
                "BURNWISE_PAGERDUTY_ROUTING_KEY": self.settings.routing_key,
                "BURNWISE_TICKET_URL": self.pager.webhook_url("ticket"),
                "BURNWISE_PUBLIC_URL": self.receiver_url,
                # the web console's SLO page reads the demo's Prometheus and the spec it plays
                "BURNWISE_PROMETHEUS_URL": self.prometheus_url,
                "BURNWISE_SLO_SPECS": str(self.settings.spec_path.resolve().parent),
            }
        )
        if self.settings.roster is not None:
            env["BURNWISE_ROSTER"] = str(self.settings.roster.resolve())
        if self.settings.runbooks is not None:
            env["BURNWISE_RUNBOOKS"] = str(self.settings.runbooks.resolve())
        return env

    def start_receiver(self) -> ManagedProcess:
        self.receiver = ManagedProcess(
            name="receiver",
            argv=[sys.executable, "-m", "burnwise", "serve"],
            log_path=self._log("receiver"),
            ready_url=f"{self.receiver_url}/readyz",
            env=self.receiver_env(),
            cwd=self.workdir,  # so no ./receiver.yaml of the user's is picked up
        )
        return self.supervisor.start(self.receiver, self.settings.ready_timeout)

    def write_alertmanager_config(self) -> Path:
        token_file = self.workdir / "receiver-token"
        token_file.write_text(self.token + "\n", encoding="utf-8")
        token_file.chmod(0o600)
        path = self.workdir / "alertmanager.yml"
        path.write_text(
            alertmanager_config(
                spec_paths=[self.settings.spec_path],
                roster=self.settings.roster,
                receiver_url=self.receiver_url,
                credentials_file=token_file,
                group_wait=self.settings.group_wait,
                group_interval=self.settings.group_interval,
                muted_group_interval=self.settings.muted_group_interval,
            ),
            encoding="utf-8",
        )
        return path

    def start_alertmanager(self) -> ManagedProcess:
        binary = self.settings.alertmanager_bin or find_binary("alertmanager")
        if binary is None:
            raise ProcessFailed("prometheus-alertmanager not found: run `make setup` (apt-get install prometheus-alertmanager)")
        config = self.write_alertmanager_config()
        self.alertmanager = ManagedProcess(
            name="alertmanager",
            argv=[
                binary,
                f"--config.file={config}",
                f"--storage.path={self.workdir / 'alertmanager-data'}",
                f"--web.listen-address=127.0.0.1:{self.ports['alertmanager']}",
                f"--web.external-url={self.alertmanager_url}",
                "--cluster.listen-address=",
                "--log.level=warn",
            ],
            log_path=self._log("alertmanager"),
            ready_url=f"{self.alertmanager_url}/-/ready",
            cwd=self.workdir,
        )
        return self.supervisor.start(self.alertmanager, self.settings.ready_timeout)

    def restart_alertmanager(self) -> ManagedProcess:
        """Stop Alertmanager by its pid and start it again on the same port and storage."""
        if self.alertmanager is None:
            raise ProcessFailed("Alertmanager was never started")
        self.alertmanager.stop()
        self.alertmanager.start()
        self.alertmanager.wait_ready(self.settings.ready_timeout)
        return self.alertmanager

    def write_rules(self) -> list[Path]:
        """Time-lapse rules from the spec, checked with promtool before Prometheus loads them."""
        self.rule_files = render_timelapse_rules(self.settings.spec_path, self.settings.lapse, self.workdir / "rules")
        result = Promtool.find().check_rules(self.rule_files, lint=False)
        if not result.ok:
            raise ProcessFailed("promtool check rules refused the time-lapse rules:\n" + result.format())
        return self.rule_files

    def start_prometheus(self) -> ManagedProcess:
        if self.service is None:
            raise ProcessFailed("start the demo service before Prometheus: Prometheus scrapes it")
        binary = self.settings.prometheus_bin or find_binary("prometheus")
        if binary is None:
            raise ProcessFailed("prometheus not found: run `make setup` (apt-get install prometheus)")
        rules = self.write_rules()
        config = self.workdir / "prometheus.yml"
        config.write_text(
            prometheus_config(
                service_target=f"127.0.0.1:{self.service.port}",
                alertmanager_target=f"127.0.0.1:{self.ports['alertmanager']}",
                rule_files=rules,
                scrape_interval=self.settings.scrape_interval,
                evaluation_interval=self.settings.evaluation_interval,
            ),
            encoding="utf-8",
        )
        self.prometheus = ManagedProcess(
            name="prometheus",
            argv=[
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={self.workdir / 'prometheus-data'}",
                f"--web.listen-address=127.0.0.1:{self.ports['prometheus']}",
                f"--web.external-url={self.prometheus_url}",
                # resend firing alerts soon, so a restarted Alertmanager learns them again quickly
                f"--rules.alert.resend-delay={max(2, self.settings.evaluation_interval)}s",
                "--log.level=warn",
            ],
            log_path=self._log("prometheus"),
            ready_url=f"{self.prometheus_url}/-/ready",
            cwd=self.workdir,
        )
        return self.supervisor.start(self.prometheus, self.settings.ready_timeout)

    # --- stopping -------------------------------------------------------------------------------
    def stop(self) -> None:
        """Stop the child processes by pid (newest first), then the in-process servers."""
        try:
            self.supervisor.stop_all()
        finally:
            if self.service is not None:
                self.service.stop()
                self.service = None
            if self.pager is not None:
                self.pager.stop()
                self.pager = None
            self.http.close()

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *_exc) -> None:
        self.stop()

    def pids(self) -> dict[str, int]:
        return {p.name: p.pid for p in self.supervisor.processes if p.running and p.pid is not None}

    # --- reading the parts ----------------------------------------------------------------------
    def _json(self, method: str, url: str, **kwargs) -> Any:
        response = self.http.request(method, url, timeout=10, **kwargs)
        if response.status_code >= 400:
            raise ProcessFailed(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def prometheus_query(self, expr: str) -> list[dict]:
        """Instant query results (``[{metric, value: [ts, "v"]}]``); empty while nothing matches."""
        data = self._json("GET", f"{self.prometheus_url}/api/v1/query", params={"query": expr})
        return data["data"]["result"]

    def prometheus_value(self, expr: str) -> float | None:
        result = self.prometheus_query(expr)
        return float(result[0]["value"][1]) if result else None

    def prometheus_alerts(self) -> list[dict]:
        """Alerts Prometheus holds right now: ``[{labels, annotations, state, activeAt, value}]``."""
        return self._json("GET", f"{self.prometheus_url}/api/v1/alerts")["data"]["alerts"]

    def alertmanager_alerts(self) -> list[dict]:
        """Alerts Alertmanager holds, with ``status.state`` active/suppressed (inhibited, silenced)."""
        return self._json("GET", f"{self.alertmanager_url}/api/v2/alerts")

    def receiver_api(self, method: str, path: str, body: dict | None = None, **params) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        return self._json(method, f"{self.receiver_url}{path}", json=body, params=params or None, headers=headers)

    def incidents(self, **filters) -> list[dict]:
        return self.receiver_api("GET", "/v1/incidents", **filters)

    def incident(self, incident_id: int) -> dict:
        return self.receiver_api("GET", f"/v1/incidents/{incident_id}")
