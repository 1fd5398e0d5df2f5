"""`burnwise deploy record --service S [--at TIME] --text ... [--by ...]`: CI records what it shipped.

Why a command: a deploy pipeline's last step calls it (or ``POST /v1/deploys``) so handoffs and
postmortems show the deploy at the time it went out. It talks to a running receiver like
`burnwise incident` does (``--url``/``$BURNWISE_URL``, ``--token``/``$BURNWISE_AUTH_TOKEN``).
"""

from __future__ import annotations

import argparse
import os

from burnwise.commands.incident import _call, _print


def register(subparsers) -> None:
    parser = subparsers.add_parser("deploy", help="record deploys for handoffs and postmortems")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    p = actions.add_parser("record", help="record one deploy (for CI pipelines)")
    p.add_argument("--service", required=True)
    p.add_argument("--text", required=True, help="what went out, e.g. 'checkout v3.2 (model ranker-7)'")
    p.add_argument("--at", default=None, help="when it went out (ISO 8601 with zone); default now")
    p.add_argument("--by", default=os.environ.get("USER", "ci"))
    p.add_argument("--url", default=None, help="receiver base URL (default: $BURNWISE_URL or http://127.0.0.1:9095)")
    p.add_argument("--token", default=None, help="API token (default: $BURNWISE_AUTH_TOKEN)")
    p.add_argument("--json", action="store_true", help="print the raw JSON answer")
    p.set_defaults(func=_record)
    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _record(args: argparse.Namespace) -> int:
    body = {"service": args.service, "text": args.text, "by": args.by} | ({"at": args.at} if args.at else {})
    data = _call(args, "POST", "/v1/deploys", body)
    return _print(args, data, f"deploy {data['id']} recorded: {data['service']} at {data['at']}: {data['text']}")
