"""``/v1/incidents``: list, show, acknowledge, resolve and annotate incidents (token required).

Why through the receiver: acknowledging or resolving has side effects the receiver owns (stop
escalation, send the PagerDuty acknowledge/resolve), so people and the CLI go through this API.
Commands take only ``application/json`` with the token (:mod:`guard`), so a cross-site form POST
changes nothing; ids are bounded to the column range.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Literal

from burnwise.receiver.ack_identity import identify, token_person
from burnwise.receiver.auth import token_matches
from burnwise.receiver.context import ReceiverContext, Unauthorized
from burnwise.receiver.direct_page import page_directly
from burnwise.receiver.http_errors import error_responses
from burnwise.receiver.models import MAX_INT, AckRequest, PageRequest, ResolveRequest, TimelineRequest
from burnwise.receiver.outbox import report_skipped
from burnwise.receiver.records import IncidentDetail, IncidentRecord, TimelineEntry
from burnwise.receiver.store import IncidentNotFound
from burnwise.receiver.timeline_entries import add_entry
from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.security import HTTPBearer

from burnwise.textsafe import storable

#: an incident id as the smallest id column (PostgreSQL integer) can hold: anything else is a 400, never a 500
IncidentId = Annotated[int, Path(ge=1, le=MAX_INT, description="incident id")]
READ_ERRORS = error_responses(400, 401, 503)
COMMAND_ERRORS = error_responses(400, 401, 404, 409, 413, 415, 503)


def router(ctx: ReceiverContext) -> APIRouter:
    store, policy, metrics, worker = ctx.store, ctx.policy, ctx.metrics, ctx.worker

    def require_token(request: Request) -> None:
        header = request.headers.get("authorization")
        if not token_matches(header, ctx.config.auth_token) and token_person(header, ctx.config.ack_tokens) is None:
            raise Unauthorized

    # HTTPBearer(auto_error=False) only documents the scheme; RequestGuard and require_token enforce it
    api = APIRouter(prefix="/v1/incidents", dependencies=[Depends(require_token), Depends(HTTPBearer(auto_error=False))])

    @api.get("", response_model=list[IncidentRecord], responses=READ_ERRORS)
    def list_incidents(
        status: Literal["open", "acknowledged", "resolved"] | None = None,
        service: Annotated[str | None, Query(max_length=10_000)] = None,
    ) -> list[IncidentRecord]:
        return store.list_incidents(status=status, service=storable(service) if service else None)

    @api.get("/{incident_id}", response_model=IncidentDetail, responses=error_responses(400, 401, 404, 503))
    def get_incident(incident_id: IncidentId) -> IncidentDetail:
        detail = store.get_incident(incident_id)
        if detail is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        return detail

    @api.post("/{incident_id}/ack", response_model=IncidentRecord, responses=COMMAND_ERRORS)
    def ack_incident(incident_id: IncidentId, body: AckRequest, request: Request) -> IncidentRecord:
        started = datetime.now(timezone.utc)
        acker = identify(ctx.directory, ctx.config.ack_tokens, request.headers.get("authorization"), body.by, body.as_guest)
        record = store.acknowledge(incident_id, acker.by, policy)
        if record.acknowledged_at is not None and record.acknowledged_at >= started:  # this call acknowledged it
            waited = (record.acknowledged_at - record.opened_at).total_seconds()
            metrics.time_to_acknowledge.labels(surface=record.surface or "none", severity=record.severity).observe(waited)
        worker.wake()
        if ctx.runbooks is not None and record.status == "acknowledged":
            ctx.runbooks.acknowledged(incident_id)  # runbooks with `after: acknowledge` (background)
        return record

    @api.post("/{incident_id}/resolve", response_model=IncidentRecord, responses=COMMAND_ERRORS)
    def resolve_incident(incident_id: IncidentId, body: ResolveRequest | None = Body(default=None)) -> IncidentRecord:
        body = body or ResolveRequest()
        result = store.resolve(incident_id, body.by, policy, body.text)
        metrics.incidents_resolved.inc(len(result.resolved))
        report_skipped(result.skipped, metrics)
        worker.wake()
        return store.get_incident(incident_id)

    @api.post("/{incident_id}/timeline", response_model=TimelineEntry, status_code=201, responses=COMMAND_ERRORS)
    def add_timeline(incident_id: IncidentId, body: TimelineRequest) -> TimelineEntry:
        return add_entry(store.db, incident_id, body.kind, body.text, body.by, body.at, body.data)

    add_page_route(api, ctx)
    return api


def add_page_route(api: APIRouter, ctx: ReceiverContext) -> None:
    """``POST /v1/incidents/{id}/page``: page a role, an SME or a person now (its own dedup key)."""

    @api.post("/{incident_id}/page", response_model=IncidentDetail, responses=COMMAND_ERRORS)
    def page_incident(incident_id: IncidentId, body: PageRequest) -> IncidentDetail:
        result = page_directly(ctx.store.db, incident_id, body.to, body.by, ctx.policy, ctx.directory)
        report_skipped(result.skipped, ctx.metrics)
        ctx.worker.wake()
        return ctx.store.get_incident(incident_id)
