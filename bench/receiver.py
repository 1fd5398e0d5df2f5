"""Benchmark 4: receiver throughput and latency on loopback, burnwise against the limit and Alerta.

Configurations, each a fresh server process fed the same payload stream (:mod:`bench.alert_payloads`):

* limit: the same server stack (FastAPI + uvicorn), parse and validate only, no storage
  (:mod:`bench.limit_receiver`);
* burnwise on SQLite and on PostgreSQL: ``burnwise serve``, the repo's roster and runbooks, pages
  going to the local pager stub; every 2xx means the payload is committed;
* Alerta (``alerta-server`` from PyPI in its own virtualenv, :mod:`bench.alerta_peer`) on the
  same PostgreSQL server, ``/api/webhooks/prometheus``.

Two phases per configuration: a closed loop (`concurrency` connections, bounded in count and
time) for payloads/s, then an open loop at a fixed request rate for p50/p99 latency. RSS of the
server process (and its children) is read after both.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench import alerta_peer, ingest_profile
from bench.alert_payloads import kinds_of, payload_stream
from bench.http_load import LoadResult, closed_loop, open_loop
from bench.procs import free_port, python_env, running, tree_rss_bytes, wait_http
from bench.report import Result, percentile, ratio

REPO_ROOT = Path(__file__).resolve().parent.parent
POSTGRES_ADMIN_URL = os.environ.get("BURNWISE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
#: while iterating on the receiver, skip the Alerta peer (its install alone takes minutes); the
#: ratios against Alerta are then left out and a note says so
SKIP_PEER = os.environ.get("BURNWISE_BENCH_SKIP_PEER", "") not in ("", "0")


@dataclass(frozen=True)
class Size:
    payloads: int  # closed-loop payloads
    concurrency: int
    rate: float  # open-loop requests per second
    latency_seconds: float
    time_limit: float  # per phase


SIZES = {
    "quick": Size(payloads=3000, concurrency=32, rate=200, latency_seconds=10, time_limit=90),
    "full": Size(payloads=30000, concurrency=64, rate=200, latency_seconds=60, time_limit=600),
}


@contextmanager
def postgres_database(prefix: str):
    """A fresh database on the local PostgreSQL server, dropped afterwards; yields its libpq URL."""
    import psycopg

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tree_cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process and its children so far, from /proc (Linux).

    Why: on a shared machine payloads/s moves with whatever else runs; the server's own CPU time
    per payload moves much less, so it is the figure to compare versions by.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return None
    own = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime, stime
    return own + sum(tree_cpu_seconds(int(child)) or 0.0 for child in children)


def measure(port: int, path: str, size: Size, run_id: str, server_pid: int | None = None) -> dict:
    throughput_bodies = payload_stream(size.payloads, seed=9, run_id=f"{run_id}-t")
    latency_bodies = payload_stream(int(size.rate * size.latency_seconds), seed=10, run_id=f"{run_id}-l")
    cpu_before = tree_cpu_seconds(server_pid) if server_pid else None
    closed: LoadResult = asyncio.run(closed_loop("127.0.0.1", port, path, throughput_bodies, size.concurrency, size.time_limit))
    cpu_after = tree_cpu_seconds(server_pid) if server_pid else None
    opened: LoadResult = asyncio.run(open_loop("127.0.0.1", port, path, latency_bodies, size.rate, size.time_limit))
    return {
        "payloads": closed.sent,
        "payloads_per_s": ratio(closed.ok, closed.wall),
        "server_cpu_ms_per_payload": (
            1000 * (cpu_after - cpu_before) / closed.ok if cpu_before is not None and cpu_after is not None and closed.ok else None
        ),
        "p50_ms": _ms(percentile(closed.latencies, 50)),
        "p99_ms": _ms(percentile(closed.latencies, 99)),
        f"p50_ms@{size.rate:g}/s": _ms(percentile(opened.latencies, 50)),
        f"p99_ms@{size.rate:g}/s": _ms(percentile(opened.latencies, 99)),
        "errors": closed.errors + opened.errors,
        "statuses": {str(k): v for k, v in sorted({**_merge(closed.statuses, opened.statuses)}.items())},
    }


def _merge(a: dict[int, int], b: dict[int, int]) -> dict[int, int]:
    out = dict(a)
    for key, value in b.items():
        out[key] = out.get(key, 0) + value
    return out


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else seconds * 1000


def run_limit(work: Path, size: Size) -> dict:
    port = free_port()
    log = work / "limit.log"
    with running([sys.executable, "-m", "bench.limit_receiver", "--port", str(port)], log, env=python_env()) as proc:
        wait_http(f"http://127.0.0.1:{port}/healthz", proc, log)
        row = measure(port, "/v1/alertmanager", size, "limit", proc.pid)
        row["rss_mib"] = (tree_rss_bytes(proc.pid) or 0) / 2**20
    return row


def run_burnwise(work: Path, size: Size, database_url: str, name: str) -> dict:
    port, stub_port = free_port(), free_port()
    env = python_env()
    env.update(
        {
            "BURNWISE_DATABASE_URL": database_url,
            "BURNWISE_LISTEN": f"127.0.0.1:{port}",
            "BURNWISE_INSECURE_NO_AUTH": "true",  # the load generator sends no token
            "BURNWISE_PAGERDUTY_URL": f"http://127.0.0.1:{stub_port}/v2/enqueue",
            "BURNWISE_PAGERDUTY_ROUTING_KEY": "bench0000000000000000000000000000",
            "BURNWISE_ROSTER": str(REPO_ROOT / "oncall" / "roster.yaml"),
            "BURNWISE_RUNBOOKS": str(REPO_ROOT / "oncall" / "runbooks.yaml"),
        }
    )
    with ExitStack() as stack:
        stub_log = work / f"{name}-pager-stub.log"
        stack.enter_context(running([sys.executable, "-m", "burnwise.support.pager_stub", "--port", str(stub_port)], stub_log, env=python_env()))
        log = work / f"{name}.log"
        proc = stack.enter_context(running([sys.executable, "-m", "burnwise", "serve"], log, env=env, cwd=work))
        wait_http(f"http://127.0.0.1:{port}/readyz", proc, log)
        row = measure(port, "/v1/alertmanager", size, name, proc.pid)
        row["rss_mib"] = (tree_rss_bytes(proc.pid) or 0) / 2**20
    return row


def run_alerta(work: Path, size: Size) -> tuple[dict | None, str]:
    venv = work / "alerta-venv"
    try:
        alerta_peer.prepare(venv, work / "alerta-install.log")
    except RuntimeError as exc:
        return None, f"Alerta not measured: alerta-server did not install ({str(exc).splitlines()[-1]})"
    label = f"alerta-server {alerta_peer.version(venv)}"
    port = free_port()
    log = work / "alerta.log"
    workers: list[int] = []
    try:
        with postgres_database("alerta_bench") as url:
            env = alerta_peer.environment(url, dict(os.environ), work)
            with running(alerta_peer.command(venv, port), log, env=env, cwd=work) as proc:
                try:
                    wait_http(f"http://127.0.0.1:{port}{alerta_peer.HEALTH_PATH}", proc, log, timeout=90)
                except RuntimeError as exc:
                    return None, f"Alerta not measured: {label} did not start ({str(exc).splitlines()[0]})"
                workers = child_pids(proc.pid)
                row = measure(port, alerta_peer.WEBHOOK_PATH, size, "alerta", proc.pid)
                row["rss_mib"] = (tree_rss_bytes(proc.pid) or 0) / 2**20
    finally:
        stop_pids(workers)
    return row, label


def child_pids(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def stop_pids(pids: list[int], grace: float = 10.0) -> None:
    """Stop processes left behind by a stopped server, by pid: SIGTERM, then SIGKILL after ``grace``.

    Why: gunicorn's worker outlives its master when the master is killed while the worker is
    still busy with a backlog of requests (seen after the open loop: orphans kept running).
    """
    alive = [pid for pid in pids if _alive(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in alive if _alive(pid)]
    for pid in alive:
        os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def run(mode: str, workdir: Path) -> list[Result]:
    size = SIZES[mode]
    work = workdir / "receiver"
    work.mkdir(parents=True, exist_ok=True)
    notes: list[str] = []
    rows = []
    limit = {"server": "limit: FastAPI+uvicorn, parse only", **run_limit(work, size)}
    rows.append(limit)
    sqlite = {"server": "burnwise serve, SQLite", **run_burnwise(work, size, f"sqlite:///{work / 'bench.db'}", "burnwise-sqlite")}
    rows.append(sqlite)
    try:
        with postgres_database("burnwise_bench") as url:
            postgres = {"server": "burnwise serve, PostgreSQL", **run_burnwise(work, size, url, "burnwise-postgres")}
        rows.append(postgres)
    except Exception as exc:  # no server: say so, keep the other rows
        postgres = None
        notes.append(f"PostgreSQL row missing: {str(exc).splitlines()[0]}")
    try:
        alerta, label = (None, "Alerta not measured: BURNWISE_BENCH_SKIP_PEER is set") if SKIP_PEER else run_alerta(work, size)
    except Exception as exc:
        alerta, label = None, f"Alerta not measured: {str(exc).splitlines()[0]}"
    if alerta is None:
        notes.append(label)
    else:
        rows.append({"server": f"Alerta ({label}), PostgreSQL", **alerta})

    mix = kinds_of(payload_stream(size.payloads, seed=9, run_id="mix"))
    p99_key = f"p99_ms@{size.rate:g}/s"
    ratios = {
        "burnwise SQLite payloads/s": sqlite["payloads_per_s"],
        "burnwise SQLite / limit": ratio(sqlite["payloads_per_s"], limit["payloads_per_s"]),
        f"burnwise SQLite {p99_key}": sqlite[p99_key],
    }
    if postgres:
        ratios["burnwise PostgreSQL / limit"] = ratio(postgres["payloads_per_s"], limit["payloads_per_s"])
    if alerta:
        ratios["burnwise SQLite / Alerta"] = ratio(sqlite["payloads_per_s"], alerta["payloads_per_s"])
        if postgres:
            ratios["burnwise PostgreSQL / Alerta"] = ratio(postgres["payloads_per_s"], alerta["payloads_per_s"])
    notes += [
        f"payload mix (closed loop): {mix['firing']} firing, {mix['resolved']} resolved notifications, {mix['alerts']} alerts "
        "(new groups, repeats of open groups, groups gaining an alert, resolves)",
        "closed loop: payloads/s and latency with all connections busy; open loop: latency at a fixed request rate, measured from each request's scheduled start",
        f"Alerta runs under gunicorn, 1 worker x {alerta_peer.THREADS} threads; burnwise and the limit under uvicorn, 1 process",
        "client and servers share the same cores; the client is a minimal asyncio HTTP/1.1 loop",
        "server_cpu_ms_per_payload: CPU time (user+system) of the server process and its children during the closed loop, "
        "per accepted payload; it includes the outbox worker delivering pages, but not the PostgreSQL server's own CPU",
    ]
    result = Result(
        name="receiver",
        title="4. Receiver throughput and latency (loopback, same payloads)",
        config={"payloads": size.payloads, "concurrency": size.concurrency, "open_loop_rate": size.rate, "open_loop_s": size.latency_seconds},
        columns=["server", "payloads", "payloads_per_s", "server_cpu_ms_per_payload", "p50_ms", "p99_ms", f"p50_ms@{size.rate:g}/s", p99_key, "errors", "rss_mib"],
        rows=rows,
        ratios=ratios,
        targets={
            "burnwise SQLite payloads/s": ">= 1000",
            f"burnwise SQLite {p99_key}": "< 50",
            "burnwise SQLite / Alerta": ">= 2",
            "burnwise PostgreSQL / Alerta": ">= 2",
        },
        notes=notes,
    )
    return [result, ingest_profile.run(mode, workdir, REPO_ROOT)]
