"""`burnwise generate` and `burnwise validate`: specs to rule files, and spec checking alone."""

from __future__ import annotations

import argparse
from pathlib import Path

from generator.errors import SpecError
from generator.loader import load_specs
from generator.promql_check import promql_problems
from generator.promtool import Promtool, PromtoolNotFound
from generator.pipeline import render_outputs, write_outputs

DEFAULT_SPECS = Path("slo_specs")
DEFAULT_OUT = Path("rendered_rules")


def add_spec_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("specs", nargs="*", type=Path, help=f"spec files or directories (default: {DEFAULT_SPECS}/)")


def spec_paths(args: argparse.Namespace) -> list[Path]:
    return list(args.specs) or [DEFAULT_SPECS]


def run_generate(args: argparse.Namespace) -> int:
    specs = load_specs(spec_paths(args))
    report = write_outputs(render_outputs(specs), args.out)
    for rel in report.written:
        print(f"wrote {(args.out / rel).as_posix()}")
    for rel in report.removed:
        print(f"removed stale {(args.out / rel).as_posix()}")
    slo_count = sum(len(item.spec.slos) for item in specs)
    print(
        f"{len(specs)} service(s), {slo_count} SLO(s): {len(report.written)} file(s) written, "
        f"{len(report.unchanged)} unchanged, {len(report.removed)} removed"
    )
    return 0


def run_validate(args: argparse.Namespace) -> int:
    specs = load_specs(spec_paths(args))
    if args.no_promql:
        print("note: PromQL syntax not checked (--no-promql)")
    else:
        try:
            promtool = Promtool.find()
        except PromtoolNotFound as exc:
            print(f"note: PromQL syntax not checked: {exc}")
        else:
            problems = promql_problems(specs, promtool)
            if problems:
                raise SpecError(problems)
    for item in specs:
        print(f"ok  {item.source}: service {item.spec.service}, {len(item.spec.slos)} SLO(s) ({item.origin})")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    generate = subparsers.add_parser("generate", help="render SLO specs into Prometheus rule files")
    add_spec_arguments(generate)
    generate.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default: {DEFAULT_OUT}/)")
    generate.set_defaults(func=run_generate)

    validate = subparsers.add_parser("validate", help="check SLO specs and list every problem (exit 1 on any)")
    add_spec_arguments(validate)
    validate.add_argument("--no-promql", action="store_true", help="skip the PromQL syntax check through promtool")
    validate.set_defaults(func=run_validate)
