"""Error answers of the HTTP API: one JSON shape ``{"error": ..., "field": ...}`` for every refusal.

Why: a client (Alertmanager, the CLI, a person with curl) always gets the reason and the field at
fault, never a traceback; the app maps store exceptions to 404/409/503 in one place.
"""

from __future__ import annotations

from burnwise.receiver.context import Unauthorized
from burnwise.receiver.timeline_entries import EntryRefused
from burnwise.receiver.store import IncidentConflict, IncidentNotFound, StoreUnavailable
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError


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
        return error(503, f"database unavailable: {exc}", retry=True)

    @app.exception_handler(IncidentNotFound)
    async def _not_found(_request: Request, exc: IncidentNotFound):
        return error(404, str(exc))

    @app.exception_handler(IncidentConflict)
    async def _conflict(_request: Request, exc: IncidentConflict):
        return error(409, str(exc))

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
