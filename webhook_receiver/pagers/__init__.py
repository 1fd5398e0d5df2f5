"""Delivery targets for the outbox: one small module per target, sharing one result type.

Why one result type: the outbox worker decides retry-or-give-up from it alone (2xx sent;
429, 5xx and network errors retried, after ``Retry-After`` when the target sent one; any other
4xx failed with the reason), whatever the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import requests
import requests.adapters


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


def pooled_session(connections: int) -> requests.Session:
    """A session keeping up to ``connections`` connections alive to each host.

    Why: a lane delivers ``concurrency`` pages at once through one session; requests' default
    pool keeps 10 per host, so with more in flight the extra connections were closed after each
    page and every page past the tenth paid a new TCP (and TLS) handshake.
    """
    session = requests.Session()
    adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(1, connections))
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def post_json(session: requests.Session, url: str, body: dict, timeout: float, headers: dict | None = None) -> DeliveryResult:
    """POST ``body`` and classify the answer the same way for every target."""
    try:
        response = session.post(url, json=body, timeout=timeout, headers=headers or {})
    except requests.RequestException as exc:
        return DeliveryResult(False, True, None, f"network error: {type(exc).__name__}: {exc}"[:500])
    code = response.status_code
    if 200 <= code < 300:
        return DeliveryResult(True, False, code)
    reason = f"HTTP {code}: {response.text[:400]}"
    retry_after = retry_after_seconds(response.headers.get("Retry-After"))
    return DeliveryResult(False, code == 429 or code >= 500, code, reason, retry_after)
