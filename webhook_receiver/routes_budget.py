"""``/v1/budget/breaches``: the deploy gate reports frozen SLOs; the surface's record lists them (token required).

Why: see :mod:`burnwise.receiver.budget_breaches` - the gate's verdict belongs on the on-call
record of the SLO's surface, which only the receiver (with the roster) can name.
"""

from __future__ import annotations

from datetime import timedelta

from burnwise.receiver.budget_breaches import BreachRecord, BreachReport, breaches_between, record_breach
from burnwise.receiver.context import ReceiverContext, service_token
from burnwise.receiver.engine import utcnow
from burnwise.receiver.models import SaneTime, Text
from fastapi import APIRouter, Depends

from burnwise.roster.directory import Directory


def router(ctx: ReceiverContext, directory: Directory) -> APIRouter:
    require_token = service_token(ctx)

    api = APIRouter(prefix="/v1/budget/breaches", dependencies=[Depends(require_token)])

    @api.post("", response_model=BreachRecord, status_code=201)
    def report(body: BreachReport) -> BreachRecord:
        labels = {"service": body.service, "slo": body.slo} | ({"owner": body.owner} if body.owner else {})
        return record_breach(ctx.store.db, body, directory.surface_for(labels))

    @api.get("", response_model=list[BreachRecord])
    def breaches(surface: Text | None = None, since: SaneTime | None = None, until: SaneTime | None = None) -> list[BreachRecord]:
        end = until or utcnow()
        with ctx.store.db.tx() as conn:
            return breaches_between(conn, since or end - timedelta(days=7), end, surface)

    return api
