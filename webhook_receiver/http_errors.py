"""Error answers of the HTTP API: one JSON shape ``{"error": ..., "field": ...}`` for every refusal.

Why: a client (Alertmanager, the CLI, a person with curl) always gets the reason and the field at
fault, never a traceback; the app maps store exceptions to 404/409/503 in one place.
"""

from __future__ import annotations

import logging
from typing import Any

from burnwise.receiver.ack_identity import UnknownName
from burnwise.receiver.context import Unauthorized
from burnwise.receiver.timeline_entries import EntryRefused
from burnwise.receiver.store import IncidentConflict, IncidentNotFound, StoreUnavailable
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

log = logging.getLogger("burnwise.receiver")


class FieldError(BaseModel):
    field: str
    reason: str


class ErrorBody(BaseModel):
    """Every refusal's body: the reason, and for a bad body the field at fault."""

    error: str
    field: str | None = None
    errors: list[FieldError] | None = None
    retry: bool | None = None


#: what each refusal means, for the OpenAPI document (``responses=error_responses(401, 404)``)
ERROR_MEANINGS: dict[int, str] = {
    400: "malformed body, parameter or JSON (the field at fault is named)",
    401: "missing or wrong token",
    404: "no such incident",
    409: "the command does not fit the incident's state",
    413: "body larger than max_body_bytes",
    415: "content type is not application/json",
    422: "request parameters do not validate",
    503: "database unavailable; retry",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": ERROR_MEANINGS[code]} for code in codes}


def unavailable(exc: Exception) -> JSONResponse:
    """503 with a generic reason (the body may reach anyone); the driver's words go to the log."""
    log.warning("database unavailable: %s", exc)
    return error(503, "database unavailable", retry=True)


def error(status: int, message: str, **extra) -> JSONResponse:
    return JSONResponse(status_code=status, content={"error": message, **extra})


def validation_response(exc: ValidationError | RequestValidationError, what: str) -> JSONResponse:
    errors = [
        {"field": ".".join(str(p) for p in err["loc"] if p != "body") or "(body)", "reason": err["msg"]}
        for err in exc.errors()
    ]
    first = errors[0] if errors else {"field": "(body)", "reason": "invalid"}
    return error(400, f"invalid {what}: {first['field']}: {first['reason']}", field=first["field"], errors=errors)


def install_handlers(app: FastAPI) -> None:
    @app.exception_handler(StoreUnavailable)
    async def _unavailable(_request: Request, exc: StoreUnavailable):
        return unavailable(exc)

    @app.exception_handler(IncidentNotFound)
    async def _not_found(_request: Request, exc: IncidentNotFound):
        return error(404, str(exc))

    @app.exception_handler(IncidentConflict)
    async def _conflict(_request: Request, exc: IncidentConflict):
        return error(409, str(exc))

    @app.exception_handler(UnknownName)
    async def _unknown_name(_request: Request, exc: UnknownName):
        return error(400, str(exc), field="by", known=exc.known)
    @app.exception_handler(EntryRefused)
    async def _bad_entry(_request: Request, exc: EntryRefused):
        return error(400, str(exc), field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError):
        return validation_response(exc, "request")

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_request: Request, _exc: Unauthorized):
        return JSONResponse(
            status_code=401,
            content={"error": "missing or wrong token: send 'Authorization: Bearer <token>' or basic auth"},
            headers={"WWW-Authenticate": 'Bearer realm="burnwise"'},
        )
