"""The limit for `burnwise generate`: parse the same input YAML, write the same output bytes, nothing else.

Run as its own process (``python -m bench.yaml_limit PLAN``) so it pays the same interpreter start
as ``burnwise generate``. The plan (JSON) lists the input spec files and, for every output file,
its comment header and its data; this process loads every input with the loader burnwise uses
(``yaml.safe_load_all``) and dumps every output with the same PyYAML settings burnwise uses for
it (:mod:`generator.render` for rule files, :mod:`generator.promtool_tests` for ``tests/``). ``--emitter libyaml`` dumps with PyYAML's C emitter instead, to show how
much of the time is the pure-Python emitter (its bytes may differ: the C emitter ignores the
indentation override).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml


def _str_representer(dumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


class PureDumper(yaml.SafeDumper):
    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


PureDumper.add_representer(str, _str_representer)


class FastDumper(yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper):  # type: ignore[misc]
    pass


FastDumper.add_representer(str, _str_representer)


class TestFileDumper(yaml.SafeDumper):
    """The settings of generator.promtool_tests for the generated promtool unit-test files."""


def _float_representer(dumper, value: float):
    if value.is_integer() and abs(value) < 1e15:
        return dumper.represent_scalar("tag:yaml.org,2002:int", str(int(value)))
    text = repr(value)
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return dumper.represent_scalar("tag:yaml.org,2002:float", text)


TestFileDumper.add_representer(float, _float_representer)


def dump(data, emitter: str, path: str = "") -> str:
    if emitter == "libyaml":
        return yaml.dump(data, Dumper=FastDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 30)
    if path.startswith("tests/"):
        return yaml.dump(data, Dumper=TestFileDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1_000_000)
    return yaml.dump(data, Dumper=PureDumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=1 << 30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.yaml_limit")
    parser.add_argument("plan", type=Path)
    parser.add_argument("--emitter", choices=("pure", "libyaml"), default="pure")
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
