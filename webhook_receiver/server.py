"""Run the receiver under uvicorn: config in, a listening service out, clean stop on SIGTERM.

Why a module: ``burnwise serve`` and anything else that embeds the receiver share one way to start
it (logging, single worker process, the outbox thread inside the app's lifespan).
"""

from __future__ import annotations

import logging

import os

import uvicorn
from burnwise.receiver.api import create_app, reloading_directory
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.console.sources import ConsoleSources
from burnwise.receiver.store import Store
from burnwise.receiver.startup_checks import check_startup

from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Directory

log = logging.getLogger("burnwise.receiver")


def refuse_paging_without_route(config: ReceiverConfig, directory: Directory) -> None:
    """Refuse to start a paging receiver that has no route for any page at all.

    Why: such a receiver accepts every alert and records every page as not sent; a team would
    learn it only when nobody was woken. A route is the default ``pagerduty_routing_key``, a
    ``role_routing_keys`` entry, a roster surface with a ``routing_key`` (or its environment
    variable set), or a ``directory_factory`` (its routing is the factory's). ``paging: false``
    (``burnwise serve --without-paging``) says the deployment knowingly runs without paging.
    """
    if not config.paging:
        log.warning("paging is off (paging: false): PagerDuty pages are recorded as skipped, never sent")
        return
    if config.pagerduty_routing_key or config.role_routing_keys or config.directory_factory:
        return
    roster = directory.roster
    for surface in roster.surfaces if roster is not None else []:
        if surface.routing_key or (surface.routing_key_env and os.environ.get(surface.routing_key_env)):
            return
    raise BurnwiseError(
        "paging is on but no page has a route: set pagerduty_routing_key (BURNWISE_PAGERDUTY_ROUTING_KEY) as the "
        "default route, a routing_key on the roster's surfaces, or role_routing_keys; or run without paging "
        "(paging: false in the config, or burnwise serve --without-paging)"
    )


def serve(
    config: ReceiverConfig,
    console: ConsoleSources | None = None,
    store: Store | None = None,
    directory: Directory | None = None,
) -> None:
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    directory = directory if directory is not None else reloading_directory(config)
    # config and roster mistakes first: they name the file and key
    app = create_app(config, directory=directory, console=console, store=store)
    check_startup(config)  # then refuse an unsafe configuration (BurnwiseError, one line) before listening
    refuse_paging_without_route(config, directory)
    if config.paging and not config.pagerduty_routing_key:
        log.warning(
            "no default PagerDuty routing key (BURNWISE_PAGERDUTY_ROUTING_KEY): pages without a roster key are skipped"
        )
    uvicorn.run(app, host=config.host, port=config.port, log_level=config.log_level, access_log=False)
