"""The HTTP API (FastAPI): Alertmanager in, incident commands and reads, health and metrics.

Why this order of checks on ``POST /v1/alertmanager``: token (401), media type (415), size (413),
JSON and model (400), then the payload is queued to the group-commit writer
(:mod:`burnwise.receiver.batch_writer`) and answered only once the transaction holding it has
committed, so every 2xx is durable. Database trouble is 503,
the only refusal Alertmanager retries - a page is never dropped with a 4xx it would not retry.
"""

from __future__ import annotations

import asyncio
import json
import logging
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Literal

from burnwise.receiver.auth import token_matches
from burnwise.receiver.batch_writer import BatchWriter
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.directory_source import load_directory
from burnwise.receiver.metrics import ReceiverMetrics
from burnwise.receiver.models import (
    AckRequest,
    Notification,
    ResolveRequest,
    TimelineRequest,
)
from burnwise.receiver.outbox import OutboxWorker
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.records import IncidentDetail, IncidentRecord, TimelineEntry
from burnwise.receiver.store import (
    IncidentConflict,
    IncidentNotFound,
    IngestRequest,
    Store,
    StoreUnavailable,
)
from fastapi import Body, Depends, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import ValidationError

from burnwise import __version__
from burnwise.roster.directory import Directory

log = logging.getLogger("burnwise.receiver")


class PayloadTooLarge(Exception):
    pass


def _error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message, **extra})


def _validation_response(exc: ValidationError | RequestValidationError, what: str) -> JSONResponse:
    errors = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body") or "(body)", "reason": err["msg"]}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"field": "(body)", "reason": "invalid"}
    return _error(400, f"invalid {what}: {first['field']}: {first['reason']}", field=first["field"], errors=errors)


async def _read_limited(request: Request, limit: int) -> bytes:
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


def create_app(
    config: ReceiverConfig,
    *,
    directory: Directory | None = None,
    store: Store | None = None,
    start_worker: bool = True,
) -> FastAPI:
    """Build the app; the outbox worker runs inside it while the app is up."""
    store = store or Store.from_url(config.database_url)
    directory = directory if directory is not None else load_directory(config)
    policy = PagingPolicy(
        base_url=config.base_url,
        default_routing_key=config.pagerduty_routing_key,
        ticket_enabled=bool(config.ticket_url),
        chat_enabled=bool(config.chat_url),
    )
    metrics = ReceiverMetrics(outbox_depth=store.outbox_depth)
    worker = OutboxWorker(store, config, policy, metrics)
    writer = BatchWriter(store, directory, policy)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        try:
            await run_in_threadpool(store.ensure_schema)
        except StoreUnavailable as exc:
            log.warning("database not reachable at start (%s); answering 503 until it is", exc)
        if start_worker:
            worker.start()
        try:
            yield
        finally:
            writer.stop()  # answers every queued payload before the process ends
            if start_worker:
                worker.stop()

    app = FastAPI(
        title="burnwise receiver",
        version=__version__,
        description="Alertmanager webhook payloads in, durable incident records, pages out.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.metrics = metrics
    app.state.worker = worker
    app.state.writer = writer
    app.state.config = config

    def require_token(request: Request) -> None:
        if not token_matches(request.headers.get("authorization"), config.auth_token):
            raise _Unauthorized

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(_request: Request, exc: StoreUnavailable):
        return _error(503, f"database unavailable: {exc}", retry=True)

    @app.exception_handler(IncidentNotFound)
    async def _not_found(_request: Request, exc: IncidentNotFound):
        return _error(404, str(exc))

    @app.exception_handler(IncidentConflict)
    async def _conflict(_request: Request, exc: IncidentConflict):
        return _error(409, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        return _validation_response(exc, "request")

    @app.exception_handler(_Unauthorized)
    async def _unauthorized(_request: Request, _exc: _Unauthorized):
        return JSONResponse(
            status_code=401,
            content={"error": "missing or wrong token: send 'Authorization: Bearer <token>' or basic auth"},
            headers={"WWW-Authenticate": 'Bearer realm="burnwise"'},
        )

    async def ingest(request: Request, force_ticket: bool) -> JSONResponse:
        metrics.received.inc()
        if not token_matches(request.headers.get("authorization"), config.auth_token):
            metrics.rejected.labels(reason="auth").inc()
            raise _Unauthorized
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            metrics.rejected.labels(reason="unsupported_media_type").inc()
            return _error(415, f"content type must be application/json, got {media_type or 'none'}")
        try:
            raw = await _read_limited(request, config.max_body_bytes)
        except PayloadTooLarge:
            metrics.rejected.labels(reason="too_large").inc()
            return _error(413, f"body is larger than max_body_bytes ({config.max_body_bytes} bytes)")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            metrics.rejected.labels(reason="invalid").inc()
            return _error(400, f"body is not valid JSON: {exc}", field="(body)")
        try:
            notification = Notification.model_validate(data)
        except ValidationError as exc:
            metrics.rejected.labels(reason="invalid").inc()
            return _validation_response(exc, "Alertmanager payload")
        try:
            # group commit: the writer thread answers after the transaction holding this payload commits
            result = await asyncio.wrap_future(writer.submit(IngestRequest(notification, force_ticket)))
        except StoreUnavailable as exc:
            metrics.rejected.labels(reason="unavailable").inc()
            return _error(503, f"database unavailable: {exc}", retry=True)
        metrics.accepted.inc()
        if result.duplicate:
            metrics.duplicates.inc()
        metrics.incidents_opened.inc(len(result.opened))
        metrics.incidents_resolved.inc(len(result.resolved))
        if result.pages:
            worker.wake()
        return JSONResponse(
            {
                "status": "duplicate" if result.duplicate else "accepted",
                "incidents": result.incident_ids,
                "opened": result.opened,
                "resolved": result.resolved,
                "pages": result.pages,
            }
        )

    @app.post("/v1/alertmanager", summary="Receive an Alertmanager webhook notification (version 4)")
    async def alertmanager(request: Request) -> JSONResponse:
        return await ingest(request, force_ticket=False)

    @app.post("/v1/alertmanager/ticket", summary="Same payload, always routed to the ticket target")
    async def alertmanager_ticket(request: Request) -> JSONResponse:
        return await ingest(request, force_ticket=True)

    @app.get("/v1/incidents", response_model=list[IncidentRecord], dependencies=[Depends(require_token)])
    def list_incidents(
        status: Literal["open", "acknowledged", "resolved"] | None = None, service: str | None = None
    ) -> list[IncidentRecord]:
        return store.list_incidents(status=status, service=service)

    @app.get("/v1/incidents/{incident_id}", response_model=IncidentDetail, dependencies=[Depends(require_token)])
    def get_incident(incident_id: int) -> IncidentDetail:
        detail = store.get_incident(incident_id)
        if detail is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        return detail

    @app.post("/v1/incidents/{incident_id}/ack", response_model=IncidentRecord, dependencies=[Depends(require_token)])
    def ack_incident(incident_id: int, body: AckRequest) -> IncidentRecord:
        started = datetime.now(timezone.utc)
        record = store.acknowledge(incident_id, body.by, policy)
        if record.acknowledged_at is not None and record.acknowledged_at >= started:  # this call acknowledged it
            waited = (record.acknowledged_at - record.opened_at).total_seconds()
            metrics.time_to_acknowledge.labels(surface=record.surface or "none", severity=record.severity).observe(waited)
        worker.wake()
        return record

    @app.post("/v1/incidents/{incident_id}/resolve", response_model=IncidentRecord, dependencies=[Depends(require_token)])
    def resolve_incident(incident_id: int, body: ResolveRequest | None = Body(default=None)) -> IncidentRecord:
        body = body or ResolveRequest()
        result = store.resolve(incident_id, body.by, policy, body.text)
        metrics.incidents_resolved.inc(len(result.resolved))
        worker.wake()
        return store.get_incident(incident_id)

    @app.post(
        "/v1/incidents/{incident_id}/timeline",
        response_model=TimelineEntry,
        status_code=201,
        dependencies=[Depends(require_token)],
    )
    def add_timeline(incident_id: int, body: TimelineRequest) -> TimelineEntry:
        return store.add_timeline(incident_id, body.kind, body.text, body.by)

    @app.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        store.ping()
        return JSONResponse({"status": "ready"})

    @app.get("/metrics")
    def metrics_endpoint() -> Response:
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


class _Unauthorized(Exception):
    pass
