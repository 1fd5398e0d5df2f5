"""Build promtool rule-test files from per-minute traffic segments (for behaviour tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Segment:
    minutes: int
    requests_per_minute: float
    error_ratio: float


def counter_values(increments: list[float]) -> str:
    """Expanding notation for a counter that starts at 0 and grows by ``increments[i]`` each minute."""
    parts = ["0"]
    value = 0.0
    i = 0
    while i < len(increments):
        step = increments[i]
        run = 1
        while i + run < len(increments) and increments[i + run] == step:
            run += 1
        first = value + step
        parts.append(f"{_num(first)}+{_num(step)}x{run - 1}")
        value += step * run
        i += run
    return " ".join(parts)


def _num(value: float) -> str:
    return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def http_series(segments: list[Segment], job: str = "checkout") -> list[dict]:
    ok, errors = [], []
    for seg in segments:
        for _ in range(seg.minutes):
            errors.append(seg.requests_per_minute * seg.error_ratio)
            ok.append(seg.requests_per_minute - seg.requests_per_minute * seg.error_ratio)
    return [
        {"series": f'http_requests_total{{job="{job}",code="200"}}', "values": counter_values(ok)},
        {"series": f'http_requests_total{{job="{job}",code="500"}}', "values": counter_values(errors)},
    ]


def write_test_file(directory: Path, rule_file: Path, series: list[dict], alert_tests: list[dict], expr_tests: list[dict] | None = None) -> Path:
    test = {
        "rule_files": [str(rule_file)],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": series,
                "alert_rule_test": alert_tests,
                **({"promql_expr_test": expr_tests} if expr_tests else {}),
            }
        ],
    }
    path = directory / f"case-{len(list(directory.glob('case-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump(test, sort_keys=False), encoding="utf-8")
    return path
