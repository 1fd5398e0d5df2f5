"""A real Prometheus for the rule benchmarks: start it on a data directory, query it, read its metrics.

Only the HTTP API and /metrics are used, the same surfaces an operator has. The process is
always stopped by its pid (:func:`bench.procs.running`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families

from bench.procs import free_port, running, wait_http


def prometheus_binary() -> str:
    path = os.environ.get("BURNWISE_PROMETHEUS") or shutil.which("prometheus")
    if not path:
        raise RuntimeError("prometheus not found: install it with `apt-get install -y prometheus` (or set BURNWISE_PROMETHEUS)")
    return path


def promtool_binary() -> str:
    path = os.environ.get("BURNWISE_PROMTOOL") or shutil.which("promtool")
    if not path:
        raise RuntimeError("promtool not found: install it with `apt-get install -y prometheus` (or set BURNWISE_PROMTOOL)")
    return path


@dataclass
class Prometheus:
    url: str
    pid: int

    def query(self, expr: str, at: float | None = None, stats: bool = False, timeout: float = 300.0) -> dict:
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at:.3f}"
        if stats:
            params["stats"] = "all"
        response = requests.post(f"{self.url}/api/v1/query", data=params, timeout=timeout)
        body = response.json()
        if body.get("status") != "success":
            raise RuntimeError(f"query failed ({response.status_code}): {body.get('error')}\n{expr}")
        return body["data"]

    def vector(self, expr: str, at: float | None = None) -> list[tuple[dict[str, str], float]]:
        return [(item["metric"], float(item["value"][1])) for item in self.query(expr, at)["result"]]

    def metrics(self) -> list[tuple[str, dict[str, str], float]]:
        """Every sample of Prometheus' own /metrics as (name, labels, value)."""
        text = requests.get(f"{self.url}/metrics", timeout=30).text
        return [(s.name, dict(s.labels), s.value) for family in text_string_to_metric_families(text) for s in family.samples]

    def rule_groups(self) -> list[dict]:
        return requests.get(f"{self.url}/api/v1/rules", timeout=30).json()["data"]["groups"]


def write_config(path: Path, rule_files: list[Path], evaluation_interval: int, scrape_target: str | None) -> None:
    config: dict = {
        "global": {"scrape_interval": "15s", "evaluation_interval": f"{evaluation_interval}s"},
        "rule_files": [str(p) for p in rule_files],
    }
    if scrape_target:
        config["scrape_configs"] = [
            {"job_name": "synthetic", "honor_labels": True, "honor_timestamps": True, "static_configs": [{"targets": [scrape_target]}]}
        ]
    path.write_text(json.dumps(config, indent=2, sort_keys=True), encoding="utf-8")  # JSON is YAML


@contextlib.contextmanager
def started(data_dir: Path, config: Path, log: Path, timeout: float = 120.0) -> Iterator[Prometheus]:
    """Prometheus on a free loopback port, ready to answer, stopped (by pid) on exit."""
    port = free_port()
    args = [
        prometheus_binary(),
        f"--config.file={config}",
        f"--storage.tsdb.path={data_dir}",
        "--storage.tsdb.retention.time=60d",
        f"--web.listen-address=127.0.0.1:{port}",
        "--query.timeout=10m",
        "--query.max-samples=2000000000",
        "--log.level=warn",
    ]
    with running(args, log) as proc:
        url = f"http://127.0.0.1:{port}"
        wait_http(f"{url}/-/ready", proc, log, timeout=timeout)
        yield Prometheus(url, proc.pid)


def blocks(data_dir: Path) -> list[tuple[int, int]]:
    """(minTime, maxTime) of every persisted block in a TSDB directory."""
    found = []
    for meta in data_dir.glob("*/meta.json"):
        if "." in meta.parent.name:  # a block being written or deleted by compaction
            continue
        with contextlib.suppress(OSError, ValueError, KeyError):
            doc = json.loads(meta.read_text())
            found.append((doc["minTime"], doc["maxTime"]))
    return sorted(found)


def has_overlaps(spans: list[tuple[int, int]]) -> bool:
    """True when two blocks cover a common time range (Prometheus will compact them vertically)."""
    ordered = sorted(spans)
    return any(later[0] < earlier[1] for earlier, later in zip(ordered, ordered[1:]))


def wait_compacted(data_dir: Path, timeout: float) -> bool:
    """Wait (bounded) until the running Prometheus has merged all overlapping blocks."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not has_overlaps(blocks(data_dir)):
            return True
        time.sleep(2)
    return False
