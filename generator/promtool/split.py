"""Split a promtool test file into one file per SLO, each against that SLO's own rule groups.

Why: promtool evaluates every rule of every rule file at every step of every test group. A
generated test file proves all SLOs of a service against the whole service's rule file, so a
service with ten SLOs pays ten times for every simulated minute (the cost of `burnwise test`
grew with the square of the SLOs per file). SLOs' rule groups do not read each other: every
generated rule carries its SLO's ``service`` and ``slo`` labels and every alert reads only series
with them. So each test group is run against the rule groups of its own SLO only, with the same
inputs and the same assertions.

Which SLO a test group proves is read from its assertions (the ``service="..."`` and ``slo="..."``
matchers every generated and regression assertion has); which SLO a rule group belongs to, from the
labels of its rules. A rule group whose rules do not all carry one SLO's labels (hand-written, or
mislabelled) goes with every part, and a test group whose assertions do not name exactly one SLO
makes the whole file run as it is: splitting never hides a rule from a test that could have seen
it. Failures are reported against the original file and test index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from burnwise.generator.promtool.results import RuleTestResult, TestFailure
from burnwise.generator.yaml_out import RULES_STYLE, TEST_FILE_STYLE

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_MATCHER = re.compile(r'\b(service|slo)\s*=\s*"((?:[^"\\]|\\.)*)"')

SloKey = tuple[str, str]


@dataclass(frozen=True)
class Part:
    """One split file: the SLO, the file to run and, per test group in it, its original index."""

    slo: SloKey
    path: Path
    indexes: tuple[int, ...]


def _load(path: Path) -> dict:
    data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    if not isinstance(data, dict):
        raise ValueError(f"{path} is not a YAML mapping")
    return data


def group_slo(test_group: dict) -> SloKey | None:
    """The one SLO whose alerts all assertions of ``test_group`` read, or None."""
    keys: set[SloKey] = set()
    exprs = [t.get("expr", "") for t in test_group.get("promql_expr_test") or []]
    for alert_test in test_group.get("alert_rule_test") or []:
        for alert in alert_test.get("exp_alerts") or []:
            labels = alert.get("exp_labels") or {}
            keys.add((str(labels.get("service")), str(labels.get("slo"))))
    if test_group.get("alert_rule_test") and not exprs and not keys:
        return None
    for expr in exprs:
        found: dict[str, set[str]] = {}
        for name, value in _MATCHER.findall(str(expr)):
            found.setdefault(name, set()).add(value)
        if len(found.get("service", ())) != 1 or len(found.get("slo", ())) != 1:
            return None
        keys.add((next(iter(found["service"])), next(iter(found["slo"]))))
    return keys.pop() if len(keys) == 1 else None


def rule_group_slo(group: dict) -> SloKey | None:
    """The SLO every rule of ``group`` is labelled with, or None (then it goes with every part)."""
    keys = set()
    for rule in group.get("rules") or []:
        labels = rule.get("labels") or {}
        keys.add((labels.get("service"), labels.get("slo")))
    if len(keys) != 1:
        return None
    key = keys.pop()
    return key if all(isinstance(k, str) for k in key) else None


def split_file(test_path: Path, workdir: Path) -> list[Part] | None:
    """Parts for ``test_path`` written under ``workdir``, or None when it must run as it is
    (one SLO only, unreadable, a group without one SLO, a rule file that cannot be read)."""
    try:
        data = _load(test_path)
        groups = data.get("tests") or []
        keys = [group_slo(g) if isinstance(g, dict) else None for g in groups]
        if not groups or any(k is None for k in keys) or len(set(keys)) < 2:
            return None
        rule_groups: list[tuple[SloKey | None, dict]] = []
        for entry in data.get("rule_files") or []:
            matches = sorted(test_path.parent.glob(str(entry))) if any(c in str(entry) for c in "*?[") else [test_path.parent / str(entry)]
            if not matches or not all(m.is_file() for m in matches):
                return None  # promtool reports the missing file itself
            for match in matches:
                for group in _load(match).get("groups") or []:
                    rule_groups.append((rule_group_slo(group), group))
    except (OSError, ValueError, yaml.YAMLError, AttributeError):
        return None
    parts = []
    stem = test_path.name.rsplit(".", 1)[0]
    for n, key in enumerate(dict.fromkeys(keys)):
        indexes = tuple(i for i, k in enumerate(keys) if k == key)
        own = [g for k, g in rule_groups if k is None or k == key]
        rule_path = workdir / f"{stem}.{n}.rules.yaml"
        part_path = workdir / f"{stem}.{n}.test.yaml"
        rule_path.write_text(RULES_STYLE.dump({"groups": own}), encoding="utf-8")
        part = {k: v for k, v in data.items() if k not in ("rule_files", "tests")}
        part = {"rule_files": [rule_path.name], **part, "tests": [groups[i] for i in indexes]}
        part_path.write_text(TEST_FILE_STYLE.dump(part), encoding="utf-8")
        parts.append(Part(key, part_path, indexes))  # type: ignore[arg-type]
    return parts


def merge_results(original: Path, parts: list[Part], results: list[RuleTestResult]) -> RuleTestResult:
    """One result for ``original`` from its parts' results: failures name the original file and
    the test's index there; raw output keeps every part's text."""
    failures: list[TestFailure] = []
    for part, result in zip(parts, results):
        for failure in result.failures:
            update: dict = {"file": str(original)}
            if failure.test_index is not None and 1 <= failure.test_index <= len(part.indexes):
                update["test_index"] = part.indexes[failure.test_index - 1] + 1
            failures.append(failure.model_copy(update=update))
    codes = [r.exit_code for r in results]
    exit_code = max((c for c in codes if c is not None), default=None) if None not in codes else None
    return RuleTestResult(
        files=[str(original)],
        command=[*results[0].command[:3], *(str(p.path) for p in parts)] if results else [],
        exit_code=exit_code,
        ok=all(r.ok for r in results),
        timed_out=any(r.timed_out for r in results),
        failures=failures,
        raw_output="".join(r.raw_output for r in results),
    )
