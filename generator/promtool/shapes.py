"""Rule shapes: SLOs whose rules and generated tests are the same up to names are proven once.

Why: most SLOs of a fleet share a rule shape (period, objective, windows, factors, SLI kind,
``min_events``, grouping, tiers); only their names, labels and queries differ. promtool time goes
into simulating hours of traffic through the window and tier logic, and that logic is the same
text for every SLO of a shape. So `burnwise test` runs the full generated scenario set for the
first SLO of each shape (the representative) and, for the others, only the test groups that prove
their own wiring: the full outage with the healthy hour before it, up to the minute every
reachable tier fires (their queries select their series and only the failing ones, every tier
fires with its names and labels), and the missing-data test (their NoData alert). Recovery after
the outage is window logic, proven by the representative.

Two SLOs share a shape only when *both* of these are equal, read from the files that run (never
from the specs, so a generator bug or a hand edit is judged on what promtool would evaluate):

* the **rule skeleton** of the SLO's own rule groups: every rule's kind, record name, ``for``,
  label *names*, and expression with string literals and raw (non-``slo:``) metric names
  blanked and alert names numbered; windows, offsets, factors, thresholds, ``by`` clauses and
  every operator stay. A mutated window, factor or threshold therefore gives the SLO its own shape,
  and its full scenario set runs.
* the **test skeleton** of its generated test groups: titles without the SLO's name, intervals,
  input series values, evaluation times and the tiers expected there (the model's output).

What the skeleton blanks (label values, queries, alert names) is exactly what the wiring groups
assert on: a mutated query or label makes the outage group fail. Only files carrying the
generated-file marker are reduced; regression cases, hand-written files, SLOs next to rule groups
no SLO owns and tests using ``alert_rule_test`` always run whole.
"""

from __future__ import annotations

import json
import re

from burnwise.durations import parse_millis

from burnwise.generator.promtool.split import Part

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_METRIC = re.compile(r"(?<![\w:.])([A-Za-z_:][\w:]*)(?=\s*\{)")
_SEVERITY = re.compile(r'\bseverity="([^"]*)"')
_PREFIX = re.compile(r"^[^:]*: ")


def _expr_skeleton(expr: str, alert_names: dict[str, str]) -> str:
    text = _STRING.sub('"_"', expr)
    text = _METRIC.sub(lambda m: m.group(1) if m.group(1).startswith("slo:") else "_metric", text)
    for name, number in alert_names.items():
        text = re.sub(rf"\b{re.escape(name)}\b", number, text)
    return text


def rule_skeleton(groups: list[dict]) -> str:
    """The SLO's rule groups with names, label values and query selectors blanked."""
    alerts: dict[str, str] = {}
    for group in groups:
        for rule in group.get("rules") or []:
            if "alert" in rule:
                alerts.setdefault(str(rule["alert"]), f"ALERT{len(alerts)}")
    shape = []
    for group in groups:
        rules = []
        for rule in group.get("rules") or []:
            kind = "alert" if "alert" in rule else "record"
            name = alerts[str(rule["alert"])] if kind == "alert" else str(rule.get("record"))
            rules.append(
                [kind, name, str(rule.get("for", "")), sorted(rule.get("labels") or {}),
                 _expr_skeleton(str(rule.get("expr", "")), alerts)]
            )
        settings = {k: v for k, v in group.items() if k not in ("name", "rules")}
        shape.append([json.dumps(settings, sort_keys=True, default=str), rules])
    return json.dumps(shape)


def test_skeleton(tests: list[dict]) -> str:
    """The SLO's test groups as the model wrote them, without the SLO's names and selectors."""
    shape = []
    for group in tests:
        checks = []
        for check in group.get("promql_expr_test") or []:
            samples = check.get("exp_samples") or []
            checks.append(
                [str(check.get("eval_time")), sorted(_SEVERITY.findall(str(s.get("labels", ""))) for s in samples),
                 [s.get("value") for s in samples]]
            )
        series = sorted(str(s.get("values", "")) for s in group.get("input_series") or [])
        shape.append([_PREFIX.sub("", str(group.get("name", ""))), str(group.get("interval", "")), series, checks,
                      bool(group.get("alert_rule_test"))])
    return json.dumps(shape)


def wiring_indexes(tests: list[dict]) -> list[int]:
    """The test groups that prove an SLO's own wiring: the one expecting the most tiers at once
    that also checks a quiet minute (the full outage, with healthy traffic before it), and every
    group without input series (missing data). Empty when no group expects an alert."""
    best, best_tiers = None, 0
    for i, group in enumerate(tests):
        checks = group.get("promql_expr_test") or []
        tiers = max((len(c.get("exp_samples") or []) for c in checks), default=0)
        quiet = any(not c.get("exp_samples") for c in checks)
        if quiet and tiers > best_tiers:
            best, best_tiers = i, tiers
    if best is None:
        return []
    return sorted({best} | {i for i, g in enumerate(tests) if not g.get("input_series")})


def _eval_minutes(text: object) -> float:
    millis = parse_millis(str(text))
    return float("inf") if millis is None else millis / 60000


def _until_all_fire(group: dict) -> dict:
    """``group`` with only the checks up to the first one expecting the most tiers at once: the
    healthy minutes before, each tier firing with its labels. The later checks (each page
    stopping after recovery) prove window logic, which the shape's full scenario set proves, and
    promtool evaluates only up to the last check, so they are most of the group's cost."""
    checks = group.get("promql_expr_test") or []
    if not checks or not group.get("input_series"):
        return group
    most = max(len(c.get("exp_samples") or []) for c in checks)
    first = min(_eval_minutes(c.get("eval_time")) for c in checks if len(c.get("exp_samples") or []) == most)
    kept = [c for c in checks if _eval_minutes(c.get("eval_time")) <= first]
    return {**group, "promql_expr_test": kept}


def reduce_parts(parts: list[Part]) -> dict[str, int]:
    """Keep the full test groups for the first part of each shape and only the wiring groups for
    the others (in place: ``tests``, ``indexes``, ``mode``). Returns counts per mode."""
    seen: dict[tuple[str, str], Part] = {}
    counts = {"full": 0, "wiring": 0}
    for part in parts:
        if not part.generated or part.shared_rules or any(g.get("alert_rule_test") for g in part.tests):
            counts["full"] += 1
            continue
        key = (rule_skeleton(part.own_rules), test_skeleton(part.tests))
        first = seen.get(key)
        keep = wiring_indexes(part.tests) if first is not None else []
        if first is None or not keep:
            seen.setdefault(key, part)
            counts["full"] += 1
            continue
        part.tests = [_until_all_fire(part.tests[i]) for i in keep]
        part.indexes = tuple(part.indexes[i] for i in keep)
        part.mode = f"wiring only: same rule shape as {first.slo[0]}/{first.slo[1]}, whose full scenario set runs"
        counts["wiring"] += 1
    return counts
