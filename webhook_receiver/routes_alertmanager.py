"""``POST /v1/alertmanager`` (and ``/ticket``): Alertmanager webhooks in, durable before the 2xx.

Why this order of checks: token (401), media type (415), size (413) - all first checked by
:mod:`burnwise.receiver.guard` before the body is read, and again here for an app built without
it - then JSON and model (400), then
the payload is queued to the group-commit writer (:mod:`burnwise.receiver.batch_writer`) and
answered only once the transaction holding it has committed, so every 2xx is durable. Database
trouble is 503, the only refusal Alertmanager retries - a page is never dropped with a 4xx it
would not retry.
"""

from __future__ import annotations

import asyncio
import json
from typing import Literal

from burnwise.receiver.auth import token_matches
from burnwise.receiver.context import ReceiverContext, Unauthorized
from burnwise.receiver.http_errors import error, error_responses, unavailable, validation_response
from burnwise.receiver.models import Notification
from burnwise.receiver.outbox import report_skipped
from burnwise.receiver.store import IngestRequest, StoreUnavailable
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ValidationError


INGEST_ERRORS = error_responses(400, 401, 413, 415, 503)
#: the route reads the raw body itself (size, then JSON, then the model), so FastAPI does not see
#: the model; the OpenAPI document gets it here
PAYLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Notification"}}},
    }
}


class IngestAnswer(BaseModel):
    status: Literal["accepted", "duplicate"]
    incidents: list[int]
    opened: list[int]
    resolved: list[int]
    pages: int


class PayloadTooLarge(Exception):
    pass


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, refusing as soon as it passes ``limit`` (also without a Content-Length)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def router(ctx: ReceiverContext) -> APIRouter:
    config, metrics, writer, worker = ctx.config, ctx.metrics, ctx.writer, ctx.worker
    api = APIRouter()

    async def ingest(request: Request, force_ticket: bool) -> JSONResponse:
        metrics.received.inc()
        if not token_matches(request.headers.get("authorization"), config.auth_token):
            metrics.rejected.labels(reason="auth").inc()
            raise Unauthorized
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            metrics.rejected.labels(reason="unsupported_media_type").inc()
            return error(415, f"content type must be application/json, got {media_type or 'none'}")
        try:
            raw = await read_limited(request, config.max_body_bytes)
        except PayloadTooLarge:
            metrics.rejected.labels(reason="too_large").inc()
            return error(413, f"body is larger than max_body_bytes ({config.max_body_bytes} bytes)")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            metrics.rejected.labels(reason="invalid").inc()
            return error(400, f"body is not valid JSON: {exc}", field="(body)")
        try:
            notification = Notification.model_validate(data)
        except ValidationError as exc:
            metrics.rejected.labels(reason="invalid").inc()
            return validation_response(exc, "Alertmanager payload")
        try:
            # group commit: the writer thread answers after the transaction holding this payload commits
            result = await asyncio.wrap_future(writer.submit(IngestRequest(notification, force_ticket)))
        except StoreUnavailable as exc:
            metrics.rejected.labels(reason="unavailable").inc()
            return unavailable(exc)
        metrics.accepted.inc()
        if result.duplicate:
            metrics.duplicates.inc()
        metrics.incidents_opened.inc(len(result.opened))
        metrics.incidents_resolved.inc(len(result.resolved))
        report_skipped(result.skipped, metrics)
        if result.pages:
            worker.wake()
        if result.opened and ctx.runbooks is not None:
            ctx.runbooks.opened(result.opened)  # background threads: never holds up this answer
        return JSONResponse(
            {
                "status": "duplicate" if result.duplicate else "accepted",
                "incidents": result.incident_ids,
                "opened": result.opened,
                "resolved": result.resolved,
                "pages": result.pages,
            }
        )

    @api.post(
        "/v1/alertmanager",
        summary="Receive an Alertmanager webhook notification (version 4)",
        response_model=IngestAnswer,
        responses=INGEST_ERRORS,
        openapi_extra=PAYLOAD_BODY,
        dependencies=[Depends(HTTPBearer(auto_error=False))],  # documents the scheme; RequestGuard enforces it
    )
    async def alertmanager(request: Request) -> JSONResponse:
        return await ingest(request, force_ticket=False)

    @api.post(
        "/v1/alertmanager/ticket",
        summary="Same payload, always routed to the ticket target",
        response_model=IngestAnswer,
        responses=INGEST_ERRORS,
        openapi_extra=PAYLOAD_BODY,
        dependencies=[Depends(HTTPBearer(auto_error=False))],
    )
    async def alertmanager_ticket(request: Request) -> JSONResponse:
        return await ingest(request, force_ticket=True)

    return api
