"""PromQL syntax errors in specs, found by promtool and reported against the spec that caused them.

The spec model cannot parse PromQL; promtool can. `burnwise validate` renders each spec's rules
into a temporary directory, runs `promtool check rules` on them, and maps every problem back from
the rule group (one per SLO) to the spec file and SLO, so the user sees
`slo_specs/checkout.yaml: slos[0] (availability): sli: ...` rather than a line of generated YAML.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from burnwise.generator import names
from burnwise.generator.errors import SpecProblem
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.pipeline import rule_files
from burnwise.layout import rule_file_name
from burnwise.generator.promtool.runner import Promtool


def promql_problems(specs: list[LoadedSpec], promtool: Promtool) -> list[SpecProblem]:
    """Problems promtool finds in the rules these specs generate, located in the specs."""
    rendered = rule_files(specs)
    by_group: dict[str, tuple[LoadedSpec, int]] = {}
    for item in specs:
        for index, slo in enumerate(item.spec.slos):
            by_group[names.group_name(item.spec.service, slo.name)] = (item, index)
    problems: list[SpecProblem] = []
    with tempfile.TemporaryDirectory(prefix="burnwise-validate-") as tmp:
        paths = []
        for item in specs:
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
        slo = item.spec.slos[index]
        where = f"slos[{index}] ({slo.name}): sli"
        message = f"invalid PromQL in generated rule {problem.rule or ''}: {problem.message}".replace("  ", " ")
        key = (item.source, where, problem.message)
        if key not in seen:  # one SLI mistake breaks every window's rule: say it once
            seen.add(key)
            problems.append(SpecProblem(item.source, where, message))
    return problems
