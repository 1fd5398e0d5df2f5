"""``/v1/incidents``: list, show, acknowledge, resolve and annotate incidents (token required).

Why through the receiver: acknowledging or resolving has side effects the receiver owns (stop
escalation, send the PagerDuty acknowledge/resolve), so people and the CLI go through this API.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from burnwise.receiver.ack_identity import identify, token_person
from burnwise.receiver.auth import token_matches
from burnwise.receiver.context import ReceiverContext, Unauthorized
from burnwise.receiver.direct_page import page_directly
from burnwise.receiver.models import AckRequest, PageRequest, ResolveRequest, TimelineRequest
from burnwise.receiver.outbox import report_skipped
from burnwise.receiver.records import IncidentDetail, IncidentRecord, TimelineEntry
from burnwise.receiver.store import IncidentNotFound
from fastapi import APIRouter, Body, Depends, Request


def router(ctx: ReceiverContext) -> APIRouter:
    store, policy, metrics, worker = ctx.store, ctx.policy, ctx.metrics, ctx.worker

    def require_token(request: Request) -> None:
        header = request.headers.get("authorization")
        if not token_matches(header, ctx.config.auth_token) and token_person(header, ctx.config.ack_tokens) is None:
            raise Unauthorized

    api = APIRouter(prefix="/v1/incidents", dependencies=[Depends(require_token)])

    @api.get("", response_model=list[IncidentRecord])
    def list_incidents(
        status: Literal["open", "acknowledged", "resolved"] | None = None, service: str | None = None
    ) -> list[IncidentRecord]:
        return store.list_incidents(status=status, service=service)

    @api.get("/{incident_id}", response_model=IncidentDetail)
    def get_incident(incident_id: int) -> IncidentDetail:
        detail = store.get_incident(incident_id)
        if detail is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        return detail

    @api.post("/{incident_id}/ack", response_model=IncidentRecord)
    def ack_incident(incident_id: int, body: AckRequest, request: Request) -> IncidentRecord:
        started = datetime.now(timezone.utc)
        acker = identify(ctx.directory, ctx.config.ack_tokens, request.headers.get("authorization"), body.by, body.as_guest)
        record = store.acknowledge(incident_id, acker.by, policy)
        if record.acknowledged_at is not None and record.acknowledged_at >= started:  # this call acknowledged it
            waited = (record.acknowledged_at - record.opened_at).total_seconds()
            metrics.time_to_acknowledge.labels(surface=record.surface or "none", severity=record.severity).observe(waited)
        worker.wake()
        return record

    @api.post("/{incident_id}/resolve", response_model=IncidentRecord)
    def resolve_incident(incident_id: int, body: ResolveRequest | None = Body(default=None)) -> IncidentRecord:
        body = body or ResolveRequest()
        result = store.resolve(incident_id, body.by, policy, body.text)
        metrics.incidents_resolved.inc(len(result.resolved))
        report_skipped(result.skipped, metrics)
        worker.wake()
        return store.get_incident(incident_id)

    @api.post("/{incident_id}/timeline", response_model=TimelineEntry, status_code=201)
    def add_timeline(incident_id: int, body: TimelineRequest) -> TimelineEntry:
        return store.add_timeline(incident_id, body.kind, body.text, body.by)

    add_page_route(api, ctx)
    return api


def add_page_route(api: APIRouter, ctx: ReceiverContext) -> None:
    """``POST /v1/incidents/{id}/page``: page a role, an SME or a person now (its own dedup key)."""

    @api.post("/{incident_id}/page", response_model=IncidentDetail)
    def page_incident(incident_id: int, body: PageRequest) -> IncidentDetail:
        result = page_directly(ctx.store.db, incident_id, body.to, body.by, ctx.policy, ctx.directory)
        report_skipped(result.skipped, ctx.metrics)
        ctx.worker.wake()
        return ctx.store.get_incident(incident_id)
