"""Typed values the store modules hand each other: chain steps, page documents, claimed outbox rows.

Why not dicts: the lifecycle decisions, the paging policy and the outbox worker used to pass rows
and JSON documents around as dicts, so a misspelt key was a runtime KeyError in a page path. These
frozen dataclasses name every field once; ``to_json`` gives the stored/sent JSON shape, which is
unchanged (the database columns and the pager bodies stay the same).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from burnwise.receiver.models import Notification


@dataclass(frozen=True)
class ChainStep:
    """One step of an escalation chain: the role paged and the roster contact for it."""

    role: str
    contact: dict

    @property
    def name(self) -> str:
        return self.contact.get("name", "?")

    def to_json(self) -> dict:
        return {"role": self.role, "contact": self.contact}

    @classmethod
    def from_json(cls, data: Mapping) -> "ChainStep":
        return cls(role=data["role"], contact=dict(data["contact"]))


def chain_of(data: list | None) -> tuple[ChainStep, ...]:
    return tuple(ChainStep.from_json(step) for step in data or [])


@dataclass(frozen=True)
class ActiveIncident:
    """What a notification of a group needs to know about the group's unresolved incident."""

    id: int
    status: str
    severity: str
    route: str
    labels: dict
    escalation_step: int

    @classmethod
    def from_row(cls, row: Mapping) -> "ActiveIncident":
        return cls(row["id"], row["status"], row["severity"], row["route"], dict(row["labels"]), row["escalation_step"])


@dataclass(frozen=True)
class EscalationState:
    """The columns that decide an escalation step."""

    id: int
    status: str
    escalation_step: int
    escalation_chain: tuple[ChainStep, ...]
    escalation_due_at: datetime | None
    ack_timeout_seconds: int | None

    @classmethod
    def from_row(cls, row: Mapping) -> "EscalationState":
        return cls(
            row["id"],
            row["status"],
            row["escalation_step"],
            chain_of(row["escalation_chain"]),
            row["escalation_due_at"],
            row["ack_timeout_seconds"],
        )


@dataclass(frozen=True)
class PageDocument:
    """The incident as page bodies need it (JSON-ready values), built from rows, never re-read."""

    id: int
    title: str
    status: str
    severity: str
    route: str
    surface: str | None
    labels: dict
    links: list
    responders: dict | None
    dedup_key: str
    routing_key: str | None
    opened_at: str | None
    escalation_chain: tuple[ChainStep, ...]
    alerts: list
    runbooks: list = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The dict the pager body builders take (the shape page bodies always had)."""
        return {
            "id": self.id,
            "title": self.title,
            "status": self.status,
            "severity": self.severity,
            "route": self.route,
            "surface": self.surface,
            "labels": self.labels,
            "links": self.links,
            "responders": self.responders,
            "dedup_key": self.dedup_key,
            "routing_key": self.routing_key,
            "opened_at": self.opened_at,
            "escalation_chain": [step.to_json() for step in self.escalation_chain],
            "alerts": self.alerts,
            "runbooks": self.runbooks,
        }


@dataclass(frozen=True)
class ClaimedPage:
    """An outbox row leased to this process for one delivery attempt."""

    id: int
    idem_key: str
    incident_id: int
    target: str
    action: str
    body: dict
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    claimed_until: datetime | None
    recipient_role: str | None = None

    @classmethod
    def from_row(cls, row: Mapping) -> "ClaimedPage":
        return cls(
            id=row["id"],
            idem_key=row["idem_key"],
            incident_id=row["incident_id"],
            target=row["target"],
            action=row["action"],
            body=row["body"],
            attempts=row["attempts"],
            created_at=row["created_at"],
            next_attempt_at=row["next_attempt_at"],
            claimed_until=row["claimed_until"],
            recipient_role=row["recipient_role"],
        )


@dataclass
class IngestResult:
    """What one notification (or command) did; ``pages`` counts the new pending pages."""

    duplicate: bool
    incident_ids: list[int] = field(default_factory=list)
    opened: list[int] = field(default_factory=list)
    resolved: list[int] = field(default_factory=list)
    pages: int = 0
    skipped: list[tuple[int, str, str, str]] = field(default_factory=list)  # (incident, target, reason code, reason)


@dataclass(frozen=True)
class IngestRequest:
    """One notification waiting to be recorded: the unit ``Store.ingest_batch`` takes."""

    notification: "Notification"
    force_ticket: bool = False
