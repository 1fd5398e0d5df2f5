"""The Alertmanager webhook payload (version 4) and the bodies of the incident API, as models.

Why: every byte that reaches the store has passed one of these models, so a bad body is refused
with the exact field at fault (400) instead of half-written. Extra fields are allowed on the
Alertmanager side (newer releases add some) but never required.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

SEVERITY_ALIASES: dict[str, str] = {
    "sev1": "sev1",
    "critical": "sev1",
    "page": "sev1",
    "sev2": "sev2",
    "error": "sev2",
    "warning": "sev2",
    "sev3": "sev3",
    "info": "sev3",
    "ticket": "sev3",
}
SEVERITY_ORDER = ("sev1", "sev2", "sev3")
DEFAULT_SEVERITY = "sev2"  # an alert without a known severity still pages: losing it is worse


def normalize_severity(value: str | None) -> str:
    """sev1/sev2/sev3 from a ``severity`` label, also mapping critical/warning/info."""
    return SEVERITY_ALIASES.get((value or "").strip().lower(), DEFAULT_SEVERITY)


def most_severe(severities: list[str]) -> str:
    return min(severities, key=SEVERITY_ORDER.index) if severities else DEFAULT_SEVERITY


class Alert(BaseModel):
    """One alert inside a notification."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: AwareDatetime = Field(alias="startsAt")
    ends_at: AwareDatetime | None = Field(default=None, alias="endsAt")
    generator_url: str = Field(default="", alias="generatorURL")
    fingerprint: str = ""

    @field_validator("fingerprint")
    @classmethod
    def _fingerprint_short(cls, value: str) -> str:
        if len(value) > 128:
            raise ValueError("fingerprint is longer than 128 characters")
        return value

    @property
    def key(self) -> str:
        """Alertmanager's fingerprint, or a stable hash of the labels when it sent none."""
        if self.fingerprint:
            return self.fingerprint
        canonical = "\x00".join(f"{k}={v}" for k, v in sorted(self.labels.items()))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    @property
    def severity(self) -> str:
        return normalize_severity(self.labels.get("severity"))

    @property
    def ends_at_or_none(self) -> datetime | None:
        """``endsAt`` with Alertmanager's zero time (year 1) read as 'not ended'."""
        if self.ends_at is None or self.ends_at.year <= 1:
            return None
        return self.ends_at.astimezone(timezone.utc)


class Notification(BaseModel):
    """An Alertmanager webhook notification, version 4."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    version: Literal["4"]
    group_key: str = Field(alias="groupKey", min_length=1)
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts", ge=0)
    status: Literal["firing", "resolved"]
    receiver: str = Field(min_length=1)
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL")
    alerts: list[Alert] = Field(min_length=1)

    @property
    def group_id(self) -> str:
        """A fixed-length key for one Alertmanager group (receiver + groupKey) to index on."""
        return hashlib.sha256(f"{self.receiver}\x00{self.group_key}".encode()).hexdigest()[:40]


TimelineKind = Literal["triage", "mitigation", "note", "deploy", "runbook"]


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(min_length=1, max_length=200)


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: str = Field(default="api", min_length=1, max_length=200)
    text: str | None = Field(default=None, max_length=10_000)


class TimelineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: TimelineKind
    text: str = Field(min_length=1, max_length=10_000)
    by: str = Field(default="api", min_length=1, max_length=200)
    at: datetime | None = None  # when it happened (checked by burnwise.receiver.timeline_entries)
    data: dict | None = None  # structured facts, e.g. a runbook step's action, result and SLI
