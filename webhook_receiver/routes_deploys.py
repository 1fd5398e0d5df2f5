"""``/v1/deploys``: CI pipelines record what they shipped, reports list deploys by time (token required).

Why: deploys are the first suspect of most incidents; recorded as they happen (see
:mod:`burnwise.receiver.deploys`) they show in handoffs and postmortems by their real time.
"""

from __future__ import annotations

from datetime import timedelta

from burnwise.receiver.context import ReceiverContext, service_token
from burnwise.receiver.deploys import DeployRecord, list_deploys, record_deploy
from burnwise.receiver.engine import utcnow
from fastapi import APIRouter, Depends, Query
from burnwise.receiver.models import SaneTime, Text
from pydantic import BaseModel, ConfigDict, Field


class DeployRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service: Text = Field(min_length=1, max_length=200)
    text: Text = Field(min_length=1, max_length=10_000)
    by: Text = Field(default="ci", min_length=1, max_length=200)
    at: SaneTime | None = None


def router(ctx: ReceiverContext) -> APIRouter:
    require_token = service_token(ctx)

    api = APIRouter(prefix="/v1/deploys", dependencies=[Depends(require_token)])

    @api.post("", response_model=DeployRecord, status_code=201)
    def record(body: DeployRequest) -> DeployRecord:
        return record_deploy(ctx.store.db, body.service, body.text, body.by, body.at)

    @api.get("", response_model=list[DeployRecord])
    def deploys(since: SaneTime | None = None, until: SaneTime | None = None,
                service: list[Text] | None = Query(default=None)) -> list[DeployRecord]:
        end = until or utcnow()
        return list_deploys(ctx.store.db, since or end - timedelta(days=7), end, service)

    return api
