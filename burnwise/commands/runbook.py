"""`burnwise runbook list|show ID`: read the runbook catalog from the terminal."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from burnwise.errors import BurnwiseError
from burnwise.roster.load import load_catalog
from burnwise.roster.render import runbook_list, runbook_text

DEFAULT_RUNBOOKS = "oncall/runbooks.yaml"


def run_list(args: argparse.Namespace) -> int:
    print(runbook_list(load_catalog(args.runbooks)))
    return 0


def run_show(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.runbooks)
    runbook = catalog.get(args.id)
    if runbook is None:
        known = ", ".join(sorted(r.id for r in catalog.runbooks))
        raise BurnwiseError(f"no runbook {args.id!r} in {args.runbooks}; known ids: {known}")
    print(runbook_text(runbook))
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    runbook = subparsers.add_parser("runbook", help="list runbooks or show one")
    commands = runbook.add_subparsers(dest="runbook_command", metavar="SUBCOMMAND")
    runbook.set_defaults(func=lambda args: (runbook.print_help(), 2)[1])
    default = Path(os.environ.get("BURNWISE_RUNBOOKS", DEFAULT_RUNBOOKS))
    for name, func, text in (("list", run_list, "every runbook: id, owner, review date, what it matches"),
                             ("show", run_show, "one runbook with its ordered steps")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument("--runbooks", type=Path, default=default,
                         help=f"runbook catalog (default: $BURNWISE_RUNBOOKS or {DEFAULT_RUNBOOKS})")
        if name == "show":
            sub.add_argument("id", help="runbook id (see `burnwise runbook list`)")
        sub.set_defaults(func=func)
