"""Where the receiver's time per payload goes: cProfile of the store's ingest in-process, by category.

The receiver benchmark says how fast; this says why. The same payload stream is ingested into a
fresh SQLite database (same engine settings, roster and runbooks as ``burnwise serve``) without
HTTP, in batches of ``BATCH`` payloads per transaction through ``Store.ingest_batch`` - the
shape the server's group-commit writer gives them when ``BATCH`` requests are waiting. The
profiler's own time per function is grouped into: the commit (SQLite's fsync), the database
driver's execute, SQLAlchemy building and compiling statements, SQLAlchemy's engine plumbing,
pydantic, the receiver's own code, and the rest.

Two unprofiled timings go with it, into fresh databases: one transaction per payload
(``Store.ingest``) and the batches, so the gain of group commit alone is visible.
"""

from __future__ import annotations

import cProfile
import json
import pstats
import time
from pathlib import Path

from bench.alert_payloads import payload_stream
from bench.report import Result

#: payloads per transaction in the profiled run: the closed loop's concurrency in quick mode
BATCH = 32

CATEGORIES = (
    ("commit (fsync of the transaction)", lambda file, name: "commit" in name and ("sqlite3" in name or file == "~")),
    ("driver execute (sqlite3)", lambda file, name: file == "~" and ("execute" in name and "sqlite3" in name)),
    ("SQLAlchemy: building/compiling statements", lambda file, name: "sqlalchemy/sql" in file),
    ("SQLAlchemy: engine, results, pool", lambda file, name: "sqlalchemy/" in file),
    ("pydantic models", lambda file, name: "pydantic" in file),
    ("receiver code (store, enrich, paging)", lambda file, name: "webhook_receiver" in file),
)


def categorize(stats: pstats.Stats) -> dict[str, float]:
    """Own time (tottime) per category; the first matching category wins, the rest is 'other'."""
    totals = {name: 0.0 for name, _ in CATEGORIES}
    totals["other (json, stdlib, interpreter)"] = 0.0
    for (file, _line, name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        file = file.replace("\\", "/")
        for category, matches in CATEGORIES:
            if matches(file, name):
                totals[category] += tottime
                break
        else:
            totals["other (json, stdlib, interpreter)"] += tottime
    return totals


def run(mode: str, workdir: Path, repo_root: Path) -> Result:
    from burnwise.receiver.config import ReceiverConfig
    from burnwise.receiver.directory_source import load_directory
    from burnwise.receiver.models import Notification
    from burnwise.receiver.paging import PagingPolicy
    from burnwise.receiver.store import IngestRequest, Store

    count = 300 if mode == "quick" else 2000
    work = workdir / "ingest-profile"
    work.mkdir(parents=True, exist_ok=True)
    config = ReceiverConfig(
        database_url=f"sqlite:///{work / 'profile.db'}",
        roster=repo_root / "oncall" / "roster.yaml",
        runbooks=repo_root / "oncall" / "runbooks.yaml",
        pagerduty_routing_key="bench0000000000000000000000000000",
    )
    directory = load_directory(config)
    policy = PagingPolicy(base_url=config.base_url, default_routing_key=config.pagerduty_routing_key, ticket_enabled=False, chat_enabled=False)
    bodies = payload_stream(count, seed=11, run_id="profile")
    notifications = [Notification.model_validate(json.loads(body)) for body in bodies]

    def ingest_all(database: str, batch: int, profiler: cProfile.Profile | None = None) -> float:
        """Seconds to ingest every notification into a fresh database, ``batch`` per transaction."""
        store = Store.from_url(f"sqlite:///{work / database}")
        store.ensure_schema()
        requests = [IngestRequest(n) for n in notifications]
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        for first in range(0, len(requests), batch):
            if batch == 1:
                store.ingest(requests[first].notification, directory, policy)
            else:
                for outcome in store.ingest_batch(requests[first : first + batch], directory, policy):
                    if isinstance(outcome, Exception):
                        raise outcome
        if profiler:
            profiler.disable()
        wall = time.perf_counter() - started
        store.engine.dispose()
        return wall

    single_wall = ingest_all("single.db", 1)
    batch_wall = ingest_all("batch.db", BATCH)
    profiler = cProfile.Profile()
    wall = ingest_all("profile.db", BATCH, profiler)
    totals = categorize(pstats.Stats(profiler))
    profiled = sum(totals.values()) or 1.0
    rows = [
        {"where": name, "ms_per_payload": 1000 * seconds / count, "share %": 100 * seconds / profiled}
        for name, seconds in sorted(totals.items(), key=lambda item: -item[1])
    ]
    statements = sum(
        nc for (file, _l, name), (_cc, nc, *_rest) in pstats.Stats(profiler).stats.items()  # type: ignore[attr-defined]
        if file == "~" and "execute" in name and "sqlite3" in name
    )
    return Result(
        name="receiver_profile",
        title="4b. Where burnwise's ingest time goes (cProfile of Store.ingest_batch, SQLite, no HTTP)",
        config={"payloads": count, "database": f"SQLite (WAL, {BATCH} payloads per transaction)"},
        columns=["where", "ms_per_payload", "share %"],
        rows=rows,
        ratios={
            "payloads/s in-process, 1 per transaction (no profiler)": count / single_wall,
            f"payloads/s in-process, {BATCH} per transaction (no profiler)": count / batch_wall,
            f"payloads/s in-process, {BATCH} per transaction (under the profiler)": count / wall,
            "SQL statements per payload (driver execute calls, BEGIN included)": statements / count,
        },
        notes=["own time per function (cProfile tottime) grouped by module; the profiler itself slows everything by a similar factor"],
    )
