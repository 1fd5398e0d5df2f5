"""``/v1/incidents``: list, show, acknowledge, resolve and annotate incidents (token required).

Why through the receiver: acknowledging or resolving has side effects the receiver owns (stop
escalation, send the PagerDuty acknowledge/resolve), so people and the CLI go through this API.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal

from burnwise.receiver.auth import token_matches
from burnwise.receiver.context import ReceiverContext, Unauthorized
from burnwise.receiver.models import AckRequest, ResolveRequest, TimelineRequest
from burnwise.receiver.outbox import report_skipped
from burnwise.receiver.records import IncidentDetail, IncidentRecord, TimelineEntry
from burnwise.receiver.store import IncidentNotFound
from burnwise.receiver.timeline_entries import add_entry
from fastapi import APIRouter, Body, Depends, Request


def router(ctx: ReceiverContext) -> APIRouter:
    store, policy, metrics, worker = ctx.store, ctx.policy, ctx.metrics, ctx.worker

    def require_token(request: Request) -> None:
        if not token_matches(request.headers.get("authorization"), ctx.config.auth_token):
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
    def ack_incident(incident_id: int, body: AckRequest) -> IncidentRecord:
        started = datetime.now(timezone.utc)
        record = store.acknowledge(incident_id, body.by, policy)
        if record.acknowledged_at is not None and record.acknowledged_at >= started:  # this call acknowledged it
            waited = (record.acknowledged_at - record.opened_at).total_seconds()
            metrics.time_to_acknowledge.labels(surface=record.surface or "none", severity=record.severity).observe(waited)
        worker.wake()
        if ctx.runbooks is not None and record.status == "acknowledged":
            ctx.runbooks.acknowledged(incident_id)  # runbooks with `after: acknowledge` (background)
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
        return add_entry(store.db, incident_id, body.kind, body.text, body.by, body.at, body.data)

    return api
