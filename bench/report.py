"""Benchmark results: one table per benchmark on stdout, the same figures as JSON on disk.

Kept apart from the benchmarks so every benchmark reports the same way and the formatting can be
tested without running anything.
"""

from __future__ import annotations

import json
import platform
import statistics
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


@dataclass
class Result:
    """What one benchmark measured: its configuration, one row per measured subject, ratios."""

    name: str
    title: str
    config: dict[str, Any]
    columns: list[str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    ratios: dict[str, Any] = field(default_factory=dict)
    targets: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: details for the JSON only (per-SLO values), not printed
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "config": self.config,
            "columns": self.columns,
            "rows": self.rows,
            "ratios": self.ratios,
            "targets": self.targets,
            "notes": self.notes,
            "extra": self.extra,
        }


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """numerator / denominator, or None when either is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def percentile(values: list[float], pct: float) -> float | None:
    """Nearest-rank percentile (pct in 0..100): a value that was actually observed."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]


def format_value(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value == 0:
            return "0"
        magnitude = abs(value)
        if magnitude >= 1000:
            return f"{value:,.0f}"
        if magnitude >= 1:
            return f"{value:.3g}" if magnitude < 100 else f"{value:.1f}"
        return f"{value:.3g}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def format_table(columns: list[str], rows: list[dict[str, Any]]) -> str:
    """A plain-text table, columns in the given order, values right-aligned unless text."""
    cells = [[format_value(row.get(col)) for col in columns] for row in rows]
    widths = [max([len(col)] + [len(r[i]) for r in cells]) for i, col in enumerate(columns)]
    lines = ["  ".join(col.ljust(widths[i]) for i, col in enumerate(columns))]
    lines.append("  ".join("-" * w for w in widths))
    for row_cells, row in zip(cells, rows):
        parts = []
        for i, col in enumerate(columns):
            text = row_cells[i]
            numeric = isinstance(row.get(col), (int, float)) and not isinstance(row.get(col), bool)
            parts.append(text.rjust(widths[i]) if numeric else text.ljust(widths[i]))
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def format_result(result: Result) -> str:
    out = [f"== {result.title} =="]
    config = ", ".join(f"{k}={format_value(v)}" for k, v in result.config.items())
    out.append(f"configuration: {config}")
    out.append(format_table(result.columns, result.rows))
    for key, value in result.ratios.items():
        target = result.targets.get(key)
        suffix = f"  (target {target})" if target else ""
        out.append(f"{key}: {format_value(value)}{suffix}")
    for note in result.notes:
        out.append(f"note: {note}")
    return "\n".join(out)


def machine() -> dict[str, Any]:
    """The machine the figures come from; the figures mean nothing without it."""
    import os

    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                info["memory_gib"] = round(int(line.split()[1]) / 1024 / 1024, 1)
                break
    except OSError:
        pass
    return info


def write_json(results: list[Result], mode: str, directory: Path) -> Path:
    """bench/results/<utc timestamp>-<mode>.json, keys sorted so two runs diff cleanly."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc)
    path = directory / f"{stamp.strftime('%Y%m%dT%H%M%SZ')}-{mode}.json"
    document = {
        "mode": mode,
        "finished_at": stamp.isoformat(timespec="seconds"),
        "machine": machine(),
        "benchmarks": [r.to_dict() for r in results],
    }
    path.write_text(json.dumps(document, indent=2, sort_keys=True, default=str) + "\n", encoding="utf-8")
    return path
