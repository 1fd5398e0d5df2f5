"""`burnwise alertmanager-config`: the Alertmanager routing tree, receivers and inhibition rules.

The committed copy (`rendered_rules/alertmanager.yaml`) is written by `burnwise generate` with
the defaults; this command is for everything else: another receiver URL or token file, short
timings for a demo or a test, or a fragment to merge into a configuration kept by hand.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from burnwise.commands.generate import add_spec_arguments, spec_paths
from burnwise.commands.roster_claims import load_surface_claims
from burnwise.errors import BurnwiseError
from burnwise.generator.alertmanager import (
    DEFAULT_CREDENTIALS_FILE,
    DEFAULT_RECEIVER_URL,
    Options,
    check_receiver_url,
    render_config,
)
from burnwise.durations import DurationError, parse_duration
from burnwise.generator.loader import load_specs
from burnwise.layout import ROSTER_FILE

DEFAULT_ROSTER = ROSTER_FILE


def _duration(text: str) -> int:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _roster_path(args: argparse.Namespace) -> Path | None:
    if args.no_roster:
        return None
    if args.roster is not None:
        if not args.roster.is_file():
            raise BurnwiseError(f"--roster {args.roster.as_posix()}: no such file; give the roster path or use --no-roster")
        return args.roster
    return DEFAULT_ROSTER if DEFAULT_ROSTER.is_file() else None


def run_alertmanager_config(args: argparse.Namespace) -> int:
    options = Options(
        receiver_url=check_receiver_url(args.receiver_url),
        credentials_file=None if args.no_credentials else args.credentials_file,
        full=args.full,
    ).with_timing(args.group_wait, args.group_interval, args.repeat_interval)
    specs = load_specs(spec_paths(args))
    roster = _roster_path(args)
    claims = load_surface_claims(roster) if roster is not None else []
    text = render_config(specs, claims, options, roster.as_posix() if roster is not None else None)
    if args.out is None or str(args.out) == "-":
        sys.stdout.write(text)
        return 0
    if args.out.exists() and args.out.read_text(encoding="utf-8") == text:
        print(f"unchanged {args.out.as_posix()}")
        return 0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out.as_posix()} ({'whole file' if args.full else 'fragment'}, {len(specs)} service(s))")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "alertmanager-config",
        help="generate Alertmanager routes, receivers and inhibition rules from the specs and the roster",
        description=(
            "Write an Alertmanager configuration fragment (routes, receivers, inhibit_rules), or with "
            "--full a whole file, that routes burnwise alerts per surface: sev1/sev2 to the receiver's "
            "page endpoint, sev3 to its ticket endpoint, a faster burn inhibiting the slower ones."
        ),
    )
    add_spec_arguments(parser)
    parser.add_argument(
        "--receiver-url", default=DEFAULT_RECEIVER_URL, help=f"base URL of `burnwise serve` (default: {DEFAULT_RECEIVER_URL})"
    )
    auth = parser.add_mutually_exclusive_group()
    auth.add_argument(
        "--credentials-file",
        default=DEFAULT_CREDENTIALS_FILE,
        help=f"file holding the receiver's token, read by Alertmanager (default: {DEFAULT_CREDENTIALS_FILE})",
    )
    auth.add_argument("--no-credentials", action="store_true", help="send no Authorization header (receiver without a token)")
    roster = parser.add_mutually_exclusive_group()
    roster.add_argument("--roster", type=Path, help=f"on-call roster (default: {DEFAULT_ROSTER} when present)")
    roster.add_argument("--no-roster", action="store_true", help="route by the specs' owner fields only")
    parser.add_argument("--out", type=Path, help="file to write (default: standard output)")
    parser.add_argument("--full", action="store_true", help="a whole Alertmanager file, with a default route for unclaimed alerts")
    parser.add_argument("--group-wait", type=_duration, help="group_wait for every severity (default: sev1 30s, sev2 1m, sev3 5m)")
    parser.add_argument(
        "--group-interval", type=_duration, help="group_interval for every severity (default: sev1/sev2 5m, sev3 30m)"
    )
    parser.add_argument(
        "--repeat-interval", type=_duration, help="repeat_interval for every severity (default: sev1 1h, sev2 4h, sev3 1d)"
    )
    parser.set_defaults(func=run_alertmanager_config)
