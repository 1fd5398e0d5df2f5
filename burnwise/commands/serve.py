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
    parser.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="start without an auth token (every route open to anyone who reaches the port); logged as a WARNING",
    )
    parser.add_argument(
        "--without-paging",
        action="store_true",
        help="run without paging (config paging: false): pages are recorded as skipped; "
        "without it the receiver refuses to start when no page has a route",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from burnwise.receiver.config import load_config
    from burnwise.receiver.api import reloading_directory
    from burnwise.receiver.server import serve
    from burnwise.receiver.store import Store
    from burnwise.reports.console_feed import console_sources

    config = load_config(args.config)
    if args.insecure_no_auth:
        config.insecure_no_auth = True
    if getattr(args, "without_paging", False):
        config.paging = False
    # the web console's SLO page and reports read the specs, which only the generator may load
    store = Store.from_url(config.database_url)
    directory = reloading_directory(config)
    serve(config, console_sources(config, directory, store), store, directory)
    return 0
