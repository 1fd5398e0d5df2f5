"""``/healthz`` (the process answers), ``/readyz`` (the database answers) and ``/metrics``.

Why apart: probes need no token and must stay cheap; readiness writes one heartbeat row and fails
with 503 when the database takes no write (gone, read-only, full), so a load balancer sends
Alertmanager to a replica that can commit. The 503 body is generic (it is public); the driver's
reason goes to the log. ``/metrics`` needs the token unless ``public_metrics`` (:mod:`guard`).
"""

from __future__ import annotations

import logging

from burnwise.receiver.context import ReceiverContext
from burnwise.receiver.http_errors import ErrorBody
from burnwise.receiver.store import StoreUnavailable
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


log = logging.getLogger("burnwise.receiver")


def router(ctx: ReceiverContext) -> APIRouter:
    api = APIRouter()

    @api.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @api.get(
        "/readyz",
        responses={503: {"model": ErrorBody, "description": "the database does not accept a write; the reason is in the log"}},
    )
    def readyz() -> JSONResponse:
        try:
            ctx.store.heartbeat()
        except StoreUnavailable as exc:
            log.warning("not ready: the database does not accept a write: %s", exc)
            return JSONResponse({"status": "unavailable", "error": "database unavailable"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @api.get("/metrics", responses={401: {"model": ErrorBody, "description": "token required (unless public_metrics)"}})
    def metrics_endpoint() -> Response:
        return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return api
