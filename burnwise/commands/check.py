"""`burnwise check`: the GitOps gate a pull-request pipeline runs.

Fails (exit 1) when `rendered_rules/` differs from what the specs generate (printing a unified
diff), when `promtool check rules` rejects the rendered rules, when the generated promtool unit
tests fail, when `amtool check-config` rejects the generated Alertmanager configuration, or when
the on-call roster and runbooks are refused. Every step runs, so one CI run
shows every problem. ``--changed-since REF`` limits the promtool unit tests to the files that
changed against a git ref (:mod:`burnwise.commands.changed`); every other step stays complete.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path

from burnwise.commands.generate import DEFAULT_OUT, add_spec_arguments, spec_paths
from burnwise.commands.roster_claims import default_roster_claims
from burnwise.commands.test import run_files, test_files
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import find_drift, render_outputs
from burnwise.generator.promtool.amtool import INSTALL_HINT as AMTOOL_INSTALL_HINT
from burnwise.generator.promtool.amtool import Amtool
from burnwise.generator.promtool.runner import Promtool
from burnwise.layout import ALERTMANAGER_FILE, ONCALL_DIR, ROSTER_FILE, RULE_FILE_GLOB, RUNBOOKS_FILE

Step = Callable[[argparse.Namespace], bool]


def step_drift(args: argparse.Namespace) -> bool:
    specs = load_specs(spec_paths(args))
    roster = default_roster_claims(args.oncall_dir / ROSTER_FILE.name)
    drifts = find_drift(render_outputs(specs, roster=roster), args.out)
    if not drifts:
        print(f"ok    {args.out.as_posix()}/ matches the specs ({len(specs)} service(s))")
        return True
    for drift in drifts:
        print(f"FAIL  {(args.out / drift.path).as_posix()} is {drift.kind}:")
        print(drift.diff.rstrip("\n"))
    print("      run `burnwise generate` and commit the result")
    return False


def rule_files(out: Path) -> list[Path]:
    return sorted(out.glob(RULE_FILE_GLOB))


def step_promtool_rules(args: argparse.Namespace) -> bool:
    files = rule_files(args.out)
    if not files:
        print(f"FAIL  no rule files in {args.out.as_posix()}/")
        return False
    result = Promtool.find().check_rules(files, lint=True)
    if result.ok:
        print(f"ok    promtool check rules: {len(files)} file(s)")
        for problem in result.problems:
            print(f"      warning: {problem}")
        return True
    print("FAIL  promtool check rules:")
    print(result.format())
    return False


def step_promtool_tests(args: argparse.Namespace) -> bool:
    files = test_files(args.out)
    if not files:
        print(f"skip  no promtool unit tests in {args.out.as_posix()}/tests/")
        return True
    since = getattr(args, "changed_since", None)
    scope = ""
    if since:
        from burnwise.commands.changed import select_changed_tests

        total = len(files)
        files = select_changed_tests(files, args.out, since)
        scope = f" changed since {since} ({total - len(files)} of {total} unchanged, not run)"
        if not files:
            print(f"ok    promtool test rules: no test file{scope}")
            return True
    results = run_files(Promtool.find(), files, jobs=os.cpu_count() or 2, timeout=600)
    failed = [result for result in results if not result.ok]
    if not failed:
        print(f"ok    promtool test rules: {len(files)} file(s){scope}")
        return True
    print(f"FAIL  promtool test rules: {len(failed)} of {len(files)} file(s) failed")
    for result in failed:
        print(result.format())
    return False


def step_oncall(args: argparse.Namespace) -> bool:
    try:
        from burnwise.roster.validate import validate_oncall
    except ImportError:
        print("skip  on-call validation is not available in this build")
        return True
    roster, runbooks = args.oncall_dir / ROSTER_FILE.name, args.oncall_dir / RUNBOOKS_FILE.name
    if not roster.exists():
        print(f"skip  no roster at {roster.as_posix()}")
        return True
    findings = validate_oncall(roster, runbooks if runbooks.exists() else None, spec_paths(args)[0], args.out)
    errors = [f for f in findings if getattr(f, "severity", "error") == "error"]
    for finding in findings:
        print(f"      {finding}")
    if errors:
        print(f"FAIL  on-call roster and runbooks: {len(errors)} refusal(s)")
        return False
    print(f"ok    on-call roster and runbooks ({len(findings)} warning(s))")
    return True


def step_amtool(args: argparse.Namespace) -> bool:
    config = args.out / ALERTMANAGER_FILE
    if not config.exists():
        return True
    amtool = Amtool.find()
    if amtool is None:
        print(f"skip  amtool not found: {AMTOOL_INSTALL_HINT}")
        return True
    result = amtool.check_config(config)
    if result.ok:
        print(f"ok    amtool check-config {config.as_posix()}")
        return True
    if result.exit_code is None:
        print(f"FAIL  amtool check-config {config.as_posix()}: {result.output}")
        return False
    print(f"FAIL  amtool check-config {config.as_posix()} (exit {result.exit_code}):")
    print(result.output)
    return False


STEPS: list[Step] = [step_drift, step_promtool_rules, step_promtool_tests, step_amtool, step_oncall]


def run_check(args: argparse.Namespace) -> int:
    results = [step(args) for step in STEPS]
    return 0 if all(results) else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    check = subparsers.add_parser(
        "check", help="fail when rendered rules drift from the specs, or promtool / on-call validation fails"
    )
    add_spec_arguments(check)
    check.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"rendered rules directory (default: {DEFAULT_OUT}/)")
    check.add_argument("--oncall-dir", type=Path, default=ONCALL_DIR, help=f"roster and runbooks directory (default: {ONCALL_DIR.as_posix()}/)")
    check.add_argument(
        "--changed-since", metavar="REF", default=None,
        help="run only the promtool unit tests whose test or rule files differ from git REF (pull-request pipelines); "
        "every other step stays complete",
    )
    check.set_defaults(func=run_check)
