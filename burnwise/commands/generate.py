"""`burnwise generate` and `burnwise validate`: specs to rule files, and spec checking alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from burnwise.commands.roster_claims import default_roster_claims
from burnwise.durations import DurationError, parse_duration
from burnwise.errors import BurnwiseError
from burnwise.generator.errors import SpecError
from burnwise.generator.grouping import DEFAULT_SERIES_LIMIT
from burnwise.generator.advice import grouping_problems, spec_warnings
from burnwise.generator.formats import DEFAULT_FORMAT, FORMATS, FormatOptions, renderer
from burnwise.generator.formats.gating import DEFAULT_VERSION, parse_version
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import generated_files_on_disk, render_outputs, write_outputs
from burnwise.generator.promql_check import promql_problems
from burnwise.generator.promtool.runner import Promtool, PromtoolNotFound
from burnwise.layout import ALERTMANAGER_FILE, RULES_DIR, SPECS_DIR

DEFAULT_SPECS = SPECS_DIR
DEFAULT_OUT = RULES_DIR
#: Outputs built from every spec at once: rewritten only when every spec was generated.
WHOLE_SET_FILES = frozenset({ALERTMANAGER_FILE})


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("specs", nargs="*", type=Path, help=f"spec files or directories (default: {DEFAULT_SPECS}/)")


def add_grouping_limit(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-grouped-series", type=int, default=DEFAULT_SERIES_LIMIT, metavar="N",
        help=f"refuse a grouped SLO that may record more series than this (default: {DEFAULT_SERIES_LIMIT}; docs/grouping.md)",
    )


def spec_paths(args: argparse.Namespace) -> list[Path]:
    return list(args.specs) or [DEFAULT_SPECS]


def format_options(args: argparse.Namespace) -> FormatOptions:
    """--prometheus-version, --namespace and --label as options for the format renderers."""
    try:
        version = parse_version(args.prometheus_version) if args.prometheus_version else DEFAULT_VERSION
    except ValueError as exc:
        raise BurnwiseError(f"--prometheus-version: {exc}") from None
    labels = {}
    for item in args.label:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise BurnwiseError(f"--label {item!r}: use name=value, e.g. --label release=prometheus")
        labels[name] = value
    return FormatOptions(prometheus_version=version, namespace=args.namespace, labels=labels)


def _advise(specs, args: argparse.Namespace) -> None:
    """Refuse groupings above the series limit; print warnings (unreachable tiers, unknown cost)."""
    problems = grouping_problems(specs, args.max_grouped_series)
    if problems:
        raise SpecError(problems)
    for line in spec_warnings(specs):
        print(f"warning: {line}")


def check_promql(specs, args: argparse.Namespace, generated: bool = True) -> None:
    """PromQL problems as a SpecError (exit 1), before anything is written or printed as ok.

    ``generated``: also check the rules the specs generate (validate); generate checks the user's
    queries only, see :mod:`burnwise.generator.promql_check`."""
    if args.no_promql:
        print("note: PromQL syntax not checked (--no-promql)")
        return
    try:
        promtool = Promtool.find()
    except PromtoolNotFound as exc:
        print(f"note: PromQL checked without promtool (no columns, generated rules unchecked): {exc}")
        promtool = None
    problems = promql_problems(specs, promtool, generated)
    if problems:
        raise SpecError(problems)


def sloth_period(args: argparse.Namespace) -> int | None:
    if not getattr(args, "period", None):
        return None
    try:
        return parse_duration(args.period)
    except DurationError as exc:
        raise BurnwiseError(f"--period: {exc}") from None


def whole_set(args: argparse.Namespace) -> bool:
    """Whether the specs named are every spec: only then may stale files go and whole-set files
    (alertmanager.yaml routes every service) be rewritten. Directories count as whole; files not."""
    return bool(args.prune) or all(path.is_dir() for path in spec_paths(args))


def run_generate(args: argparse.Namespace) -> int:
    specs = load_specs(spec_paths(args), sloth_period=sloth_period(args))
    _advise(specs, args)
    check_promql(specs, args, generated=False)  # a query promtool refuses is never written into rules
    if args.format == DEFAULT_FORMAT and not args.prometheus_version:
        outputs = render_outputs(specs, roster=default_roster_claims())  # the committed rendered_rules/ (plus generated unit tests)
        args.out = args.out or DEFAULT_OUT
    else:
        if args.out is None or args.out.resolve() == DEFAULT_OUT.resolve():
            raise BurnwiseError(
                f"--format {args.format} / --prometheus-version write elsewhere than {DEFAULT_OUT}/ "
                "(which holds the default format); name a directory with --out"
            )
        options = format_options(args)
        outputs = render_outputs(specs, [lambda loaded: renderer(args.format)(loaded, options)])
    whole = whole_set(args)
    held_back = [] if whole else sorted(rel for rel in outputs if rel in WHOLE_SET_FILES and (args.out / rel).exists())
    outputs = {rel: text for rel, text in outputs.items() if rel not in held_back}
    report = write_outputs(outputs, args.out, prune=whole)
    for rel in report.written:
        print(f"wrote {(args.out / rel).as_posix()}")
    for rel in report.removed:
        print(f"removed stale {(args.out / rel).as_posix()}")
    for rel in held_back:
        print(f"kept {(args.out / rel).as_posix()}: it covers every service; generate the spec directory (or pass --prune) to rewrite it")
    if not whole:
        others = sorted(generated_files_on_disk(args.out) - set(outputs) - set(held_back))
        if others:
            print(f"left {len(others)} other generated file(s) in {args.out.as_posix()}/ untouched (only the named specs were generated; "
                  "--prune removes files no named spec produces)")
    slo_count = sum(len(item.spec.slos) for item in specs)
    print(
        f"{len(specs)} service(s), {slo_count} SLO(s): {len(report.written)} file(s) written, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed"
    )
    return 0


def run_validate(args: argparse.Namespace) -> int:
    specs = load_specs(spec_paths(args), sloth_period=sloth_period(args))
    _advise(specs, args)
    check_promql(specs, args)
    for item in specs:
        print(f"ok  {item.source}: service {item.spec.service}, {len(item.spec.slos)} SLO(s) ({item.origin})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    generate = subparsers.add_parser("generate", help="render SLO specs into Prometheus rule files")
    add_spec_arguments(generate)
    add_grouping_limit(generate)
    generate.add_argument("--out", type=Path, default=None, help=f"output directory (default: {DEFAULT_OUT}/)")
    generate.add_argument(
        "--format", choices=sorted(FORMATS), default=DEFAULT_FORMAT,
        help="output format (default: prometheus rule files; the others need --out)",
    )
    generate.add_argument(
        "--prometheus-version", metavar="X.Y",
        help="target Prometheus version: fields it does not support are never written (default: 2.42)",
    )
    generate.add_argument("--namespace", default="monitoring", help="prometheus-operator: namespace of the PrometheusRule objects")
    generate.add_argument(
        "--label", action="append", default=[], metavar="NAME=VALUE",
        help="prometheus-operator: label on every PrometheusRule (repeatable)",
    )
    generate.add_argument(
        "--period", metavar="DURATION",
        help="SLO period of imported Sloth specs, which have none (Sloth's --default-slo-period; default 30d)",
    )
    generate.add_argument(
        "--prune", action="store_true",
        help="remove generated files no named spec produces (the default only when whole spec directories are named)",
    )
    generate.add_argument("--no-promql", action="store_true", help="skip the PromQL syntax check (promtool) before writing")
    generate.set_defaults(func=run_generate)

    validate = subparsers.add_parser("validate", help="check SLO specs and list every problem (exit 1 on any)")
    add_spec_arguments(validate)
    add_grouping_limit(validate)
    validate.add_argument("--period", metavar="DURATION", help="SLO period of imported Sloth specs (default 30d)")
    validate.add_argument("--no-promql", action="store_true", help="skip the PromQL syntax check through promtool")
    validate.set_defaults(func=run_validate)
