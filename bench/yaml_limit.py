"""The limit for `burnwise generate`: parse the same input YAML, write the same output bytes, nothing else.

Run as its own process (``python -m bench.yaml_limit PLAN``) so it pays the same interpreter start
as ``burnwise generate``. The plan (JSON) lists the input spec files and, for every output file,
its comment header and its data; this process loads every input with the loader burnwise uses
(``yaml.safe_load_all``) and dumps every output with the YAML writer burnwise uses for it
(:mod:`burnwise.generator.yaml_out`: the rule-file style, or the promtool test-file style for ``tests/``),
with the same emitter choice: libyaml's C emitter where it writes the pure emitter's bytes.
``--emitter pure`` forces PyYAML's pure-Python emitter, to show what the limit is without
libyaml (the bytes are the same either way).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml
from burnwise.generator.yaml_out import RULES_STYLE, TEST_FILE_STYLE


def dump(data, emitter: str, path: str = "") -> str:
    style = TEST_FILE_STYLE if path.startswith("tests/") else RULES_STYLE
    return style.dump(data, emitter)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.yaml_limit")
    parser.add_argument("plan", type=Path)
    parser.add_argument("--emitter", choices=("auto", "pure"), default="auto")
    args = parser.parse_args(argv)
    plan = json.loads(args.plan.read_text(encoding="utf-8"))
    for source in plan["inputs"]:
        list(yaml.safe_load_all(Path(source).read_text(encoding="utf-8")))
    out_dir = Path(plan["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    for item in plan["outputs"]:
        (out_dir / item["path"]).parent.mkdir(parents=True, exist_ok=True)
        (out_dir / item["path"]).write_text(item["header"] + dump(item["data"], args.emitter, item["path"]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
