"""Synthetic history as TSDB blocks: OpenMetrics text per SLO, converted by the real promtool.

One file (and one promtool process) per SLO, run in parallel, because promtool parses
single-threaded and the text for a day of thousands of series runs into gigabytes. Each text file
is deleted as soon as its blocks exist. ``--max-block-duration`` (a hidden promtool flag) lets one
pass cover days instead of re-reading the whole file for every 2h block.
"""

from __future__ import annotations

import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.procs import run_checked
from bench.prometheus import promtool_binary
from bench.traffic import SLOTraffic, openmetrics_lines


def write_openmetrics(slo: SLOTraffic, start: int, end: int, step: int, path: Path) -> int:
    """Write one SLO's history; return the number of samples."""
    lines = 0
    with open(path, "w", encoding="utf-8", buffering=1 << 20) as out:
        for block in openmetrics_lines(slo, start, end, step):
            out.write(block)
            out.write("\n")
            lines += block.count("\n") + 1
        out.write("# EOF\n")
    return lines


def _convert(slo: SLOTraffic, start: int, end: int, step: int, work: Path, timeout: float) -> tuple[int, Path]:
    text = work / f"{slo.job}.om"
    blocks = work / f"{slo.job}-blocks"
    samples = write_openmetrics(slo, start, end, step, text)
    try:
        run_checked(
            [promtool_binary(), "tsdb", "create-blocks-from", "openmetrics", "--quiet", "--max-block-duration=486h", str(text), str(blocks)],
            work / f"{slo.job}-promtool.log",
            timeout,
        )
    finally:
        text.unlink(missing_ok=True)
    return samples, blocks


def move_blocks(source: Path, data_dir: Path) -> int:
    """Move every block directory (ULID named, with meta.json) from `source` into `data_dir`."""
    data_dir.mkdir(parents=True, exist_ok=True)
    moved = 0
    for meta in sorted(source.rglob("meta.json")):
        shutil.move(str(meta.parent), data_dir / meta.parent.name)
        moved += 1
    return moved


def build_history(slos: list[SLOTraffic], start: int, end: int, step: int, work: Path, data_dir: Path, timeout: float) -> int:
    """All SLOs' history as blocks in `data_dir`; return the number of samples written."""
    work.mkdir(parents=True, exist_ok=True)
    workers = max(1, min(len(slos), os.cpu_count() or 1))
    total = 0
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(_convert, slo, start, end, step, work, timeout) for slo in slos]
        for future in futures:
            samples, blocks = future.result()
            total += samples
            move_blocks(blocks, data_dir)
    return total


def backfill_rules(rules_file: Path, url: str, start: int, end: int, interval: int, out_dir: Path, log: Path, timeout: float) -> float:
    """`promtool tsdb create-blocks-from rules` against a running Prometheus; return its wall time."""
    return run_checked(
        [
            promtool_binary(), "tsdb", "create-blocks-from", "rules", "--quiet",
            f"--url={url}", f"--start={start}", f"--end={end}", f"--eval-interval={interval}s",
            f"--output-dir={out_dir}", str(rules_file),
        ],
        log,
        timeout,
    )


__all__ = ["build_history", "backfill_rules", "move_blocks", "write_openmetrics"]
