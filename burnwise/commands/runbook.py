"""`burnwise runbook list|show|run|stop`: read the runbook catalog, run an incident's runbook, stop a run.

``run`` reads the incident through the receiver's API (like `burnwise incident`), takes the run
lease in the receiver's database (so a CLI run and a receiver replica never run the same incident
at once), and prints every step as it happens. ``--dry-run`` prints exactly what each step would
call, secrets masked, and calls nothing. Exit status: 0 when the SLI recovered (or already had),
or for a dry run; 1 when the run failed, stopped or did not recover (the message says which).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from burnwise.errors import BurnwiseError
from burnwise.roster.load import load_catalog
from burnwise.roster.render import runbook_list, runbook_text
from burnwise.runbooks.incidents import ReceiverClient
from burnwise.runbooks.lease import RunLeases
from burnwise.runbooks.runner import RunOptions, RunReport, run_runbook
from burnwise.runbooks.verify import DEFAULT_WINDOW

DEFAULT_RUNBOOKS = "oncall/runbooks.yaml"
DEFAULT_RECEIVER = "http://127.0.0.1:9095"
DEFAULT_PROMETHEUS = "http://127.0.0.1:9090"
DEFAULT_DATABASE = "sqlite:///burnwise.db"
GOOD = ("recovered", "already-healthy", "dry-run")


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


def _confirm(instructions: str) -> bool:
    print(f"  manual step: {instructions}", flush=True)
    try:
        answer = input("  done? type 'yes' when it is done, anything else stops the run: ")
    except EOFError:
        return False
    return answer.strip().lower() in ("y", "yes")


def print_report(report: RunReport) -> None:
    if report.outcome == "dry-run":
        print(f"Dry run of runbook {report.runbook_id} for incident #{report.incident_id} (nothing is called):")
        for step in report.steps:
            print(f"  {step.number}. [{step.step_class}] {step.title}")
            print(f"     call:   {step.call}")
            print(f"     then:   {step.detail}")
        return
    print(f"runbook {report.runbook_id}, incident #{report.incident_id}: {report.outcome}: {report.message}")
    applied = ", ".join(map(str, report.applied)) or "none"
    not_needed = ", ".join(map(str, report.not_needed)) or "none"
    print(f"  applied: {applied}; not needed: {not_needed}")
    if report.escalation:
        print(f"  escalation: {report.escalation}")


def run_run(args: argparse.Namespace) -> int:
    catalog = load_catalog(args.runbooks)
    options = RunOptions(
        dry_run=args.dry_run, window=args.window, settle_seconds=args.settle, actor=args.by, rerun=args.again,
        confirm=_confirm if sys.stdin.isatty() else None, out=lambda line: print(line, flush=True),
    )
    report = run_runbook(
        args.incident_id, database=args.database, catalog=catalog, prometheus_url=args.prometheus,
        incidents=ReceiverClient(args.url, args.token), runbook_id=args.runbook, options=options,
    )
    print_report(report)
    return 0 if report.outcome in GOOD else 1


def run_stop(args: argparse.Namespace) -> int:
    asked = RunLeases(args.database).request_stop(args.incident_id, args.by)
    if not asked:
        raise BurnwiseError(f"incident {args.incident_id}: no runbook is running")
    print(f"incident {args.incident_id}: asked the running runbook to stop (it stops before its next step)")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    runbook = subparsers.add_parser("runbook", help="list, show, run or stop runbooks")
    commands = runbook.add_subparsers(dest="runbook_command", metavar="SUBCOMMAND")
    runbook.set_defaults(func=lambda args: (runbook.print_help(), 2)[1])
    default = Path(os.environ.get("BURNWISE_RUNBOOKS", DEFAULT_RUNBOOKS))
    database = os.environ.get("BURNWISE_DATABASE_URL", DEFAULT_DATABASE)
    user = os.environ.get("USER", "cli")
    for name, func, text in (("list", run_list, "every runbook: id, owner, review date, what it matches"),
                             ("show", run_show, "one runbook with its ordered steps"),
                             ("run", run_run, "run an incident's runbook: steps in order, stop once the SLI recovers"),
                             ("stop", run_stop, "ask a running runbook of an incident to stop")):
        sub = commands.add_parser(name, help=text)
        if name in ("list", "show", "run"):
            sub.add_argument("--runbooks", type=Path, default=default,
                             help=f"runbook catalog (default: $BURNWISE_RUNBOOKS or {DEFAULT_RUNBOOKS})")
        if name == "show":
            sub.add_argument("id", help="runbook id (see `burnwise runbook list`)")
        if name in ("run", "stop"):
            sub.add_argument("incident_id", type=int, metavar="INCIDENT_ID")
            sub.add_argument("--database", default=database,
                             help="the receiver's database, holding the run lease (default: $BURNWISE_DATABASE_URL "
                                  f"or {DEFAULT_DATABASE})")
            sub.add_argument("--by", default=user, help="who runs or stops it (default: $USER)")
        if name == "run":
            sub.add_argument("--runbook", default=None, metavar="NAME",
                             help="runbook id (default: the most specific one matching the incident)")
            sub.add_argument("--dry-run", action="store_true", help="print what each step would call; call nothing")
            sub.add_argument("--prometheus", default=os.environ.get("BURNWISE_PROMETHEUS_URL", DEFAULT_PROMETHEUS),
                             metavar="URL", help=f"Prometheus base URL (default: $BURNWISE_PROMETHEUS_URL or {DEFAULT_PROMETHEUS})")
            sub.add_argument("--url", default=os.environ.get("BURNWISE_URL", DEFAULT_RECEIVER),
                             help=f"receiver base URL (default: $BURNWISE_URL or {DEFAULT_RECEIVER})")
            sub.add_argument("--token", default=os.environ.get("BURNWISE_AUTH_TOKEN"),
                             help="receiver API token (default: $BURNWISE_AUTH_TOKEN)")
            sub.add_argument("--window", default=DEFAULT_WINDOW,
                             help=f"the SLO short window the default check reads (default: {DEFAULT_WINDOW})")
            sub.add_argument("--settle", type=float, default=None, metavar="SECONDS",
                             help="wait this long after every step instead of each step's settle time")
            sub.add_argument("--again", action="store_true",
                             help="run once more although a run of this incident episode already finished")
        sub.set_defaults(func=func)
