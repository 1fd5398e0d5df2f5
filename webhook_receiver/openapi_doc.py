"""The receiver's OpenAPI document: FastAPI's, completed with what FastAPI cannot see.

Why: clients and fuzzers (schemathesis) read this document; it must name the payload schema of
``POST /v1/alertmanager`` (the route parses the body itself), both token schemes, and exactly the
status codes the routes answer - validation errors are 400 with the field named, never FastAPI's
default 422 (:mod:`http_errors`). tests/webhook_receiver/test_receiver_hostile.py keeps it complete.
"""

from __future__ import annotations

from typing import Any

from burnwise.receiver.http_errors import ERROR_MEANINGS, error_responses
from burnwise.receiver.models import Notification
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

PUBLIC_PATHS = ("/healthz", "/readyz")


def build_openapi(app: FastAPI) -> dict[str, Any]:
    doc = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    payload = Notification.model_json_schema(by_alias=True, ref_template="#/components/schemas/{model}")
    schemas.update(payload.pop("$defs", {}))
    schemas["Notification"] = payload
    components["securitySchemes"] = {
        "HTTPBearer": {"type": "http", "scheme": "bearer", "description": "the receiver's auth_token"},
        "HTTPBasic": {"type": "http", "scheme": "basic", "description": "any user name, the auth_token as password"},
    }
    bad_request = error_responses(400)[400]
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
    for path, operations in doc.get("paths", {}).items():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if responses.pop("422", None) is not None and "400" not in responses:
                responses["400"] = {"description": bad_request["description"], "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}}
            if path.startswith("/v1/"):
                # the guard answers these for every /v1 route before it runs, the store 503 for all
                guarded = (400, 401, 503) + ((413, 415) if operation is operations.get("post") else ())
                guarded += (404,) if "{incident_id}" in path else ()
                for code in guarded:
                    responses.setdefault(str(code), {"description": ERROR_MEANINGS[code], "content": error_content})
            if path in PUBLIC_PATHS:
                operation["security"] = []
            else:
                operation["security"] = [{"HTTPBearer": []}, {"HTTPBasic": []}]
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    return doc


def install_openapi(app: FastAPI) -> None:
    """Serve :func:`build_openapi` (built once, on first request) as ``/openapi.json``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = build_openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
