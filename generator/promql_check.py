"""PromQL syntax errors in specs, found by promtool and reported against the spec that caused them.

The spec model cannot parse PromQL; promtool can. Two passes, so the user reads one problem per
field they wrote, at a place in their own text:

1. Every query the user wrote (`sli.events.error_query`, `total_query`, `sli.raw.error_ratio_query`,
   the latency `metric` + `selector`) goes into one scratch rule file as written, with
   `{{.window}}` replaced by a duration of the same length, so promtool's `line:column` is the
   line and column in the user's query: `slos[0] (availability): sli.events.total_query: invalid
   PromQL at line 1, column 40 of the query: unclosed left parenthesis`.
2. The generated rules of SLOs whose queries all parse are checked too (a query can parse alone
   and still break inside a rule); a problem there is mapped back from the rule group (one per
   SLO) to the spec file and SLO, and said once per SLO, not once per window.

Without promtool, pass 1 runs with the Python PromQL parser (no columns) and pass 2 is skipped.
`burnwise validate` runs both passes. `burnwise generate` runs pass 1 before writing anything:
pass 2 renders every rule a second time and has promtool parse thousands of rules (about 7 s of
10 for 1,000 SLOs), and the gate (`burnwise check`, `burnwise validate`) runs promtool over the
written rules anyway, so a rule that parses alone and breaks inside a rule never passes CI.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import yaml
from burnwise.generator import names
from burnwise.generator.errors import SpecProblem
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.pipeline import rule_files
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.spec import SLO, WINDOW_PLACEHOLDER
from burnwise.layout import rule_file_name
from burnwise.promql.query import PromQLSyntaxError, parse

#: Same length as `{{.window}}` (11 characters), so columns in the scratch rule are the user's.
SAME_LENGTH_WINDOW = "999999999ms"
_POSITION = re.compile(r"^(?:could not parse expression: )?(\d+):(\d+): parse error: (.*)$", re.S)


def user_queries(slo: SLO) -> list[tuple[str, str]]:
    """(field path under the SLO, query text) for every query the user wrote in this SLO."""
    sli = slo.sli
    if sli.events is not None:
        return [("sli.events.error_query", sli.events.error_query), ("sli.events.total_query", sli.events.total_query)]
    if sli.raw is not None:
        return [("sli.raw.error_ratio_query", sli.raw.error_ratio_query)]
    if sli.latency is not None:
        return [("sli.latency.selector", f"{sli.latency.metric}_bucket{sli.latency.selector}")]
    return []


def _where(item: LoadedSpec, index: int, field: str) -> str:
    return f"slos[{index}] ({item.spec.slos[index].name}): {field}"


def _located(message: str) -> str:
    """`1:24: parse error: X` -> `at line 1, column 24 of the query: X`."""
    found = _POSITION.match(message.strip())
    if not found:
        return message
    line, column, what = found.groups()
    return f"at line {line}, column {column} of the query: {what}"


def _query_problems_promtool(queries: list[tuple[LoadedSpec, int, str, str]], promtool: Promtool) -> list[SpecProblem]:
    rules = [
        {"record": f"burnwise_query_{i}", "expr": text.replace(WINDOW_PLACEHOLDER, SAME_LENGTH_WINDOW)}
        for i, (_item, _index, _field, text) in enumerate(queries)
    ]
    with tempfile.TemporaryDirectory(prefix="burnwise-queries-") as tmp:
        path = Path(tmp) / "queries.yaml"
        path.write_text(yaml.safe_dump({"groups": [{"name": "queries", "rules": rules}]}, sort_keys=False), encoding="utf-8")
        result = promtool.check_rules([path], lint=False)
    problems = []
    for problem in result.problems:
        if problem.severity != "error" or problem.rule_index is None or problem.rule_index > len(queries):
            continue
        item, index, field, _text = queries[problem.rule_index - 1]
        problems.append(SpecProblem(item.source, _where(item, index, field), f"invalid PromQL {_located(problem.message)}"))
    return problems


def _query_problems_parser(queries: list[tuple[LoadedSpec, int, str, str]]) -> list[SpecProblem]:
    problems = []
    for item, index, field, text in queries:
        try:
            parse(text, WINDOW_PLACEHOLDER)
        except PromQLSyntaxError as exc:
            reason = str(exc).rsplit("is not valid PromQL: ", 1)[-1]
            problems.append(SpecProblem(item.source, _where(item, index, field), f"invalid PromQL: {reason}"))
    return problems


def query_problems(specs: list[LoadedSpec], promtool: Promtool | None) -> list[SpecProblem]:
    """Pass 1: problems in the queries as the user wrote them, one per field."""
    queries = [
        (item, index, field, text)
        for item in specs
        for index, slo in enumerate(item.spec.slos)
        for field, text in user_queries(slo)
    ]
    if not queries:
        return []
    return _query_problems_promtool(queries, promtool) if promtool is not None else _query_problems_parser(queries)


def promql_problems(specs: list[LoadedSpec], promtool: Promtool | None, generated: bool = True) -> list[SpecProblem]:
    """Problems in the user's queries and (``generated``) in the rules these specs generate, located in the specs."""
    problems = query_problems(specs, promtool)
    if promtool is None or not generated:
        return problems
    broken = {p.file for p in problems}  # their rules would repeat the same mistake
    checked = [item for item in specs if item.source not in broken]
    if not checked:
        return problems
    rendered = rule_files(checked)
    by_group: dict[str, tuple[LoadedSpec, int]] = {}
    for item in checked:
        for index, slo in enumerate(item.spec.slos):
            by_group[names.group_name(item.spec.service, slo.name)] = (item, index)
    with tempfile.TemporaryDirectory(prefix="burnwise-validate-") as tmp:
        paths = []
        for item in checked:
            path = Path(tmp) / rule_file_name(item.spec.service)
            path.write_text(rendered[rule_file_name(item.spec.service)], encoding="utf-8")
            paths.append(path)
        result = promtool.check_rules(paths, lint=False)
    seen = set()
    for problem in result.problems:
        if problem.severity != "error":
            continue
        located = by_group.get(problem.group or "")
        if located is None:
            problems.append(SpecProblem("(generated rules)", problem.group or "", problem.message))
            continue
        item, index = located
        where = _where(item, index, "sli")
        if (item.source, where) in seen:  # one SLI mistake breaks every window's rule: say it once
            continue
        seen.add((item.source, where))
        message = f"the generated rule {problem.rule or ''} is invalid PromQL: {problem.message}".replace("  ", " ")
        problems.append(SpecProblem(item.source, where, message))
    return problems
