"""Processes the benchmarks start: launched with a log file, waited for, and always stopped by pid.

Every benchmark wraps its processes in :func:`running`, so a failing benchmark still stops what it
started (terminate, then kill after a grace period) and leaves its log for the report.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import requests

from burnwise.support.processes import free_port  # noqa: E402,F401 (bench's names)
from burnwise.support.processes import stop_process as stop


@contextlib.contextmanager
def running(args: list[str], log: Path, env: dict[str, str] | None = None, cwd: Path | None = None) -> Iterator[subprocess.Popen]:
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=cwd)
        try:
            yield proc
        finally:
            stop(proc)


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    """Wait until `url` answers 200, failing early (with the log's tail) when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before answering {url}:\n{tail(log)}")
        try:
            if requests.get(url, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s:\n{tail(log)}")


def tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def rss_bytes(pid: int) -> int | None:
    """Resident set size of one process from /proc (Linux), None when it cannot be read."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def tree_rss_bytes(pid: int) -> int | None:
    """RSS of a process plus its children (a server with worker processes), from /proc."""
    total = rss_bytes(pid)
    if total is None:
        return None
    children_file = Path(f"/proc/{pid}/task/{pid}/children")
    with contextlib.suppress(OSError):
        for child in children_file.read_text().split():
            total += tree_rss_bytes(int(child)) or 0
    return total


def run_checked(args: list[str], log: Path, timeout: float, cwd: Path | None = None, env: dict[str, str] | None = None) -> float:
    """Run a command to completion, bounded in time; return its wall time, raise with its output on failure."""
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log, "wb") as out:
        try:
            done = subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, cwd=cwd, env=env)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"{args[0]} did not finish within {timeout:.0f}s:\n{tail(log)}") from exc
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(map(str, args[:3]))} ... exited with {done.returncode}:\n{tail(log)}")
    return elapsed


def python_env() -> dict[str, str]:
    """The environment for child Pythons: this repo importable even without `pip install -e`."""
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env
