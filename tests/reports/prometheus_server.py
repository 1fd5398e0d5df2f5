"""A real `prometheus` process evaluating a test's recording rules, stopped by pid on exit."""

from __future__ import annotations

import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import requests
import yaml

from tests.conftest import find_binary, free_port, stop_process


@contextmanager
def prometheus_with_rules(work: Path, rules: list[dict], ready_query: str, ready_series: int):
    """Start Prometheus on a free port with ``rules`` (1s interval); yield its URL once ``ready_query``
    returns ``ready_series`` series (bounded wait)."""
    (work / "rules.yaml").write_text(yaml.safe_dump({"groups": [{"name": "test", "interval": "1s", "rules": rules}]}))
    (work / "prometheus.yml").write_text(yaml.safe_dump({"global": {"evaluation_interval": "1s"},
                                                          "rule_files": ["rules.yaml"]}))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(work / "prometheus.log", "wb")
    proc = subprocess.Popen(
        [find_binary("prometheus"), f"--config.file={work / 'prometheus.yml'}",
         f"--storage.tsdb.path={work / 'data'}", f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                answer = requests.get(f"{url}/api/v1/query", params={"query": ready_query}, timeout=1)
                if answer.ok and len(answer.json()["data"]["result"]) == ready_series:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, (work / "prometheus.log").read_text()
            time.sleep(0.2)
        else:
            raise AssertionError("prometheus did not record the series:\n" + (work / "prometheus.log").read_text())
        yield url
    finally:
        log.close()
        stop_process(proc)
