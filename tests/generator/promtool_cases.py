"""Promtool rule-test files from per-minute traffic segments, for the behaviour tests.

Series are written with the project's own builder (:mod:`burnwise.generator.promtool.rule_tests`), so the tests
exercise the same notation code that generated unit tests use.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from burnwise.generator.promtool.rule_tests import (
    InputSeries,
    RuleTestFile,
    RuleTestGroup,
    Values,
)


@dataclass(frozen=True)
class Segment:
    minutes: int
    requests_per_minute: int
    error_ratio: float


def http_series(segments: list[Segment], job: str = "checkout") -> list[InputSeries]:
    """Two counters (code 200 and 500) starting at 0 and growing per segment, one sample a minute."""
    ok, errors = Values().repeat(0, 1), Values().repeat(0, 1)
    for seg in segments:
        failing = seg.requests_per_minute * seg.error_ratio
        ok = ok.counter(seg.requests_per_minute - failing, seg.minutes)
        errors = errors.counter(failing, seg.minutes)
    return [
        InputSeries.of("http_requests_total", {"job": job, "code": "200"}, ok),
        InputSeries.of("http_requests_total", {"job": job, "code": "500"}, errors),
    ]


def write_test_file(directory: Path, rule_file: Path, series: list[InputSeries], expr_tests: list[dict]) -> Path:
    test = RuleTestFile(
        rule_files=[str(rule_file)],
        evaluation_interval="1m",
        tests=[RuleTestGroup(interval="1m", input_series=series, promql_expr_test=expr_tests)],
    )
    return test.write(directory / f"case-{len(list(directory.glob('case-*.yaml')))}.yaml")
