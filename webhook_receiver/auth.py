"""Shared-token authentication for the HTTP API.

Why both schemes: Alertmanager's ``webhook_configs`` can send ``authorization: {credentials: T}``
(a Bearer header) or ``basic_auth`` (any user name, the token as password). The comparison is
constant-time so response timing reveals nothing about the token.
"""

from __future__ import annotations

import base64
import binascii
import hmac


def token_matches(authorization: str | None, token: str | None) -> bool:
    """True when no token is configured, or the header carries it as Bearer or Basic password."""
    if not token:
        return True
    if not authorization:
        return False
    scheme, _, value = authorization.strip().partition(" ")
    value = value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        value = decoded.partition(":")[2]
    elif scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(value.encode("utf-8"), token.encode("utf-8"))
