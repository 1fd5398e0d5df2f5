"""`burnwise schema`: print (or write) the JSON Schema of burnwise/v1 for editors and CI validation."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from generator.schema import schema_text


def run_schema(args: argparse.Namespace) -> int:
    text = schema_text()
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("schema", help="print the JSON Schema of burnwise/v1 SLO specs")
    parser.add_argument("--out", type=Path, help="write the schema to this file instead of stdout")
    parser.set_defaults(func=run_schema)
