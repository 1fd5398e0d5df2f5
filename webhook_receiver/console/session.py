"""Console sessions and cross-site request protection: signed cookies and per-session form tokens.

Why its own module: the API takes a bearer token on every call, a browser cannot. After the login
form checks the token (constant time, :func:`burnwise.receiver.auth.token_matches`), the console
sets an HttpOnly, SameSite=Strict cookie signed with a key derived from the token, so changing the
token logs everybody out. Every state-changing form carries a synchronizer token derived from the
session id; a cross-site POST has neither the cookie (SameSite) nor the token, and changes nothing.
Without a configured token (the API is open then too) the console still gives each browser an
anonymous session so that forms keep their cross-site protection.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets

COOKIE = "burnwise_session"
#: feeds (.ics) are fetched by calendar apps that send no cookie: a key per feed path instead
FEED_PURPOSE = "ics-feed"


class Sessions:
    """Sign and check session cookies, form tokens and feed keys with one key."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        # the token's own digest keeps sessions valid across restarts; no token: a key per process
        seed = token.encode("utf-8") if token else secrets.token_bytes(32)
        self._key = hashlib.sha256(b"burnwise-console\0" + seed).digest()

    def _mac(self, purpose: str, value: str) -> str:
        return hmac.new(self._key, f"{purpose}\0{value}".encode(), hashlib.sha256).hexdigest()

    def new_cookie(self, signed_in: bool, name: str = "") -> str:
        payload = {"sid": secrets.token_urlsafe(16), "in": signed_in, "name": name[:80]}
        body = base64.urlsafe_b64encode(json.dumps(payload, sort_keys=True).encode()).decode().rstrip("=")
        return f"{body}.{self._mac('session', body)}"

    def read_cookie(self, value: str | None) -> dict | None:
        """The session's payload when the cookie is ours and unaltered, else None."""
        if not value or "." not in value:
            return None
        body, _, mac = value.rpartition(".")
        if not hmac.compare_digest(mac, self._mac("session", body)):
            return None
        try:
            payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        except (ValueError, UnicodeDecodeError):
            return None
        return payload if isinstance(payload, dict) and isinstance(payload.get("sid"), str) else None

    def signed_in(self, session: dict | None) -> bool:
        return not self.token or bool(session and session.get("in"))

    def csrf_token(self, session: dict) -> str:
        return self._mac("csrf", session["sid"])

    def csrf_ok(self, session: dict | None, submitted: str | None) -> bool:
        if session is None or not submitted:
            return False
        return hmac.compare_digest(submitted, self.csrf_token(session))

    def feed_key(self, path: str) -> str:
        return self._mac(FEED_PURPOSE, path)[:32]

    def feed_key_ok(self, path: str, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(submitted, self.feed_key(path))
