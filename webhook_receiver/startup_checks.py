"""Checks ``burnwise serve`` runs before it listens: refuse an unsafe configuration, warn loudly.

Why one function: the receiver is secure by default - without a token it does not start unless the
operator says so explicitly (``--insecure-no-auth`` or ``insecure_no_auth: true``), and then every
start logs a WARNING. Other start-up refusals belong here too, so they stay in one place.
"""

from __future__ import annotations

import logging

from burnwise.receiver.config import ReceiverConfig

from burnwise.errors import BurnwiseError

log = logging.getLogger("burnwise.receiver")


def check_startup(config: ReceiverConfig) -> None:
    """Raise :class:`BurnwiseError` (one line, what to do) for a configuration that must not start."""
    if not config.auth_token:
        if not config.insecure_no_auth:
            raise BurnwiseError(
                "no auth token: set auth_token in the config file or BURNWISE_AUTH_TOKEN, "
                "or start with --insecure-no-auth (or insecure_no_auth: true) to run without one"
            )
        log.warning(
            "INSECURE: no auth token configured (insecure_no_auth); anyone who reaches %s can resolve incidents "
            "and send pages", config.listen
        )
    elif config.insecure_no_auth:
        log.warning("insecure_no_auth is set but an auth token is configured: the token is required")
    if config.auth_token and config.public_metrics:
        log.info("/metrics is public (public_metrics)")
    if config.auth_token and config.public_docs:
        log.info("/docs and /openapi.json are public (public_docs)")
    if not config.pagerduty_routing_key:
        log.warning(
            "no default PagerDuty routing key (BURNWISE_PAGERDUTY_ROUTING_KEY): pages without a roster key are skipped"
        )
