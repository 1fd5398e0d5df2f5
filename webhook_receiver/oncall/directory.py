"""The small interface the receiver uses to enrich a page: surface, responders, runbooks.

The receiver depends only on this module's types (:class:`Directory`, :class:`Responders`,
:class:`Contact`, :class:`RunbookLink`), never on the roster's file format, so the roster can grow
without touching ingest. ``Directory.empty()`` is the zero-set-up case: no roster configured, every
page goes to the default routing key with no named people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

DEFAULT_ACK_TIMEOUTS: dict[str, timedelta] = {
    "sev1": timedelta(minutes=5),
    "sev2": timedelta(minutes=10),
}


@dataclass(frozen=True)
class Contact:
    """One person as a responder needs them: how to reach them and what time it is for them."""

    id: str
    name: str
    email: str | None = None
    pager_id: str | None = None
    timezone: str = "UTC"

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "pager_id": self.pager_id,
            "timezone": self.timezone,
        }


@dataclass(frozen=True)
class Responders:
    """Who answers for a surface at one instant, and how long each may take to acknowledge."""

    surface: str
    primary: Contact | None
    backup: Contact | None
    lead: Contact | None
    smes: Mapping[str, tuple[Contact, ...]] = field(default_factory=dict)
    ack_timeouts: Mapping[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_ACK_TIMEOUTS))
    routing_key: str | None = None

    def escalation_chain(self) -> list[tuple[str, Contact]]:
        """Primary, then backup, then lead: the order an unacknowledged page walks."""
        chain = [("primary", self.primary), ("backup", self.backup), ("lead", self.lead)]
        return [(role, person) for role, person in chain if person is not None]

    def to_json(self) -> dict:
        return {
            "surface": self.surface,
            "primary": self.primary.to_json() if self.primary else None,
            "backup": self.backup.to_json() if self.backup else None,
            "lead": self.lead.to_json() if self.lead else None,
            "smes": {role: [c.to_json() for c in people] for role, people in sorted(self.smes.items())},
            "ack_timeouts_seconds": {
                sev: int(t.total_seconds()) for sev, t in sorted(self.ack_timeouts.items())
            },
        }


@dataclass(frozen=True)
class RunbookLink:
    id: str
    title: str
    url: str

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url}


class Directory:
    """Surface lookup, on-call resolution and runbook matching over a loaded roster and catalog."""

    def __init__(self, roster=None, runbooks=None) -> None:
        self._roster = roster
        self._runbooks = runbooks

    @classmethod
    def empty(cls) -> "Directory":
        return cls()

    @classmethod
    def load(cls, roster_path: Path | None, runbooks_path: Path | None) -> "Directory":
        """Load and validate the YAML files; raises burnwise.errors.UserError naming file and field."""
        raise NotImplementedError("roster loading is being written (issue 5)")

    def surface_for(self, labels: Mapping[str, str]) -> str | None:
        """The surface whose services/matchers cover these alert labels (``owner`` first, then ``service``)."""
        return None

    def responders(self, surface: str, at: datetime) -> Responders | None:
        """Primary, backup, lead, SMEs, ack timeouts and routing key for ``surface`` at ``at``."""
        return None

    def runbooks_for(self, labels: Mapping[str, str]) -> list[RunbookLink]:
        """Runbooks whose alert/service/SLO matchers cover these labels, most specific first."""
        return []
