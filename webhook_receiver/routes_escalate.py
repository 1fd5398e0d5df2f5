"""``POST /v1/incidents/{id}/escalate``: page the next role now, with who asked and why (token required).

Why a route of its own: a runbook run whose last step did not help (or an on-call who needs the
next level) must reach the next person through the receiver, which owns paging - otherwise the
runner can only print "page them by hand". See :mod:`burnwise.receiver.escalate_now`.
"""

from __future__ import annotations

from burnwise.receiver.context import ReceiverContext, service_token
from burnwise.receiver.escalate_now import escalate_now
from burnwise.receiver.outbox import report_skipped
from fastapi import APIRouter, Depends
from burnwise.receiver.models import Text
from burnwise.receiver.routes_incidents import COMMAND_ERRORS, IncidentId
from pydantic import BaseModel, ConfigDict, Field


class EscalateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: Text = Field(min_length=1, max_length=200)
    reason: Text = Field(min_length=1, max_length=2_000)


def router(ctx: ReceiverContext) -> APIRouter:
    require_token = service_token(ctx)

    api = APIRouter(prefix="/v1/incidents", dependencies=[Depends(require_token)])

    @api.post("/{incident_id}/escalate", status_code=202, responses=COMMAND_ERRORS)
    def escalate(incident_id: IncidentId, body: EscalateRequest) -> dict:
        result, paged = escalate_now(ctx.store.db, incident_id, body.by, body.reason, ctx.policy)
        report_skipped(result.skipped, ctx.metrics)
        ctx.worker.wake()
        return {"incident_id": incident_id, "paged": paged}

    return api
