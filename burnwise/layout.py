"""Where burnwise's files live in a repository: one module owns every folder and file name.

The generator, the CLI, the reports and the checks all agree on `slo_specs/`, `rendered_rules/`,
`rendered_rules/tests/` and `oncall/roster.yaml`; spelling those in one place means a rename is
one edit and a reader finds the layout without grepping. Everything here is a relative path or a
pure function of a name: nothing reads the working directory or the environment, so callers (the
CLI) decide what the paths are relative to and pass files and data on to the pipelines.
"""

from __future__ import annotations

from pathlib import Path

#: SLO specs (burnwise YAML, Jsonnet, Sloth, OpenSLO), read by `generate`, `check`, the reports.
SPECS_DIR = Path("slo_specs")
#: Committed output of `burnwise generate`: rule files, alertmanager.yaml, generated tests.
RULES_DIR = Path("rendered_rules")
#: Inside RULES_DIR: generated promtool unit tests (and `regressions/` below them).
TESTS_SUBDIR = "tests"
#: Inside the tests folder: regression cases written by `burnwise regression`.
REGRESSIONS_SUBDIR = "regressions"
#: The on-call roster and runbooks.
ONCALL_DIR = Path("oncall")
ROSTER_FILE = ONCALL_DIR / "roster.yaml"
RUNBOOKS_FILE = ONCALL_DIR / "runbooks.yaml"
#: The generated Alertmanager configuration, inside RULES_DIR.
ALERTMANAGER_FILE = "alertmanager.yaml"
#: Suffix of every generated rule file (`<service>.rules.yaml`), used to find them again.
RULE_FILE_SUFFIX = ".rules.yaml"
RULE_FILE_GLOB = f"*{RULE_FILE_SUFFIX}"


def rule_file_name(service: str) -> str:
    """`checkout` -> `checkout.rules.yaml`, relative to the rendered-rules folder."""
    return f"{service}{RULE_FILE_SUFFIX}"


def unit_test_file_name(service: str) -> str:
    """`checkout` -> `tests/checkout.test.yaml`, relative to the rendered-rules folder."""
    return f"{TESTS_SUBDIR}/{service}.test.yaml"


def rule_file_from_tests(service: str) -> str:
    """The rule file as a generated test file names it (`../checkout.rules.yaml`)."""
    return f"../{rule_file_name(service)}"


def tests_dir(rules_dir: Path) -> Path:
    return Path(rules_dir) / TESTS_SUBDIR


def regressions_dir(rules_dir: Path) -> Path:
    return tests_dir(rules_dir) / REGRESSIONS_SUBDIR
