"""`burnwise test`: run the generated promtool unit tests (and regression cases) through promtool.

The files under ``<out>/tests/`` prove each SLO's alerts: they page for an outage within the
Workbook's detection time, page for sustained burns, stay quiet for healthy traffic and short
blips, and stop after recovery. ``burnwise generate`` writes them; regression cases written by
``burnwise regression`` live in ``<out>/tests/regressions/`` and run here too. Files run in
parallel (one promtool per file), because each evaluates the rules minute by minute for hours.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from burnwise.commands.generate import DEFAULT_OUT
from burnwise.errors import BurnwiseError
from burnwise.layout import tests_dir
from burnwise.generator.promtool.runner import Promtool, RuleTestResult
from burnwise.generator.promtool.shapes import reduce_parts
from burnwise.generator.promtool.split import merge_results, split_file, write_part


def test_files(out: Path) -> list[Path]:
    """Every promtool test file under ``out/tests`` (subfolders included), sorted."""
    root = tests_dir(out)
    if not root.is_dir():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml"))


def run_files(
    promtool: Promtool, files: list[Path], jobs: int, timeout: float, split: bool = True, shapes: bool = True
) -> list[RuleTestResult]:
    """One promtool run per file, ``jobs`` at a time; one result per file, in order.

    ``split``: one run per SLO of a file, against its own rule groups
    (:mod:`burnwise.generator.promtool.split`); ``shapes``: SLOs whose rules and tests match an
    earlier SLO's up to names run only their wiring tests (:mod:`burnwise.generator.promtool.shapes`)."""
    with tempfile.TemporaryDirectory(prefix="burnwise-test-") as tmp:
        plans = [(path, split_file(path) if split else None) for path in files]
        if shapes:
            reduce_parts([part for _path, parts in plans if parts for part in parts])
        runs: list[Path] = []
        for n, (path, parts) in enumerate(plans):
            for k, part in enumerate(parts or []):
                runs.append(write_part(part, Path(tmp), f"{n}-{k}"))
            if not parts:
                runs.append(path)
        # largest first: the longest runs start early, so no core idles at the end
        order = sorted(dict.fromkeys(runs), key=lambda p: -p.stat().st_size if p.is_file() else 0)
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            done = dict(zip(order, pool.map(lambda path: promtool.test_rules([path], timeout=timeout), order)))
        return [
            merge_results(path, parts, [done[part.path] for part in parts]) if parts else done[path]  # type: ignore[index]
            for path, parts in plans
        ]


def _groups(path: Path) -> int:
    try:
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        return len(data.get("tests") or [])
    except Exception:  # counting is cosmetic; promtool reports broken files itself
        return 0


def flagged(path: Path) -> str | None:
    """The flag line of a regression case made from a noisy incident (see
    :data:`burnwise.reports.regression.FLAG_PREFIX`), or None."""
    from burnwise.reports.regression import FLAG_PREFIX

    try:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                if not line.startswith("#"):
                    return None
                if line.startswith(FLAG_PREFIX):
                    return line[len(FLAG_PREFIX):].strip()
    except (OSError, UnicodeDecodeError):
        return None
    return None


def run_test(args: argparse.Namespace) -> int:
    files = list(args.files) or test_files(args.out)  # named files run alone, not after all the others
    if not files:
        raise BurnwiseError(
            f"no promtool test files in {args.out.as_posix()}/tests/: run `burnwise generate` first "
            "(or name test files as arguments)"
        )
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise BurnwiseError(f"test file(s) not found: {', '.join(missing)}")
    promtool = Promtool.find()
    results = run_files(promtool, files, args.jobs, args.timeout, split=not args.whole_files, shapes=not args.every_scenario)
    failed = [r for r in results if not r.ok]
    if args.json:
        print(json.dumps([r.model_dump(mode="json") for r in results], indent=2, sort_keys=True))
    else:
        for path, result in zip(files, results):
            if result.ok:
                print(f"ok    {path.as_posix()} ({_groups(path)} test group(s))")
            else:
                print(f"FAIL  {path.as_posix()}")
                print("\n".join("      " + line for line in result.format().splitlines()))
            flag = flagged(path)
            if flag:
                print(f"      flagged (noisy incident): {flag}")
        status = "all passed" if not failed else f"{len(failed)} file(s) failed"
        print(f"promtool {promtool.version}: {len(files)} file(s), {status}")
    return 1 if failed else 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "test",
        help="run the generated promtool unit tests (and regression cases) through promtool",
        description="Run the promtool test files named as FILE, or, when none is named, every one under "
        "OUT/tests/ (generated per SLO by `burnwise generate`, plus regression cases); exit 1 when any fails.",
    )
    parser.add_argument("files", nargs="*", type=Path, metavar="FILE", help="promtool test files to run (default: every file under OUT/tests/)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"rendered rules directory (default: {DEFAULT_OUT}/)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="promtool processes at once (default: CPUs)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds before one file's promtool run is stopped")
    parser.add_argument("--json", action="store_true", help="print the parsed results as JSON")
    parser.add_argument(
        "--whole-files", action="store_true",
        help="run each file against all its rule files as written (default: one run per SLO, against its own rule groups)",
    )
    parser.add_argument(
        "--every-scenario", action="store_true",
        help="run every SLO's full generated scenario set (default: once per rule shape, wiring tests for the others)",
    )
    parser.set_defaults(func=run_test)
