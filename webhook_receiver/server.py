"""Run the receiver under uvicorn: config in, a listening service out, clean stop on SIGTERM.

Why a module: ``burnwise serve`` and anything else that embeds the receiver share one way to start
it (logging, single worker process, the outbox thread inside the app's lifespan).
"""

from __future__ import annotations

import logging

import uvicorn
from burnwise.receiver.api import create_app
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.startup_checks import check_startup


def serve(config: ReceiverConfig) -> None:
    logging.basicConfig(
        level=config.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    app = create_app(config)  # config and roster mistakes first: they name the file and key
    check_startup(config)  # then refuse an unsafe configuration (BurnwiseError, one line) before listening
    uvicorn.run(app, host=config.host, port=config.port, log_level=config.log_level, access_log=False)
