"""``/healthz`` (the process answers), ``/readyz`` (the database answers) and ``/metrics``.

Why apart: probes and scrapes need no token and must stay cheap; readiness fails with 503 when
the database is gone, so a load balancer sends Alertmanager to a replica that can commit.
"""

from __future__ import annotations

from burnwise.receiver.context import ReceiverContext
from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest


def router(ctx: ReceiverContext) -> APIRouter:
    api = APIRouter()

    @api.get("/healthz")
    def healthz() -> dict:
        return {"status": "ok"}

    @api.get("/readyz")
    def readyz() -> JSONResponse:
        ctx.store.ping()
        return JSONResponse({"status": "ready"})

    @api.get("/metrics")
    def metrics_endpoint() -> Response:
        return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return api
