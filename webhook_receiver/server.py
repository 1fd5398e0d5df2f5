"""Run the receiver under uvicorn: config in, a listening service out, clean stop on SIGTERM.

Why a module: ``burnwise serve`` and anything else that embeds the receiver share one way to start
it (logging, single worker process, the outbox thread inside the app's lifespan).
"""

from __future__ import annotations

import logging

import uvicorn
from burnwise.receiver.api import create_app
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.console.sources import ConsoleSources
from burnwise.receiver.store import Store


def serve(config: ReceiverConfig, console: ConsoleSources | None = None, store: Store | None = None) -> None:
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(config, console=console, store=store)
    if not config.pagerduty_routing_key:
        logging.getLogger("burnwise.receiver").warning(
            "no default PagerDuty routing key (BURNWISE_PAGERDUTY_ROUTING_KEY): pages without a roster key are skipped"
        )
    uvicorn.run(app, host=config.host, port=config.port, log_level=config.log_level, access_log=False)
