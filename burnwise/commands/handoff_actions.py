"""`burnwise handoff annotate|false-positive|accept`: the people's part of a handoff, kept in the log.

The draft (`burnwise handoff --surface S`) is the report's part; these record judgement: the
outgoing engineer's annotations, alerts known to be false positives with their tuning ticket, and
the incoming engineer's sign-off after the live walkthrough (with whom, when, what they carry
over). Names are checked against the roster, so a typo is an error listing the known ones.
The log is :mod:`burnwise.reports.handoff_log`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from burnwise.errors import BurnwiseError


def _checked(args):
    from burnwise.commands.report_inputs import load_directory as _directory
    from burnwise.reports.known import check_person, check_surface

    directory = _directory(args)
    if directory is None or directory.roster is None:
        raise BurnwiseError("a roster is needed to check names: pass --roster (or set BURNWISE_ROSTER)")
    check_surface(args.surface, directory, [], [])
    check_person(args.by, directory, "--by")
    return directory


def run_annotate(args: argparse.Namespace) -> int:
    from burnwise.reports.handoff_log import annotate, load_log, save_log
    from burnwise.reports.timing import parse_instant

    _checked(args)
    log = load_log(args.log)
    record = annotate(log, args.surface, args.text, args.by, parse_instant(args.at))
    save_log(args.log, log)
    print(f"handoff for {args.surface} is at version {record.version} with {len(record.annotations)} annotation(s)")
    return 0


def run_false_positive(args: argparse.Namespace) -> int:
    from burnwise.reports.handoff_log import load_log, mark_false_positive, save_log
    from burnwise.reports.timing import parse_instant

    _checked(args)
    if args.ticket is None and not args.clear:
        raise BurnwiseError("--ticket is required (the tuning ticket), or --clear to remove the mark")
    log = load_log(args.log)
    mark_false_positive(log, args.surface, args.alert, None if args.clear else args.ticket, args.by,
                        parse_instant(args.at))
    save_log(args.log, log)
    print(f"{args.alert} on {args.surface}: " + ("mark cleared" if args.clear else
                                                 f"known false positive, tuning ticket {args.ticket}"))
    return 0


def run_accept(args: argparse.Namespace) -> int:
    from burnwise.reports.handoff_log import accept, load_log, save_log
    from burnwise.reports.known import check_person
    from burnwise.reports.timing import parse_instant

    directory = _checked(args)
    people = [p.strip() for p in args.with_people.split(",") if p.strip()]
    for person in people:
        check_person(person, directory, "--with")
    at = parse_instant(args.at)
    log = load_log(args.log)
    record = accept(log, args.surface, args.by, at, parse_instant(args.walkthrough_at, "--walkthrough-at"), people,
                    args.carry or [])
    save_log(args.log, log)
    print(f"handoff for {args.surface} accepted by {args.by} (version {record.version}); "
          f"{len(record.accepted.carried_over)} item(s) carried over")
    return 0


def register_actions(parser: argparse.ArgumentParser, default_log: Path) -> None:
    actions = parser.add_subparsers(dest="handoff_action", metavar="ACTION")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--surface", required=True, help="roster surface")
        p.add_argument("--by", required=True, help="your roster id")
        p.add_argument("--at", default=None, help="ISO time (default: now)")
        p.add_argument("--roster", type=Path, default=None, help="roster file (default: the receiver's, else oncall/roster.yaml)")
        p.add_argument("--config", type=Path, default=None, help="receiver config file (default ./receiver.yaml when present)")
        p.add_argument("--log", type=Path, default=default_log, help=f"handoff log (default {default_log.as_posix()})")

    p = actions.add_parser("annotate", help="outgoing engineer: add what the next primary should worry about")
    common(p)
    p.add_argument("--text", required=True, help="the annotation")
    p.set_defaults(func=run_annotate)

    p = actions.add_parser("false-positive", help="mark a noisy alert as a known false positive with its tuning ticket")
    common(p)
    p.add_argument("--alert", required=True, help="alert name")
    p.add_argument("--ticket", default=None, help="the tuning ticket")
    p.add_argument("--clear", action="store_true", help="remove the mark")
    p.set_defaults(func=run_false_positive)

    p = actions.add_parser("accept", help="incoming engineer: sign off after the live walkthrough")
    common(p)
    p.add_argument("--walkthrough-at", required=True, help="ISO time the live walkthrough happened")
    p.add_argument("--with", dest="with_people", required=True, help="who walked you through it (roster ids, comma separated)")
    p.add_argument("--carry", action="append", default=None, help="an item you carry over into your shift (repeat)")
    p.set_defaults(func=run_accept)
