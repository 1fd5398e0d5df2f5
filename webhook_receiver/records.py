"""What the store hands out: read models for incidents, their alerts, timeline and pages.

Why separate from the tables: reports (handoff notes, postmortems, on-call load) and the HTTP API
read these models, so the columns can evolve behind them without breaking readers.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, computed_field

from burnwise.roster.incident_types import incident_type


class TimelineEntry(BaseModel):
    id: int
    at: datetime
    kind: str
    actor: str
    text: str
    data: dict | None = None


class AlertRecord(BaseModel):
    fingerprint: str
    alertname: str | None
    status: str
    severity: str
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None
    generator_url: str
    first_seen_at: datetime
    last_seen_at: datetime


class PageRecord(BaseModel):
    """One outbox row: a page or notification, who it was for, and what happened to it."""

    id: int
    incident_id: int
    target: str
    action: str
    recipient_role: str | None
    recipient: dict | None
    body: dict
    status: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_status_code: int | None
    last_error: str | None


class IncidentRecord(BaseModel):
    id: int
    status: str
    severity: str
    route: str
    title: str
    receiver: str
    group_key: str
    surface: str | None
    service: str | None
    slo: str | None
    owner: str | None
    labels: dict[str, str]
    responders: dict | None
    links: list[dict]
    dedup_key: str
    opened_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None
    resolved_by: str | None
    escalation_step: int
    escalation_chain: list[dict]
    escalation_due_at: datetime | None


class IncidentDetail(IncidentRecord):
    alerts: list[AlertRecord]
    timeline: list[TimelineEntry]
    pages: list[PageRecord]

    @computed_field
    @property
    def incident_type(self) -> str:
        """The latest triage entry's type, else the ``incident_type`` label, else ``other``."""
        return incident_type(self.labels, self.timeline)
