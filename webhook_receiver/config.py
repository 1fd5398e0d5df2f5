"""Receiver settings: a YAML file, then environment overrides, validated into one model.

Why: the receiver must start with zero set-up (SQLite ``burnwise.db``, 127.0.0.1:9095, no roster)
yet be configurable per deployment without editing files (the ``BURNWISE_*`` variables win over
the file). A mistake is reported at start as one line naming the key and what to do, never as a
traceback.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from burnwise.errors import BurnwiseError

DEFAULT_CONFIG_FILE = "receiver.yaml"
DEFAULT_ROSTER = Path("oncall/roster.yaml")
DEFAULT_RUNBOOKS = Path("oncall/runbooks.yaml")
DEFAULT_SLO_SPECS = Path("slo_specs")

# environment variable -> config key; the environment wins over the file
ENV_OVERRIDES: dict[str, str] = {
    "BURNWISE_DATABASE_URL": "database_url",
    "BURNWISE_AUTH_TOKEN": "auth_token",
    "BURNWISE_INSECURE_NO_AUTH": "insecure_no_auth",
    "BURNWISE_LISTEN": "listen",
    "BURNWISE_PAGERDUTY_URL": "pagerduty_url",
    "BURNWISE_PAGERDUTY_ROUTING_KEY": "pagerduty_routing_key",
    "BURNWISE_TICKET_URL": "ticket_url",
    "BURNWISE_CHAT_URL": "chat_url",
    "BURNWISE_PUBLIC_URL": "public_url",
    "BURNWISE_ROSTER": "roster",
    "BURNWISE_RUNBOOKS": "runbooks",
    "BURNWISE_PROMETHEUS_URL": "prometheus_url",
    "BURNWISE_SLO_SPECS": "slo_specs",
}


class RetryPolicy(BaseModel):
    """How the outbox worker retries a page: exponential backoff with jitter, capped."""

    model_config = ConfigDict(extra="forbid")

    base_seconds: float = Field(default=2.0, gt=0)
    max_seconds: float = Field(default=300.0, gt=0)
    #: the cap for PagerDuty pages: a person waits at most this long after the pager is back
    page_max_seconds: float = Field(default=30.0, gt=0)
    #: after this many attempts a ticket/chat delivery is given up; a page of an open incident
    #: is never given up (the operator is alerted instead: ERROR log, metric, timeline)
    max_attempts: int = Field(default=30, ge=1)


class RunbookAutomation(BaseModel):
    """Automatic runbook runs (issue 20): written as ``runbooks: {catalog: ..., automation: ..., prometheus_url: ...}``.

    ``runbooks: PATH`` (the catalog alone) still works; automation then has no Prometheus and stays
    off. ``automation: false`` is the deployment's global switch, on top of the catalog's own
    ``settings.automation`` and each runbook's opt-in ``auto:``.
    """

    model_config = ConfigDict(extra="forbid")

    automation: bool = True
    prometheus_url: str | None = None  # where the runner verifies the SLI after each step
    window: str = "5m"  # the SLO's short window: which recording rules the default check reads
    settle_seconds: float | None = Field(default=None, ge=0)  # overrides every step's settle (time-lapse setups)
    lease_seconds: float = Field(default=60.0, gt=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    max_concurrent: int = Field(default=4, ge=1)

    @field_validator("prometheus_url")
    @classmethod
    def _http(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must be the Prometheus base URL, e.g. http://prometheus:9090")
        return value


class ReceiverConfig(BaseModel):
    """Everything ``burnwise serve`` needs; every field has a zero-set-up default."""

    model_config = ConfigDict(extra="forbid")

    database_url: str = "sqlite:///burnwise.db"
    listen: str = "127.0.0.1:9095"
    auth_token: str | None = None
    #: start without a token (every route open); refused at start unless set, logged as a WARNING
    insecure_no_auth: bool = False
    #: ``/docs``, ``/redoc`` and ``/openapi.json`` without the token
    public_docs: bool = False
    #: ``/metrics`` without the token (for a Prometheus that cannot send one)
    public_metrics: bool = False
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)
    #: arrays/objects nested deeper than this are refused (400) before the body is parsed
    max_json_depth: int = Field(default=32, ge=4, le=500)
    public_url: str | None = None
    pagerduty_url: str = "https://events.pagerduty.com/v2/enqueue"
    pagerduty_routing_key: str | None = None
    ticket_url: str | None = None
    chat_url: str | None = None
    roster: Path | None = None
    runbooks: Path | None = None
    runbook_automation: RunbookAutomation = Field(default_factory=RunbookAutomation)
    directory_factory: str | None = None
    #: the web console's SLO page and reports: Prometheus to read the SLO recordings from, and the specs
    prometheus_url: str | None = None
    slo_specs: Path | None = None
    delivery_timeout_seconds: float = Field(default=10.0, gt=0)
    worker_poll_seconds: float = Field(default=0.5, gt=0)
    claim_lease_seconds: float = Field(default=60.0, gt=0)
    #: deliveries in flight at once, per target: a slow or hung target never holds up another
    concurrency: dict[str, int] = Field(default_factory=lambda: {"pagerduty": 16, "ticket": 2, "chat": 2})
    #: PagerDuty routing keys for escalation roles or roster person ids (see docs/receiver.md)
    role_routing_keys: dict[str, str] = Field(default_factory=dict)
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    #: how often the roster files' content hash is checked (also at once on SIGHUP)
    roster_reload_seconds: float = Field(default=2.0, gt=0)
    #: False: this receiver does not page (pages are recorded as skipped); True (default) refuses to
    #: start without any route for a page (see ``refuse_paging_without_route``)
    paging: bool = True
    #: who may acknowledge with an API token: ``{token: roster person id}`` (see docs/receiver.md)
    ack_tokens: dict[str, str] = Field(default_factory=dict)
    log_level: str = "info"

    @model_validator(mode="before")
    @classmethod
    def _runbooks_mapping(cls, data: Any) -> Any:
        """``runbooks: {catalog: PATH, automation: ..., prometheus_url: ...}`` -> the catalog path and the automation settings."""
        if isinstance(data, dict) and isinstance(data.get("runbooks"), dict):
            data = dict(data)
            settings = dict(data.pop("runbooks"))
            data["runbooks"] = settings.pop("catalog", None)
            data["runbook_automation"] = settings
        return data

    @field_validator("listen")
    @classmethod
    def _listen_is_host_port(cls, value: str) -> str:
        host, sep, port = value.rpartition(":")
        if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
            raise ValueError("must be host:port, e.g. 127.0.0.1:9095")
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url_known(cls, value: str) -> str:
        if not value.startswith(("sqlite:", "postgresql")):
            raise ValueError("must be an SQLAlchemy URL: sqlite:///path.db or postgresql+psycopg://user@host/db")
        if value.startswith(("postgresql://", "postgres://")):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]  # the driver we ship
        return value

    @property
    def host(self) -> str:
        return self.listen.rpartition(":")[0]

    @property
    def port(self) -> int:
        return int(self.listen.rpartition(":")[2])

    @property
    def base_url(self) -> str:
        """Where people reach this receiver (incident links); ``public_url`` or the listen address."""
        return (self.public_url or f"http://{self.listen}").rstrip("/")


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> ReceiverConfig:
    """Read ``path`` (or ./receiver.yaml when present), apply ``BURNWISE_*`` overrides, validate."""
    environ = os.environ if environ is None else environ
    source = "defaults"
    data: dict[str, Any] = {}
    if path is None and Path(DEFAULT_CONFIG_FILE).is_file():
        path = Path(DEFAULT_CONFIG_FILE)
    if path is not None:
        source = str(path)
        if not path.is_file():
            raise BurnwiseError(f"{path}: config file not found; pass an existing file to --config or omit it for defaults")
        try:
            loaded = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise BurnwiseError(f"{path}: not valid YAML ({exc}); fix the syntax") from None
        if loaded is not None and not isinstance(loaded, dict):
            raise BurnwiseError(f"{path}: the top level must be a mapping of keys (database_url, listen, ...)")
        data = dict(loaded or {})
    for env_name, key in sorted(ENV_OVERRIDES.items()):
        value = environ.get(env_name)
        if value:
            data[key] = value
    try:
        config = ReceiverConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(top level)"
        key = key.replace("runbook_automation", "runbooks", 1)  # written as runbooks: {...}
        env_hint = next((f" (or environment {e})" for e, k in ENV_OVERRIDES.items() if k == key), "")
        message = "unknown key; see docs/receiver.md for the keys" if first["type"] == "extra_forbidden" else first["msg"]
        raise BurnwiseError(f"{source}: key '{key}'{env_hint}: {message}") from None
    for key in ("roster", "runbooks"):
        value: Path | None = getattr(config, key)
        if value is None:
            continue
        if path is not None and not value.is_absolute() and key in data and not environ.get(f"BURNWISE_{key.upper()}"):
            value = path.parent / value  # relative to the config file that names it
            setattr(config, key, value)
        if not value.is_file():
            raise BurnwiseError(f"{source}: key '{key}': file {value} not found; fix the path or remove the key")
    if config.slo_specs is not None:
        if path is not None and not config.slo_specs.is_absolute() and "slo_specs" in data and not environ.get("BURNWISE_SLO_SPECS"):
            config.slo_specs = path.parent / config.slo_specs
        if not config.slo_specs.is_dir():
            raise BurnwiseError(f"{source}: key 'slo_specs': folder {config.slo_specs} not found; fix the path or remove the key")
    elif DEFAULT_SLO_SPECS.is_dir():
        config.slo_specs = DEFAULT_SLO_SPECS
    if config.roster is None and DEFAULT_ROSTER.is_file():
        config.roster = DEFAULT_ROSTER
    if config.runbooks is None and DEFAULT_RUNBOOKS.is_file():
        config.runbooks = DEFAULT_RUNBOOKS
    return config
