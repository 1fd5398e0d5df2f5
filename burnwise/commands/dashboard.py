"""`burnwise dashboard [SPEC...] --out DIR`: one Grafana dashboard JSON per service."""

from __future__ import annotations

import argparse
from pathlib import Path

from burnwise.generator.dashboard import dashboard_files
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import render_outputs, write_outputs
from burnwise.layout import SPECS_DIR

DEFAULT_SPECS = SPECS_DIR


def run_dashboard(args: argparse.Namespace) -> int:
    specs = load_specs(list(args.specs) or [DEFAULT_SPECS])
    report = write_outputs(render_outputs(specs, [dashboard_files]), args.out)
    for rel in report.written:
        print(f"wrote {(args.out / rel).as_posix()}")
    for rel in report.removed:
        print(f"removed stale {(args.out / rel).as_posix()}")
    print(f"{len(specs)} dashboard(s): {len(report.written)} written, {len(report.unchanged)} unchanged")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dashboard", help="write a Grafana dashboard per service (import as is)")
    parser.add_argument("specs", nargs="*", type=Path, help=f"spec files or directories (default: {DEFAULT_SPECS}/)")
    parser.add_argument("--out", type=Path, required=True, help="output directory for the dashboard JSON files")
    parser.set_defaults(func=run_dashboard)
