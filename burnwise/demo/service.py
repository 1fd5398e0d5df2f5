"""A small HTTP service that looks like `checkout` to Prometheus, with a switch to break it.

Why it exists: the demo and the integration tests need a burn that comes from real traffic and a
real scrape, not from injected series. The service exports exactly what ``slo_specs/checkout.yaml``
queries - ``http_requests_total{code}`` and the ``http_request_duration_seconds`` histogram with a
0.3s bucket - and generates its own traffic with a few threads that call ``GET /checkout`` over
HTTP. ``POST /admin/mode`` with ``{"error_ratio": 1.0}`` makes every request fail, and
``{"latency_seconds": 0.5}`` makes them slow, while it runs.

Failures are spread evenly, not drawn at random (an error ratio of 0.25 fails every fourth
request), so the same setting gives the same error ratio in every run.

For the runbook part of the demo the outage can instead be made of named *faults* that add up
(``break_with(DEMO_FAULTS)``: a bad deploy 35%, a failing payment provider 10%, a bad zone 5%),
each cleared by the control call the checkout runbook makes for it (roll back, provider
failover flag, zone weight 0). Those control endpoints need the admin token when one is set, so
the runbook's ``Authorization: Bearer ${CHECKOUT_ADMIN_TOKEN}`` header is exercised for real.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

#: Histogram buckets: the 0.3 bucket is the latency SLO's threshold.
BUCKETS = (0.05, 0.1, 0.3, 0.5, 1.0, 2.5)
#: Requests per second the traffic threads aim for, together.
DEFAULT_RATE = 20.0
TRAFFIC_THREADS = 4
#: The demo outage: 50% errors from three causes, cleared one by one by the checkout runbook.
DEMO_FAULTS = {"bad-deploy": 0.35, "provider-outage": 0.10, "zone-b": 0.05}
#: Control calls (method, path) -> the fault each one clears; the checkout runbook's steps.
MITIGATIONS = {
    ("POST", "/admin/deploys/rollback"): "bad-deploy",
    ("PUT", "/admin/flags/checkout.provider_failover"): "provider-outage",
    ("PUT", "/admin/zones/b/weight"): "zone-b",
    ("PUT", "/admin/flags/checkout.degraded_mode"): "overload",
}


@dataclass
class Mode:
    """How the service behaves right now."""

    error_ratio: float = 0.0
    latency_seconds: float = 0.01


class CheckoutService:
    """The service: an HTTP server, its metrics, its current mode and its traffic threads."""

    def __init__(self, port: int = 0, rate: float = DEFAULT_RATE, admin_token: str | None = None) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "http_requests_total", "Checkout requests by status code.", ["code"], registry=self.registry
        )
        self.duration = Histogram(
            "http_request_duration_seconds", "Checkout request latency.", buckets=BUCKETS, registry=self.registry
        )
        for code in ("200", "500"):  # exported from the start, so rate() sees the first error
            self.requests.labels(code=code)
        self.rate = rate
        self._mode = Mode()
        self._faults: dict[str, float] = {}
        self.admin_token = admin_token
        #: every control call received, in order: ``(method, path, fault cleared or None)``
        self.control_calls: list[tuple[str, str, str | None]] = []
        self._lock = threading.Lock()
        self._error_credit = 0.0
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self._server.daemon_threads = True
        self._server.service = self  # type: ignore[attr-defined]
        self._threads: list[threading.Thread] = []

    # --- lifecycle ------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, traffic: bool = True) -> "CheckoutService":
        server_thread = threading.Thread(target=self._server.serve_forever, name="checkout-http", daemon=True)
        server_thread.start()
        self._threads.append(server_thread)
        if traffic:
            for index in range(TRAFFIC_THREADS):
                worker = threading.Thread(target=self._traffic, name=f"checkout-traffic-{index}", daemon=True)
                worker.start()
                self._threads.append(worker)
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)

    # --- behaviour ------------------------------------------------------------------------------
    @property
    def mode(self) -> Mode:
        with self._lock:
            return Mode(**asdict(self._mode))

    def set_mode(self, error_ratio: float | None = None, latency_seconds: float | None = None) -> Mode:
        if error_ratio is not None and not 0.0 <= error_ratio <= 1.0:
            raise ValueError("error_ratio must be between 0 and 1")
        if latency_seconds is not None and not 0.0 <= latency_seconds <= 30.0:
            raise ValueError("latency_seconds must be between 0 and 30")
        with self._lock:
            if error_ratio is not None:
                self._mode.error_ratio = error_ratio
                self._error_credit = 0.0
            if latency_seconds is not None:
                self._mode.latency_seconds = latency_seconds
            return Mode(**asdict(self._mode))

    def break_with(self, faults: dict[str, float]) -> float:
        """Add named faults (share of requests each one fails); returns the error ratio now."""
        if any(not 0.0 <= share <= 1.0 for share in faults.values()):
            raise ValueError("every fault's share must be between 0 and 1")
        with self._lock:
            self._faults.update(faults)
            self._error_credit = 0.0
            return self._error_ratio()

    def mitigate(self, method: str, path: str) -> str | None:
        """A control call from a runbook: clears the fault it addresses (if active); returns its name."""
        fault = MITIGATIONS.get((method, path))
        with self._lock:
            cleared = fault if fault in self._faults else None
            if cleared:
                del self._faults[cleared]
                self._error_credit = 0.0
            self.control_calls.append((method, path, cleared))
            return cleared

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._error_credit = 0.0

    @property
    def faults(self) -> dict[str, float]:
        with self._lock:
            return dict(self._faults)

    def _error_ratio(self) -> float:
        return min(1.0, self._mode.error_ratio + sum(self._faults.values()))

    def handle_checkout(self) -> int:
        """Serve one checkout request: wait the configured latency, fail the configured share."""
        started = time.perf_counter()
        with self._lock:
            latency = self._mode.latency_seconds
            self._error_credit += self._error_ratio()
            failed = self._error_credit >= 1.0 - 1e-9
            if failed:
                self._error_credit -= 1.0
        if latency:
            time.sleep(latency)
        code = 500 if failed else 200
        self.requests.labels(code=str(code)).inc()
        self.duration.observe(time.perf_counter() - started)
        return code

    def metrics_text(self) -> bytes:
        return generate_latest(self.registry)

    def _traffic(self) -> None:
        """One traffic thread: ``GET /checkout`` over a kept-alive connection, paced to its share."""
        interval = TRAFFIC_THREADS / self.rate
        conn: http.client.HTTPConnection | None = None
        while not self._stopping.is_set():
            started = time.monotonic()
            try:
                if conn is None:
                    conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=35)
                conn.request("GET", "/checkout")
                conn.getresponse().read()
            except (OSError, http.client.HTTPException):
                if conn is not None:
                    conn.close()
                conn = None
            self._stopping.wait(max(0.0, interval - (time.monotonic() - started)))
        if conn is not None:
            conn.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "burnwise-demo-checkout/1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - no access log on stderr
        return

    @property
    def service(self) -> CheckoutService:
        return self.server.service  # type: ignore[attr-defined]

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _json(self, status: int, data: dict) -> None:
        self._send(status, json.dumps(data, sort_keys=True).encode())

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if self.path == "/checkout":
            code = self.service.handle_checkout()
            self._json(code, {"status": "ok" if code == 200 else "error"})
        elif self.path == "/metrics":
            self._send(200, self.service.metrics_text(), CONTENT_TYPE_LATEST)
        elif self.path == "/admin/mode":
            self._json(200, asdict(self.service.mode))
        elif self.path in ("/", "/healthz"):
            self._json(200, {"status": "ok", "endpoints": ["/checkout", "/metrics", "/admin/mode"]})
        else:
            self._json(404, {"error": f"no such path {self.path}"})

    def _control(self, method: str) -> None:
        """A runbook's control call: token checked (when set), body read and ignored, fault cleared."""
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        token = self.service.admin_token
        if token and self.headers.get("Authorization") != f"Bearer {token}":
            self._json(401, {"error": "missing or wrong admin token"})
            return
        cleared = self.service.mitigate(method, self.path)
        self._json(200, {"cleared": cleared, "faults": self.service.faults})

    def do_PUT(self) -> None:  # noqa: N802 - http.server naming
        if ("PUT", self.path) in MITIGATIONS:
            self._control("PUT")
        else:
            self._json(404, {"error": f"no such path {self.path}"})

    def do_POST(self) -> None:  # noqa: N802 - http.server naming
        if ("POST", self.path) in MITIGATIONS:
            self._control("POST")
            return
        if self.path != "/admin/mode":
            self._json(404, {"error": f"no such path {self.path}"})
            return
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict) or set(body) - {"error_ratio", "latency_seconds"}:
                raise ValueError("send a JSON object with error_ratio (0..1) and/or latency_seconds")
            mode = self.service.set_mode(
                error_ratio=None if body.get("error_ratio") is None else float(body["error_ratio"]),
                latency_seconds=None if body.get("latency_seconds") is None else float(body["latency_seconds"]),
            )
        except (ValueError, TypeError) as exc:
            self._json(400, {"error": str(exc)})
            return
        self._json(200, asdict(mode))
