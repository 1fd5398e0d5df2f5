"""`burnwise backtest`: replay error scenarios against the rules through promtool, print the numbers.

Per SLO and scenario: detection time per tier, reset time, whether anyone was paged, budget spent
before the first page, and the Workbook's theoretical detection time beside it. Built-in scenarios
cover outages, steady burns, blips, a slow leak, flapping, zero and low traffic; `--scenarios FILE`
replaces them with your own (e.g. a real incident). See docs/testing.md.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from burnwise.commands.generate import add_spec_arguments, spec_paths
from burnwise.errors import BurnwiseError
from burnwise.generator.proof.backtest import FINE_LIMIT, builtin_scenarios, format_table, run_backtest
from burnwise.durations import DurationError, parse_duration
from burnwise.generator.loader import load_specs
from burnwise.generator.proof.scenarios import load_scenarios


def _duration(text: str) -> int:
    try:
        return parse_duration(text)
    except DurationError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def run(args: argparse.Namespace) -> int:
    specs = load_specs(spec_paths(args))
    scenarios = None
    if args.scenarios:
        scenarios = []
        for path in args.scenarios:
            scenarios += load_scenarios(path)
    if args.only:
        known = sorted({s.name for s in scenarios} if scenarios else {s.name for s in builtin_scenarios(specs[0].spec.slos[0])})
        unknown = sorted(set(args.only) - set(known))
        if unknown:
            raise BurnwiseError(f"--only {', '.join(unknown)}: no such scenario (known: {', '.join(known)})")
    if args.eval_interval is not None and args.eval_interval % 60:
        raise BurnwiseError("--eval-interval must be whole minutes (input samples are one minute apart)")
    results = run_backtest(
        specs,
        scenarios,
        history=args.history,
        interval=args.eval_interval,
        jobs=args.jobs,
        slo_names=set(args.slo) if args.slo else None,
        only=set(args.only) if args.only else None,
    )
    if not results:
        raise BurnwiseError("no SLO matched: check the spec paths and --slo")
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in results], indent=2, sort_keys=True))
    else:
        print(format_table(results))
    errors = [s.error for r in results for s in r.scenarios if s.error]
    return 1 if errors else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="replay error scenarios against the rules with promtool: detection, reset, budget spent",
        description="Replay named error scenarios (built-in, or --scenarios FILE) against each SLO's rules "
        "through `promtool test rules` and print detection and reset times per tier.",
    )
    add_spec_arguments(parser)
    parser.add_argument("--scenarios", type=Path, action="append", metavar="FILE", help="YAML scenario file (repeatable); replaces the built-ins")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only this scenario (repeatable)")
    parser.add_argument("--slo", action="append", metavar="SLO", help="only this SLO (`name` or `service/name`, repeatable)")
    parser.add_argument("--history", type=_duration, default=None, help="healthy history before each scenario (default: the sev2 long window)")
    parser.add_argument("--eval-interval", type=_duration, default=None, help=f"rule evaluation interval (default: 1m, 5m for runs over {FINE_LIMIT // 3600}h)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="promtool processes at once (default: CPUs)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.set_defaults(func=run)
