"""Delivery targets for the outbox: one small module per target, sharing one result type.

Why one result type: the outbox worker decides retry-or-give-up from it alone (2xx sent;
429, 5xx and network errors retried, after ``Retry-After`` when the target sent one; any other
4xx failed with the reason), whatever the target.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import certifi
import urllib3


@dataclass(frozen=True)
class DeliveryResult:
    ok: bool
    retryable: bool
    status_code: int | None
    error: str | None = None
    retry_after: float | None = None  # seconds the target asked to wait (Retry-After)


def retry_after_seconds(value: str | None) -> float | None:
    """``Retry-After`` as seconds: a number, or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


class HttpPool:
    """Keep-alive connections to the targets' hosts, up to ``connections`` each, on urllib3 directly.

    Why urllib3 and not a ``requests.Session``: a backlog drains at the rate one receiver process
    can hand pages to the pager, and that is CPU-bound (one interpreter lock). Profiled at
    ~450 pages/s, requests' per-call work (environment proxies, ``.netrc`` lookups, hooks,
    cookies, preparing the request) was over half of the HTTP cost and about a quarter of all
    the process did; urllib3, which requests itself sends through, does none of it. Proxies from
    the environment (``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``) are still honoured, read once
    per target URL. Certificates are verified against certifi's bundle, as requests does. The
    pool is as large as the lane's concurrency, so no page pays a new TCP (and TLS) handshake.
    """

    def __init__(self, connections: int) -> None:
        self.connections = max(1, connections)
        self._direct = urllib3.PoolManager(num_pools=4, maxsize=self.connections, ca_certs=certifi.where())
        self._proxied: dict[str, urllib3.ProxyManager] = {}
        self._proxy_for: dict[str, str | None] = {}
        self._lock = threading.Lock()

    def _manager(self, url: str) -> urllib3.PoolManager:
        proxy = self._proxy_for.get(url, "")
        if proxy == "":
            parts = urlsplit(url)
            proxy = getproxies().get(parts.scheme)
            if proxy and proxy_bypass(parts.hostname or ""):
                proxy = None
            self._proxy_for[url] = proxy
        if proxy is None:
            return self._direct
        with self._lock:
            if proxy not in self._proxied:
                self._proxied[proxy] = urllib3.ProxyManager(proxy, num_pools=4, maxsize=self.connections, ca_certs=certifi.where())
            return self._proxied[proxy]

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout: float) -> urllib3.BaseHTTPResponse:
        return self._manager(url).request(
            "POST", url, body=body, headers=headers, timeout=urllib3.Timeout(connect=timeout, read=timeout),
            retries=False, redirect=False,
        )


JSON_HEADERS = {"Content-Type": "application/json", "User-Agent": "burnwise-receiver"}


def post_json(pool: HttpPool, url: str, body: dict, timeout: float, headers: dict | None = None) -> DeliveryResult:
    """POST ``body`` and classify the answer the same way for every target."""
    try:
        response = pool.post(url, json.dumps(body).encode(), {**JSON_HEADERS, **(headers or {})}, timeout)
    except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
        return DeliveryResult(False, True, None, f"network error: {type(exc).__name__}: {exc}"[:500])
    code = response.status
    if 200 <= code < 300:
        return DeliveryResult(True, False, code)
    text = response.data[:400].decode("utf-8", "replace")
    reason = f"HTTP {code}: {text}"
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    return DeliveryResult(False, code == 429 or code >= 500, code, reason, retry_after)
