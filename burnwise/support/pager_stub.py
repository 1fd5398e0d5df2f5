"""A real local HTTP server that speaks the PagerDuty Events API v2 contract and keeps its state.

Why it exists: tests and the demo need a pager that behaves like the real one without leaving the
machine - not only its status codes (202 with a dedup_key, 400 with errors for an invalid or
over-512-KB event, 429/5xx when asked) but its incident semantics, because that is where paging
goes wrong: incidents are keyed by (routing key, dedup key); a trigger opens an incident or, when
one with that key is open, is appended to it without notifying anyone; acknowledge and resolve of
an unknown or already resolved key do nothing; a person is notified only when an incident opens.
Tests assert on :attr:`PagerStub.notifications` (what a person would have been told) and
:meth:`PagerStub.open_incidents` (what is left open), not on raw requests.

Any POST to a path other than ``/v2/enqueue`` is recorded as a generic webhook delivery (the
ticket/chat target) and answered 200, so one stub serves both; :meth:`hang` makes a path answer
slowly (a hung chat webhook).

Use from Python::

    stub = PagerStub.start(port=0)
    stub.fail_next(503, 2)
    stub.fail_next(429, 1, retry_after=2)
    ... stub.events, stub.notifications, stub.open_incidents(), stub.webhooks ...
    stub.stop()

or from a shell: ``python -m burnwise.support.pager_stub --port 9096`` prints what it gets.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENQUEUE_PATH = "/v2/enqueue"
MAX_EVENT_BYTES = 512 * 1024
EVENT_ACTIONS = ("trigger", "acknowledge", "resolve")
SEVERITIES = ("critical", "error", "warning", "info")


def validate_event(event: object) -> list[str]:
    """The errors the Events API v2 would report for this event; empty when it is valid."""
    if not isinstance(event, dict):
        return ["Event object must be a JSON object."]
    errors: list[str] = []
    routing_key = event.get("routing_key")
    if not isinstance(routing_key, str) or not routing_key:
        errors.append("'routing_key' is missing or blank.")
    action = event.get("event_action")
    if action not in EVENT_ACTIONS:
        errors.append("'event_action' is invalid (must be one of trigger, acknowledge, resolve).")
    dedup_key = event.get("dedup_key")
    if dedup_key is not None and (not isinstance(dedup_key, str) or len(dedup_key) > 255):
        errors.append("'dedup_key' must be a string of at most 255 characters.")
    if action in ("acknowledge", "resolve") and not dedup_key:
        errors.append(f"'dedup_key' is required for event_action {action}.")
    if action == "trigger":
        payload = event.get("payload")
        if not isinstance(payload, dict):
            errors.append("'payload' is missing or not an object.")
        else:
            summary = payload.get("summary")
            if not isinstance(summary, str) or not summary:
                errors.append("'payload.summary' is missing or blank.")
            elif len(summary) > 1024:
                errors.append("'payload.summary' is longer than 1024 characters.")
            if not isinstance(payload.get("source"), str) or not payload.get("source"):
                errors.append("'payload.source' is missing or blank.")
            if payload.get("severity") not in SEVERITIES:
                errors.append("'payload.severity' must be one of critical, error, warning, info.")
    for link in event.get("links") or []:
        if not isinstance(link, dict) or not isinstance(link.get("href"), str):
            errors.append("'links' entries need an 'href' string.")
            break
    return errors


@dataclass
class PagerIncident:
    """One incident at the pager: opened by a trigger, appended to, acknowledged, resolved."""

    routing_key: str
    dedup_key: str
    summary: str
    status: str = "triggered"  # triggered | acknowledged | resolved
    events: list[dict] = field(default_factory=list)
    opened_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Notification:
    """A person was notified: an incident opened on (routing key, dedup key)."""

    routing_key: str
    dedup_key: str
    summary: str
    at: float


@dataclass
class ReceivedRequest:
    """One request as the stub saw it: where it went, what it carried, what it answered."""

    path: str
    headers: dict[str, str]
    body: object
    status: int
    at: float = field(default_factory=time.time)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that gave up (the receiver's timeout on a hung path) is not an error to print."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class PagerStub:
    """Thread-backed PagerDuty-compatible endpoint on 127.0.0.1; see the module docstring."""

    def __init__(self, server: ThreadingHTTPServer, echo: Callable[[str], None] | None = None):
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, name="pager-stub", daemon=True)
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._requests: list[ReceivedRequest] = []
        self._failures: list[tuple[int, float | None]] = []
        self._hangs: dict[str, float] = {}
        self._incidents: dict[tuple[str, str], list[PagerIncident]] = {}
        self._notifications: list[Notification] = []
        self._echo = echo

    @classmethod
    def start(cls, port: int = 0, host: str = "127.0.0.1", echo: Callable[[str], None] | None = None) -> "PagerStub":
        server = _Server((host, port), _Handler)
        stub = cls(server, echo)
        server.stub = stub  # type: ignore[attr-defined]
        stub._thread.start()
        return stub

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def enqueue_url(self) -> str:
        return self.url + ENQUEUE_PATH

    def webhook_url(self, name: str = "hook") -> str:
        return f"{self.url}/{name}"

    def fail_next(self, status: int, n: int = 1, retry_after: float | None = None) -> None:
        """Answer the next ``n`` requests (any path) with ``status`` instead of processing them.

        ``retry_after``: seconds sent in a ``Retry-After`` header (as PagerDuty may on 429).
        """
        with self._lock:
            self._failures.extend([(status, retry_after)] * n)

    def recover(self) -> None:
        """Forget the failures still queued by :meth:`fail_next`: the pager is back."""
        with self._lock:
            self._failures.clear()

    def hang(self, path: str, seconds: float) -> None:
        """Make POSTs to ``path`` (e.g. ``/chat``) wait ``seconds`` before answering; 0 ends it."""
        with self._lock:
            if seconds > 0:
                self._hangs[path] = seconds
            else:
                self._hangs.pop(path, None)

    @property
    def notifications(self) -> list[Notification]:
        """Every time a person would have been notified (an incident opened), in order."""
        with self._lock:
            return list(self._notifications)

    def incidents(self) -> list[PagerIncident]:
        """Every incident the pager holds, oldest first."""
        with self._lock:
            return sorted((i for group in self._incidents.values() for i in group), key=lambda i: i.opened_at)

    def open_incidents(self) -> list[PagerIncident]:
        """Incidents triggered or acknowledged and never resolved: what still wakes someone."""
        return [i for i in self.incidents() if i.status != "resolved"]

    def incident(self, routing_key: str, dedup_key: str) -> PagerIncident | None:
        """The latest incident for the key, if any."""
        with self._lock:
            group = self._incidents.get((routing_key, dedup_key))
            return group[-1] if group else None

    def _apply_event(self, event: dict) -> None:
        """The Events API v2 state machine for one accepted event."""
        key = (event["routing_key"], event["dedup_key"])
        action = event["event_action"]
        with self._changed:
            group = self._incidents.setdefault(key, [])
            current = group[-1] if group and group[-1].status != "resolved" else None
            if action == "trigger":
                if current is None:  # opens an incident: this is when someone is notified
                    summary = event["payload"]["summary"]
                    current = PagerIncident(key[0], key[1], summary)
                    group.append(current)
                    self._notifications.append(Notification(key[0], key[1], summary, time.time()))
                current.events.append(event)  # on an open incident: appended, nobody notified
            elif current is not None:  # acknowledge/resolve of an unknown or resolved key: nothing
                current.events.append(event)
                if action == "resolve":
                    current.status = "resolved"
                elif current.status == "triggered":
                    current.status = "acknowledged"
            if not group:
                del self._incidents[key]
            self._changed.notify_all()

    @property
    def requests(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def events(self) -> list[dict]:
        """Events API v2 events that were accepted (answered 202), in arrival order."""
        return [r.body for r in self.requests if r.path == ENQUEUE_PATH and r.status == 202]

    @property
    def webhooks(self) -> list[ReceivedRequest]:
        """Accepted generic webhook deliveries (any path but the enqueue one)."""
        return [r for r in self.requests if r.path != ENQUEUE_PATH and r.status == 200]

    def wait_for(self, predicate: Callable[["PagerStub"], bool], timeout: float = 10.0) -> bool:
        """Block until ``predicate(self)`` holds or ``timeout`` passes; returns whether it held."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(min(remaining, 0.2))
        return True

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- called from the handler thread -------------------------------------------------------
    def _take_failure(self) -> tuple[int, float | None] | None:
        with self._lock:
            return self._failures.pop(0) if self._failures else None

    def _hang_for(self, path: str) -> float:
        with self._lock:
            return self._hangs.get(path, 0.0)

    def _record(self, request: ReceivedRequest) -> None:
        with self._changed:
            self._requests.append(request)
            self._changed.notify_all()
        if self._echo is not None:
            self._echo(json.dumps({"path": request.path, "status": request.status, "body": request.body}, sort_keys=True))


class _Handler(BaseHTTPRequestHandler):
    server_version = "burnwise-pager-stub/1"
    #: keep-alive like the real Events API: a client reuses its connections (every answer has a length)
    protocol_version = "HTTP/1.1"
    #: headers and body go out as two writes; without TCP_NODELAY a kept-alive connection stalls
    #: on Nagle + delayed ACK (about 40 ms per answer)
    disable_nagle_algorithm = True

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - silence stderr access log
        return

    def _answer(self, status: int, body: dict, headers: dict | None = None) -> None:
        data = json.dumps(body, sort_keys=True).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._answer(200, {"status": "ok"})

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        stub: PagerStub = self.server.stub  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body: object = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        forced = stub._take_failure()
        if forced is not None:
            status, retry_after = forced
            stub._record(ReceivedRequest(self.path, headers, body, status))
            extra = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else None
            self._answer(status, {"status": "error", "message": f"stub told to answer {status}"}, extra)
            return
        hang = stub._hang_for(self.path)
        if hang:
            time.sleep(hang)
        if self.path != ENQUEUE_PATH:
            stub._record(ReceivedRequest(self.path, headers, body, 200))
            self._answer(200, {"status": "ok"})
            return
        errors = ["Request body is larger than 512 KB."] if len(raw) > MAX_EVENT_BYTES else validate_event(body)
        if errors:
            stub._record(ReceivedRequest(self.path, headers, body, 400))
            self._answer(400, {"status": "invalid event", "message": "Event object is invalid", "errors": errors})
            return
        dedup_key = body.get("dedup_key") or uuid.uuid4().hex  # type: ignore[union-attr]
        body = dict(body, dedup_key=dedup_key)  # type: ignore[arg-type]
        stub._apply_event(body)
        stub._record(ReceivedRequest(self.path, headers, body, 202))
        self._answer(202, {"status": "success", "message": "Event processed", "dedup_key": dedup_key})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A local PagerDuty Events API v2 endpoint that prints what it receives.")
    parser.add_argument("--port", type=int, default=9096)
    args = parser.parse_args(argv)
    stub = PagerStub.start(port=args.port, echo=lambda line: print(line, flush=True))
    print(f"pager stub listening on {stub.enqueue_url}", file=sys.stderr, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        stub.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
