"""`burnwise convert --from sloth|openslo|pyrra|jsonnet FILE`: other SLO formats to `burnwise/v1` YAML."""

from __future__ import annotations

import argparse
from pathlib import Path

from burnwise.errors import BurnwiseError
from burnwise.generator.convert import FORMATS, convert_file
from burnwise.durations import DurationError, parse_duration
from burnwise.output import emit


def run_convert(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise BurnwiseError(f"{args.file}: no such file; name a Sloth, OpenSLO or Pyrra spec file")
    period = None
    if args.period:
        try:
            period = parse_duration(args.period)
        except DurationError as exc:
            raise BurnwiseError(f"--period: {exc}") from None
    if args.windows and args.source_format != "sloth":
        raise BurnwiseError("--windows reads Sloth AlertWindows files; use it with --from sloth")
    text = convert_file(args.file, args.source_format, period=period, windows=args.windows)
    emit(text, args.out)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("convert", help="convert a Sloth, OpenSLO or Pyrra spec into burnwise/v1 YAML")
    parser.add_argument("--from", dest="source_format", choices=FORMATS, required=True, help="input format")
    parser.add_argument("file", type=Path, help="the Sloth, OpenSLO or Pyrra file")
    parser.add_argument("--out", type=Path, help="write here instead of stdout")
    parser.add_argument("--period", help="SLO period for Sloth specs (Sloth's --default-slo-period; default 30d)")
    parser.add_argument(
        "--windows", type=Path, action="append", default=[],
        help="Sloth AlertWindows file(s); windows for the SLO period become tier overrides",
    )
    parser.set_defaults(func=run_convert)
