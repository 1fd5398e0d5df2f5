"""The HTTP app (FastAPI): wires the store, the outbox worker and the routers together.

Why only wiring here: each router does one job - :mod:`routes_alertmanager` (webhooks in),
:mod:`routes_incidents` (commands and reads), :mod:`routes_health` (probes, metrics), the web console under ``/ui/`` - and
:mod:`http_errors` maps store exceptions to answers, :mod:`guard` checks token, media type, size
and depth before any route, :mod:`openapi_doc` completes the OpenAPI document. ``create_app`` builds the shared
:class:`ReceiverContext` and runs the outbox worker and the group-commit writer with the app.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from burnwise.receiver import (
    routes_alertmanager,
    routes_budget,
    routes_deploys,
    routes_escalate,
    routes_health,
    routes_incidents,
    routes_runbooks,
)
from burnwise.receiver.batch_writer import BatchWriter
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.console import routes as console_routes
from burnwise.receiver.console.sources import ConsoleSources
from burnwise.receiver.context import ReceiverContext
from burnwise.receiver.directory_source import load_directory
from burnwise.receiver.guard import RequestGuard
from burnwise.receiver.http_errors import install_handlers
from burnwise.receiver.metrics import ReceiverMetrics
from burnwise.receiver.openapi_doc import install_openapi
from burnwise.receiver.outbox import OutboxWorker
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.roster_reload import ReloadingDirectory
from burnwise.receiver.runbook_hook import RunbookHook
from burnwise.receiver.store import Store, StoreUnavailable
from fastapi import FastAPI
from fastapi.concurrency import run_in_threadpool

from burnwise import __version__
from burnwise.roster.directory import Directory

log = logging.getLogger("burnwise.receiver")


def create_app(
    config: ReceiverConfig,
    *,
    directory: Directory | None = None,
    store: Store | None = None,
    start_worker: bool = True,
    console: ConsoleSources | None = None,
) -> FastAPI:
    """Build the app; the outbox worker runs inside it while the app is up.

    ``console``: what the web console shows beyond the store and roster (SLOs, reports); the
    command line fills it, without it those pages say they are not configured.
    """
    store = store or Store.from_url(config.database_url)
    if directory is None and console is not None:
        directory = console.directory
    directory = directory if directory is not None else reloading_directory(config)
    console = console or ConsoleSources(directory=directory, prometheus_url=config.prometheus_url)
    policy = PagingPolicy(
        base_url=config.base_url,
        default_routing_key=config.pagerduty_routing_key,
        ticket_enabled=bool(config.ticket_url),
        chat_enabled=bool(config.chat_url),
        role_routing_keys=dict(config.role_routing_keys),
        paging_enabled=config.paging,
    )
    metrics = ReceiverMetrics(outbox_depth=store.outbox_depth)
    worker = OutboxWorker(store, config, policy, metrics)
    writer = BatchWriter(store, directory, policy)
    runbooks = RunbookHook(config, store, policy, metrics.registry, wake=worker.wake)
    ctx = ReceiverContext(config=config, store=store, policy=policy, metrics=metrics, worker=worker, writer=writer,
                          directory=directory, runbooks=runbooks)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        try:
            await run_in_threadpool(store.ensure_schema)
        except StoreUnavailable as exc:
            log.warning("database not reachable at start (%s); answering 503 until it is", exc)
        if start_worker:
            worker.start()
        if isinstance(directory, ReloadingDirectory):
            directory.on_refused = lambda _reason: metrics.roster_reloads.labels(outcome="refused").inc()
            directory.on_loaded = lambda: metrics.roster_reloads.labels(outcome="loaded").inc()
            directory.start(config.roster_reload_seconds)
        try:
            yield
        finally:
            writer.stop()  # answers every queued payload before the process ends
            runbooks.stop()  # running runbooks stop at their next check; their lease lets a replica resume
            if start_worker:
                worker.stop()
            if isinstance(directory, ReloadingDirectory):
                directory.stop()

    app = FastAPI(
        title="burnwise receiver",
        version=__version__,
        description="Alertmanager webhook payloads in, durable incident records, pages out.",
        lifespan=lifespan,
    )
    app.state.store = store
    app.state.metrics = metrics
    app.state.worker = worker
    app.state.writer = writer
    app.state.config = config
    app.state.context = ctx
    app.state.directory = directory
    install_handlers(app)
    app.add_middleware(RequestGuard, config=config, metrics=metrics)
    app.include_router(routes_alertmanager.router(ctx))
    app.include_router(routes_incidents.router(ctx))
    app.include_router(routes_escalate.router(ctx))
    app.include_router(routes_deploys.router(ctx))
    app.include_router(routes_runbooks.router(ctx))
    app.include_router(routes_budget.router(ctx, directory))
    app.include_router(routes_health.router(ctx))
    console_routes.mount(app, ctx, console)
    install_openapi(app)
    return app


def reloading_directory(config: ReceiverConfig) -> Directory:
    """The roster files as a directory that reloads itself on change; a factory's or the empty one as is."""
    loaded = load_directory(config)
    if config.directory_factory or (config.roster is None and config.runbooks is None):
        return loaded
    return ReloadingDirectory(loaded, config.roster, config.runbooks)
