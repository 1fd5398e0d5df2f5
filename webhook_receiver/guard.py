"""The door of the HTTP app: token, media type, size and JSON depth checked before any route runs.

Why a middleware: the token must be checked before a body is read or parsed (an unauthenticated
caller learns nothing, not even the JSON parser's messages), and every state-changing ``/v1``
request must be ``application/json`` with a bounded body - a cross-site form or ``text/plain``
POST (the kinds a browser sends without asking) changes nothing. Checking here, once, covers every
router, including ones added later. Deep nesting is measured on the raw bytes, because parsing
it is what fails (RecursionError, a 500).
"""

from __future__ import annotations

import json
import re

from burnwise.receiver.ack_identity import token_person
from burnwise.receiver.auth import token_matches
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.metrics import ReceiverMetrics

DOC_PATHS = ("/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.S)
_BRACKETS = re.compile(rb"[\[\]{}]")


def json_depth(raw: bytes) -> int:
    """How deep arrays and objects nest in ``raw`` (strings skipped), without parsing it."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def needs_token(path: str, config: ReceiverConfig) -> bool:
    if not config.auth_token:
        return False  # only reachable with insecure_no_auth (checked at start, see startup_checks)
    if path == "/v1" or path.startswith("/v1/"):
        return True
    if path in DOC_PATHS:
        return not config.public_docs
    if path == "/metrics":
        return not config.public_metrics
    return False


class RequestGuard:
    """Pure ASGI middleware: refuses with the JSON error shape of :mod:`http_errors` before routing."""

    def __init__(self, app, config: ReceiverConfig, metrics: ReceiverMetrics) -> None:
        self.app = app
        self.config = config
        self.metrics = metrics

    def _authorized(self, path: str, authorization: str | None) -> bool:
        """The service token opens every route; a person's own token (``ack_tokens``) opens the incident routes."""
        if token_matches(authorization, self.config.auth_token):
            return True
        return path.startswith("/v1/incidents") and token_person(authorization, self.config.ack_tokens) is not None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        counted = path.startswith("/v1/alertmanager")  # the payload metrics count webhooks only
        if needs_token(path, self.config) and not self._authorized(path, headers.get("authorization")):
            await self._refuse(send, counted, "auth", 401, "missing or wrong token: send 'Authorization: Bearer <token>' or basic auth")
            return
        if not path.startswith("/v1/") or method in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        media_type = headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type != "application/json":
            await self._refuse(send, counted, "unsupported_media_type", 415, f"content type must be application/json, got {media_type or 'none'}")
            return
        body = await self._read(receive, headers.get("content-length"))
        if body is None:
            await self._refuse(send, counted, "too_large", 413, f"body is larger than max_body_bytes ({self.config.max_body_bytes} bytes)")
            return
        if json_depth(body) > self.config.max_json_depth:
            await self._refuse(send, counted, "invalid", 400, f"body is not valid JSON: nested deeper than {self.config.max_json_depth} levels")
            return
        await self.app(scope, replay(body, receive), send)

    async def _read(self, receive, declared: str | None) -> bytes | None:
        """The whole body, or None as soon as it passes max_body_bytes (also without a Content-Length)."""
        limit = self.config.max_body_bytes
        if declared and declared.strip().isdigit() and int(declared) > limit:
            return None
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _refuse(self, send, counted: bool, reason: str, status: int, message: str) -> None:
        if counted:
            self.metrics.received.inc()
            self.metrics.rejected.labels(reason=reason).inc()
        body = json.dumps({"error": message} if status != 400 else {"error": message, "field": "(body)"}).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        if status == 401:
            headers.append((b"www-authenticate", b'Bearer realm="burnwise"'))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


def replay(body: bytes, receive):
    """A ``receive`` that hands the already-read body to the app once, then the real messages (disconnect)."""
    sent = False

    async def replayed():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed
