"""`burnwise promtool`: run the real promtool through burnwise's wrapper and print what it found.

Useful on its own for hand-written rule files, and to see exactly what `burnwise check` and
`burnwise test` see: the same parsed problems and failures, printed readably or as JSON.
"""

from __future__ import annotations

import argparse
import json

from burnwise.generator.promtool.runner import EXIT_LINT, Promtool


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "promtool",
        help="run promtool (version, check rules, test rules) with parsed, readable output",
        description="Run the real promtool (BURNWISE_PROMTOOL or PATH) and print parsed results.",
    )
    actions = parser.add_subparsers(dest="promtool_action", metavar="ACTION", required=True)

    version = actions.add_parser("version", help="show which promtool is used and its version")
    version.add_argument("--json", action="store_true", help="print JSON")
    version.set_defaults(func=_version)

    check = actions.add_parser("check", help="promtool check rules FILE...")
    check.add_argument("files", nargs="+", metavar="FILE", help="Prometheus rule files")
    check.add_argument("--no-lint", action="store_true", help="skip lint checks (duplicate rules)")
    check.add_argument(
        "--lint-fatal", action="store_true", help="fail on lint warnings (exit code 3)"
    )
    check.add_argument(
        "--timeout", type=float, default=60, help="seconds before promtool is stopped (60)"
    )
    check.add_argument("--json", action="store_true", help="print the parsed result as JSON")
    check.set_defaults(func=_check)

    test = actions.add_parser("test", help="promtool test rules FILE...")
    test.add_argument("files", nargs="+", metavar="FILE", help="promtool unit test files")
    test.add_argument(
        "--timeout", type=float, default=300, help="seconds before promtool is stopped (300)"
    )
    test.add_argument("--json", action="store_true", help="print the parsed result as JSON")
    test.set_defaults(func=_test)


def _version(args: argparse.Namespace) -> int:
    promtool = Promtool.find()
    info = {
        "path": promtool.path,
        "version": promtool.version,
        "supports_lint": promtool.supports_lint,
    }
    if args.json:
        print(json.dumps(info, indent=2, sort_keys=True))
    else:
        lint = "yes" if promtool.supports_lint else "no"
        print(f"promtool {promtool.version} at {promtool.path} (check rules --lint: {lint})")
    return 0


def _check(args: argparse.Namespace) -> int:
    result = Promtool.find().check_rules(
        args.files, lint=not args.no_lint, lint_fatal=args.lint_fatal, timeout=args.timeout
    )
    _print(result, args.json)
    if result.ok:
        return 0
    return EXIT_LINT if result.exit_code == EXIT_LINT else 1


def _test(args: argparse.Namespace) -> int:
    result = Promtool.find().test_rules(args.files, timeout=args.timeout)
    _print(result, args.json)
    return 0 if result.ok else 1


def _print(result, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result.model_dump(mode="json"), indent=2, sort_keys=True))
    else:
        print(result.format())
