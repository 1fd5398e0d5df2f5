"""`burnwise schema`: print (or write) the JSON Schema of burnwise/v1 for editors and CI validation."""

from __future__ import annotations

import argparse
from pathlib import Path

from burnwise.generator.schema import schema_text
from burnwise.output import emit


def run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    emit(text, args.out)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("schema", help="print the JSON Schema of burnwise/v1 SLO specs")
    parser.add_argument("--out", type=Path, help="write the schema to this file instead of stdout")
    parser.set_defaults(func=run_schema)
