"""Pydantic models of the runbook catalog (``oncall/runbooks.yaml``): runbooks, steps and their actions.

Why its own module: a runbook step is no longer only text for a human. It may carry an action the
runner executes (an HTTP call, an argv command, or a manual instruction to confirm), an undo, a
class (diagnostic or remediation), a settle time and a PromQL check. All of that is reviewed in
git, so the model refuses anything the runner could misread: unknown keys, a command in a
runbook that does not enable commands, a secret-looking header given as a literal instead of
``${ENV_VAR}``. The roster models stay in :mod:`burnwise.roster.model`, which re-exports these.
"""

from __future__ import annotations

import re
from datetime import date as Date
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from burnwise.roster.durations import parse_duration
from burnwise.roster.incident_types import IncidentType
from burnwise.roster.matchers import parse_matcher

ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
#: ``${NAME}``: the only way a value reaches a header from outside the catalog (environment variables).
ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
#: Header names whose value is a credential: they must come from the environment.
SECRET_HEADERS = re.compile(r"^(authorization|proxy-authorization|cookie|x-api-key|.*token.*|.*secret.*)$", re.I)
SEVERITIES = ("sev1", "sev2", "sev3")


def _check_matcher(text: str) -> str:
    parse_matcher(text)
    return text


def _check_duration(text: str) -> str:
    parse_duration(text)
    return text


MatcherText = Annotated[str, AfterValidator(_check_matcher)]
DurationText = Annotated[str, AfterValidator(_check_duration)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo in a step must never silently turn into a different step."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class HttpAction(_Strict):
    """One HTTP request. ``${VAR}`` in the URL or a header reads the environment; header values are secrets."""

    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: str = Field(min_length=1)
    headers: dict[str, str] = {}
    body: dict | list | str | None = None
    timeout: DurationText = "10s"

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not re.match(r"^(https?://|\$\{[A-Za-z_][A-Za-z0-9_]*\})", value):
            raise ValueError(f"{value!r} is not an http(s) URL (it may start with ${{ENV_VAR}})")
        return value

    @field_validator("headers")
    @classmethod
    def _secrets_from_env(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if SECRET_HEADERS.match(name) and not ENV_REFERENCE.search(value):
                raise ValueError(
                    f"header {name!r} carries a credential: write it as ${{ENV_VAR}} (e.g. 'Bearer ${{FLAGS_TOKEN}}'), "
                    "secrets are never committed"
                )
        return headers

    def env_names(self) -> list[str]:
        found = ENV_REFERENCE.findall(self.url)
        for value in self.headers.values():
            found += ENV_REFERENCE.findall(value)
        return sorted(set(found))


class CommandAction(_Strict):
    """A program run with an argv list: no shell, so no quoting, globbing or pipes to misread."""

    argv: list[str] = Field(min_length=1)
    timeout: DurationText = "60s"


class ManualAction(_Strict):
    """Something only a person can do; the runner asks the on-call and waits for their confirmation."""

    instructions: str = Field(min_length=1)


class Action(_Strict):
    """Exactly one of ``http``, ``command`` or ``manual``."""

    http: HttpAction | None = None
    command: CommandAction | None = None
    manual: ManualAction | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> "Action":
        given = [k for k in ("http", "command", "manual") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of http, command or manual (got {', '.join(given) or 'none'})")
        return self

    @property
    def kind(self) -> str:
        return "http" if self.http else "command" if self.command else "manual"


class Step(_Strict):
    """One safe, reversible mitigation, how to undo it, and how to see the SLI recovered.

    ``action``/``revert``/``verify`` are the words for a person; ``run``/``undo``/``check`` are what
    the runner does. A step without ``run`` is a manual step whose instructions are ``action``.
    """

    action: str
    revert: str
    verify: str
    name: str | None = Field(default=None, min_length=1, max_length=80, description="Short label for timelines.")
    step_class: Literal["diagnostic", "remediation"] = Field(default="remediation", alias="class")
    run: Action | None = None
    undo: Action | None = None
    settle: DurationText = "2m"
    check: str | None = Field(default=None, min_length=1)

    @property
    def label(self) -> str:
        """``name``, or the action's first line cut to 80 characters."""
        if self.name:
            return self.name
        text = " ".join(self.action.split())
        return text if len(text) <= 80 else text[:79] + "…"

    @property
    def executable(self) -> Action:
        return self.run or Action(manual=ManualAction(instructions=self.action))

    @property
    def settle_seconds(self) -> float:
        return parse_duration(self.settle).total_seconds()


class RunbookMatch(_Strict):
    """Which alerts a runbook is for; every given list must match, an empty one matches anything."""

    alerts: list[str] = []
    services: list[str] = []
    slos: list[str] = []
    matchers: list[MatcherText] = []
    #: incident types (burnwise.roster.incident_types): from the alert's ``incident_type`` label or triage
    types: list[IncidentType] = []

    def is_empty(self) -> bool:
        return not (self.alerts or self.services or self.slos or self.matchers or self.types)


class AutoRun(_Strict):
    """Opt-in automatic runs from the receiver: for which severities, and when they start."""

    severities: list[Literal["sev1", "sev2", "sev3"]] = Field(min_length=1)
    after: Literal["open", "acknowledge"] = "open"


class Runbook(_Strict):
    id: Identifier
    title: str
    url: str
    owner: str
    last_reviewed: Date
    match: RunbookMatch
    steps: list[Step] = Field(min_length=1)
    commands: bool = Field(default=False, description="Allow `command` actions in this runbook's steps.")
    auto: AutoRun | None = None

    @model_validator(mode="after")
    def _claims_something(self) -> "Runbook":
        if self.match.is_empty():
            raise ValueError("match is empty: list the alerts, services, slos or matchers this runbook is for")
        return self

    @model_validator(mode="after")
    def _commands_enabled(self) -> "Runbook":
        if self.commands:
            return self
        for number, step in enumerate(self.steps, start=1):
            for name, action in (("run", step.run), ("undo", step.undo)):
                if action is not None and action.command is not None:
                    raise ValueError(
                        f"step {number} {name} is a command but runbook {self.id!r} does not enable commands: "
                        "add `commands: true` to the runbook after review"
                    )
        return self


class CatalogSettings(_Strict):
    """Catalog-wide switches. ``automation: false`` stops every automatic run, whatever runbooks say."""

    automation: bool = True


class RunbookCatalog(_Strict):
    settings: CatalogSettings = CatalogSettings()
    runbooks: list[Runbook]

    @field_validator("runbooks")
    @classmethod
    def _unique_ids(cls, runbooks: list[Runbook]) -> list[Runbook]:
        seen: set[str] = set()
        for runbook in runbooks:
            if runbook.id in seen:
                raise ValueError(f"duplicate runbook id {runbook.id!r}: each must be unique")
            seen.add(runbook.id)
        return runbooks

    def get(self, runbook_id: str) -> Runbook | None:
        return next((r for r in self.runbooks if r.id == runbook_id), None)
