"""``/v1/incidents/{id}/runbook``: the incident's runbook run (state), and stopping it (token required).

Why in the receiver: an automatic run started by the receiver must be stoppable from the same
place people work incidents (API, `burnwise runbook stop`, a console) - the stop request is a
flag on the run's lease row, read by the runner before each step and while it waits.
"""

from __future__ import annotations

from burnwise.receiver.context import ReceiverContext, service_token
from burnwise.receiver.engine import IncidentConflict, IncidentNotFound
from fastapi import APIRouter, Depends
from burnwise.receiver.models import Text
from burnwise.receiver.routes_incidents import COMMAND_ERRORS, IncidentId
from pydantic import BaseModel, ConfigDict, Field

from burnwise.runbooks.lease import RunLeases


class StopRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    by: Text = Field(min_length=1, max_length=200)


def router(ctx: ReceiverContext) -> APIRouter:
    require_token = service_token(ctx)

    api = APIRouter(prefix="/v1/incidents", dependencies=[Depends(require_token)])

    def leases() -> RunLeases:
        return RunLeases(ctx.store.db.engine)

    def known(incident_id: IncidentId) -> None:
        if ctx.store.get_incident(incident_id) is None:
            raise IncidentNotFound(f"no incident {incident_id}")

    @api.get("/{incident_id}/runbook", responses=COMMAND_ERRORS)
    def current(incident_id: IncidentId) -> dict:
        known(incident_id)
        row = leases().current(incident_id)
        if row is None:
            return {"incident_id": incident_id, "run": None}
        return {"incident_id": incident_id, "run": {k: row[k] for k in (
            "runbook_id", "episode", "holder", "state", "outcome", "started_at", "finished_at", "stop_requested_by")}}

    @api.post("/{incident_id}/runbook/stop", status_code=202, responses=COMMAND_ERRORS)
    def stop(incident_id: IncidentId, body: StopRequest) -> dict:
        known(incident_id)
        asked = leases().request_stop(incident_id, body.by)
        if not asked:
            raise IncidentConflict(f"incident {incident_id}: no runbook is running")
        return {"incident_id": incident_id, "stop_requested_by": body.by}

    return api
