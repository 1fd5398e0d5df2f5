"""`burnwise serve`: run the Alertmanager webhook receiver."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run the Alertmanager webhook receiver (incidents, pages, escalation)",
        description="Run the webhook receiver. Config: --config FILE (default ./receiver.yaml when present), "
        "then BURNWISE_* environment variables override it. See docs/receiver.md.",
    )
    parser.add_argument("--config", type=Path, default=None, help="receiver YAML config file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from burnwise.receiver.config import load_config
    from burnwise.receiver.directory_source import load_directory
    from burnwise.receiver.server import serve
    from burnwise.receiver.store import Store
    from burnwise.reports.console_feed import console_sources

    config = load_config(args.config)
    # the web console's SLO page and reports read the specs, which only the generator may load
    store = Store.from_url(config.database_url)
    serve(config, console_sources(config, load_directory(config), store), store)
    return 0
