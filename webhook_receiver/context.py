"""What the HTTP routers share: the store, policy, metrics, worker, writer and config of one app.

Why a small object: each router (Alertmanager ingest, incidents, health) is built from this one
value instead of closing over a dozen locals of one long ``create_app``; tests reach the same
objects through ``app.state``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from burnwise.receiver.auth import token_matches
from burnwise.receiver.batch_writer import BatchWriter
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.metrics import ReceiverMetrics
from burnwise.receiver.outbox import OutboxWorker
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.runbook_hook import RunbookHook
from burnwise.receiver.store import Store
from fastapi import Request

from burnwise.roster.directory import Directory


@dataclass(frozen=True)
class ReceiverContext:
    config: ReceiverConfig
    store: Store
    policy: PagingPolicy
    metrics: ReceiverMetrics
    worker: OutboxWorker
    writer: BatchWriter
    #: the roster as the receiver sees it now (acknowledgement identity, direct pages)
    directory: Directory | None = None
    runbooks: RunbookHook | None = None  # automatic runbook runs (burnwise.receiver.runbook_hook)


class Unauthorized(Exception):
    """Missing or wrong token; the app answers 401 with a WWW-Authenticate header."""


def service_token(ctx: ReceiverContext) -> Callable[[Request], None]:
    """The route dependency of ``/v1`` routes that only the service token opens (a person's
    ``ack_tokens`` token opens the incident commands only): one check, not one per router."""

    def require(request: Request) -> None:
        if not token_matches(request.headers.get("authorization"), ctx.config.auth_token):
            raise Unauthorized

    return require
