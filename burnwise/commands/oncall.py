"""`burnwise oncall who|schedule|validate`: the roster from the terminal.

`who` answers "who do I call right now" (or at any --at), `schedule` shows the coming shifts in
each person's local time, and `validate` is the gate a roster change passes in review (also run
by `burnwise check`).
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Directory
from burnwise.roster.render import schedule_table, who_text
from burnwise.roster.schedule import shifts
from burnwise.roster.validate import validate_oncall

DEFAULT_ROSTER = "oncall/roster.yaml"
DEFAULT_RUNBOOKS = "oncall/runbooks.yaml"


def parse_time(text: str | None, option: str = "--at") -> datetime:
    """ISO 8601 with a UTC offset (``2026-03-29T09:00:00+02:00``, ``...Z``), or ``now``/None for now."""
    if text is None or text == "now":
        return datetime.now(timezone.utc)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BurnwiseError(f"{option} {text!r}: not an ISO 8601 time; write it like 2026-03-29T09:00:00+02:00") from None
    if moment.tzinfo is None:
        raise BurnwiseError(f"{option} {text!r}: no UTC offset; add one, e.g. {text}+00:00 or {text}Z")
    return moment


def add_file_arguments(parser: argparse.ArgumentParser, runbooks: bool = False) -> None:
    parser.add_argument("--roster", type=Path, default=Path(os.environ.get("BURNWISE_ROSTER", DEFAULT_ROSTER)),
                        help=f"roster file (default: $BURNWISE_ROSTER or {DEFAULT_ROSTER})")
    if runbooks:
        parser.add_argument("--runbooks", type=Path,
                            default=Path(os.environ.get("BURNWISE_RUNBOOKS", DEFAULT_RUNBOOKS)),
                            help=f"runbook catalog (default: $BURNWISE_RUNBOOKS or {DEFAULT_RUNBOOKS})")


def _surfaces(directory: Directory, wanted: str | None) -> list[str]:
    names = directory.surfaces()
    if wanted is None:
        return names
    if wanted not in names:
        raise BurnwiseError(f"--surface {wanted!r}: no such surface in the roster; known: {', '.join(names)}")
    return [wanted]


def run_who(args: argparse.Namespace) -> int:
    directory = Directory.load(args.roster, None)
    at = parse_time(args.at)
    names = _surfaces(directory, args.surface)
    if args.json:
        document = {"at": at.astimezone(timezone.utc).isoformat(),
                    "surfaces": [directory.responders(name, at).to_json() for name in names]}
        print(json.dumps(document, indent=2, sort_keys=True))
    else:
        print("\n\n".join(who_text(directory, name, at) for name in names))
    return 0


def run_schedule(args: argparse.Namespace) -> int:
    if args.weeks < 1:
        raise BurnwiseError(f"--weeks {args.weeks}: give a number of weeks of at least 1")
    directory = Directory.load(args.roster, None)
    start = parse_time(args.start, "--from")
    end = start + timedelta(weeks=args.weeks)
    roster = directory.roster
    rows = []
    for name in _surfaces(directory, args.surface):
        rows += shifts(roster, roster.surface(name), start, end)
    print(schedule_table(roster, rows))
    return 0


def run_validate(args: argparse.Namespace) -> int:
    runbooks = args.runbooks
    if not runbooks.exists():
        print(f"note: no runbook catalog at {runbooks}; runbook checks skipped")
        runbooks = None
    findings = validate_oncall(args.roster, runbooks, args.specs, args.rules, now=parse_time(args.at))
    refusals = [f for f in findings if f.is_refusal]
    warnings = [f for f in findings if not f.is_refusal]
    for finding in refusals + warnings:
        print(finding)
    print(f"{len(refusals)} refusal(s), {len(warnings)} warning(s)"
          + ("" if refusals else f": {args.roster} is valid"))
    return 1 if refusals else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    oncall = subparsers.add_parser("oncall", help="who is on call, the shift schedule, roster validation")
    commands = oncall.add_subparsers(dest="oncall_command", metavar="SUBCOMMAND")
    oncall.set_defaults(func=lambda args: (oncall.print_help(), 2)[1])

    who = commands.add_parser("who", help="primary, backup, lead and SMEs for each surface")
    add_file_arguments(who)
    who.add_argument("--surface", help="only this surface (default: all)")
    who.add_argument("--at", help="ISO 8601 time with offset (default: now)")
    who.add_argument("--json", action="store_true", help="print the roster entries as JSON (as pages carry them)")
    who.set_defaults(func=run_who)

    schedule = commands.add_parser("schedule", help="shifts for the coming weeks, in each person's local time")
    add_file_arguments(schedule)
    schedule.add_argument("--surface", help="only this surface (default: all)")
    schedule.add_argument("--weeks", type=int, required=True, help="how many weeks to show")
    schedule.add_argument("--from", dest="start", help="ISO 8601 start time with offset (default: now)")
    schedule.set_defaults(func=run_schedule)

    validate = commands.add_parser("validate", help="refuse untrained, single-person or lead-less rotations; warn on the rest")
    add_file_arguments(validate, runbooks=True)
    validate.add_argument("--specs", type=Path, default=Path("slo_specs"), help="SLO specs (default: slo_specs/)")
    validate.add_argument("--rules", type=Path, default=Path("rendered_rules"), help="rendered rules (default: rendered_rules/)")
    validate.add_argument("--at", help="validate as of this ISO 8601 time (default: now)")
    validate.set_defaults(func=run_validate)
