"""Outlines of rule and unit-test files: where each group, rule and test case sits, by line.

promtool names a failing rule by group and *index*, or only by line, and a failing unit test by
nothing but its position. These outlines, read with PyYAML's node API (which keeps line numbers),
let the parsers name the group, the rule and the test case an SRE has to open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from burnwise.durations import seconds_or_none


@dataclass(frozen=True)
class RuleEntry:
    group: str
    index: int  # 1-based, like promtool
    name: str | None
    labels: tuple[tuple[str, str], ...]
    first_line: int
    last_line: int


@dataclass(frozen=True)
class GroupEntry:
    name: str
    first_line: int
    last_line: int
    rules: list[RuleEntry] = field(default_factory=list)


def _compose(path: str) -> yaml.Node | None:
    try:
        return yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _mapping_get(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _lines(node: yaml.Node) -> tuple[int, int]:
    first = node.start_mark.line + 1
    return first, max(first, node.end_mark.line)


def rule_file_outline(path: str) -> list[GroupEntry]:
    """Groups and rules of a rule file with their line ranges; empty when it is not valid YAML."""
    root = _compose(path)
    groups_node = _mapping_get(root, "groups") if root is not None else None
    if not isinstance(groups_node, yaml.SequenceNode):
        return []
    outline: list[GroupEntry] = []
    for group_node in groups_node.value:
        name = _scalar(_mapping_get(group_node, "name")) or ""
        group = GroupEntry(name, *_lines(group_node))
        rules_node = _mapping_get(group_node, "rules")
        if isinstance(rules_node, yaml.SequenceNode):
            for index, rule_node in enumerate(rules_node.value, start=1):
                rule_name = _scalar(_mapping_get(rule_node, "record")) or _scalar(
                    _mapping_get(rule_node, "alert")
                )
                labels_node = _mapping_get(rule_node, "labels")
                labels: list[tuple[str, str]] = []
                if isinstance(labels_node, yaml.MappingNode):
                    labels = [
                        (str(_scalar(k)), str(_scalar(v))) for k, v in labels_node.value
                    ]
                group.rules.append(
                    RuleEntry(name, index, rule_name, tuple(sorted(labels)), *_lines(rule_node))
                )
        outline.append(group)
    return outline


def locate_line(
    outline: list[GroupEntry], line: int
) -> tuple[GroupEntry | None, RuleEntry | None]:
    for group in outline:
        if group.first_line <= line <= group.last_line:
            for rule in group.rules:
                if rule.first_line <= line <= rule.last_line:
                    return group, rule
            return group, None
    return None, None


def find_rule(outline: list[GroupEntry], group: str, index: int) -> RuleEntry | None:
    for entry in outline:
        if entry.name == group and 1 <= index <= len(entry.rules):
            return entry.rules[index - 1]
    return None


@dataclass(frozen=True)
class TestCaseEntry:
    __test__ = False

    kind: Literal["alert", "expr"]
    key: str  # alertname or expr
    eval_seconds: float | None


@dataclass(frozen=True)
class TestGroupEntry:
    __test__ = False

    index: int  # 1-based
    name: str
    cases: tuple[TestCaseEntry, ...]


def test_file_outline(path: str) -> list[TestGroupEntry]:
    """The ``tests:`` groups of a promtool test file and their assertions (empty if unreadable)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, list):
        return []
    outline = []
    for index, test in enumerate(tests, start=1):
        if not isinstance(test, dict):
            continue
        cases: list[TestCaseEntry] = []
        for kind, section, key in (
            ("alert", "alert_rule_test", "alertname"),
            ("expr", "promql_expr_test", "expr"),
        ):
            for case in test.get(section) or []:
                if isinstance(case, dict):
                    seconds = seconds_or_none(case.get("eval_time"))
                    cases.append(TestCaseEntry(kind, str(case.get(key)), seconds))
        outline.append(TestGroupEntry(index, str(test.get("name") or ""), tuple(cases)))
    return outline


test_file_outline.__test__ = False  # type: ignore[attr-defined]

