"""The Alertmanager webhook payload (version 4) and the bodies of the incident API, as models.

Why: every byte that reaches the store has passed one of these models, so a bad body is refused
with the exact field at fault (400) instead of half-written. Extra fields are allowed on the
Alertmanager side (newer releases add some) but never required. Text is made storable (lone
surrogates and NUL become U+FFFD on both databases) and times are kept to a range Python and the
databases can hold, so no payload that passes here fails in the store.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from burnwise.textsafe import storable, storable_tree

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


#: times outside these years are refused (400): Python cannot convert them to UTC near the ends of
#: its range, and no alert starts before Unix time or after year 9000
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000
MAX_INT = 2**31 - 1  # the smallest integer column range (PostgreSQL integer)


def sane_time(value: datetime) -> datetime:
    """``value`` unchanged (the stored payload keeps its offset) when it lies in the sane range."""
    try:
        year = value.astimezone(timezone.utc).year
    except OverflowError:
        year = value.year
    if not EARLIEST_YEAR <= year <= LATEST_YEAR:
        raise ValueError(f"time must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


def end_time(value: datetime | None) -> datetime | None:
    """``endsAt``: Alertmanager's zero time (year 1, any offset) means not ended; else a sane time."""
    if value is None or value.year <= 1:
        return value
    return sane_time(value)


SaneTime = Annotated[AwareDatetime, AfterValidator(sane_time)]
EndTime = Annotated[AwareDatetime | None, AfterValidator(end_time)]
Text = Annotated[str, AfterValidator(storable)]


def most_severe(severities: list[str]) -> str:
    return min(severities, key=SEVERITY_ORDER.index) if severities else DEFAULT_SEVERITY


class Alert(BaseModel):
    """One alert inside a notification."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = Field(default_factory=dict)
    starts_at: SaneTime = Field(alias="startsAt")
    ends_at: EndTime = Field(default=None, alias="endsAt")
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
    truncated_alerts: int = Field(default=0, alias="truncatedAlerts", ge=0, le=MAX_INT)
    status: Literal["firing", "resolved"]
    receiver: str = Field(min_length=1)
    group_labels: dict[str, str] = Field(default_factory=dict, alias="groupLabels")
    common_labels: dict[str, str] = Field(default_factory=dict, alias="commonLabels")
    common_annotations: dict[str, str] = Field(default_factory=dict, alias="commonAnnotations")
    external_url: str = Field(default="", alias="externalURL")
    alerts: list[Alert] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _storable_text(cls, data: Any) -> Any:
        """Lone surrogates and NUL bytes become U+FFFD everywhere, so both databases store the payload."""
        return storable_tree(data)

    @property
    def group_id(self) -> str:
        """A fixed-length key for one Alertmanager group (receiver + groupKey) to index on."""
        return hashlib.sha256(f"{self.receiver}\x00{self.group_key}".encode()).hexdigest()[:40]


TimelineKind = Literal["triage", "mitigation", "note", "deploy", "runbook"]


class AckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    #: a roster person (id or name); may be left out when the request's token is a person's own
    by: Text | None = Field(default=None, min_length=1, max_length=200)
    #: acknowledge as somebody outside the roster (recorded as ``guest:<by>``)
    as_guest: bool = False


class PageRequest(BaseModel):
    """``POST /v1/incidents/{id}/page``: page a role (primary/backup/lead), an SME role or a person."""

    model_config = ConfigDict(extra="forbid")
    to: Text = Field(min_length=1, max_length=200)
    by: Text = Field(default="api", min_length=1, max_length=200)


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: Text = Field(default="api", min_length=1, max_length=200)
    text: Text | None = Field(default=None, max_length=10_000)


class TimelineRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: TimelineKind
    text: Text = Field(min_length=1, max_length=10_000)
    by: Text = Field(default="api", min_length=1, max_length=200)
    at: SaneTime | None = None  # when it happened (checked by burnwise.receiver.timeline_entries)
    data: Annotated[dict, AfterValidator(storable_tree)] | None = None  # structured facts, e.g. a runbook step's action, result and SLI
