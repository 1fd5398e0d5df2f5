"""The delivery fault suite (issue 15): numbered cases against real `burnwise serve` processes.

Why: "pages reach a person" is only believable measured the way a team would see it - at a
PagerDuty-faithful pager (:mod:`burnwise.support.pager_stub`), counting who was notified, what
was left open, what arrived twice and how long it took. Each case starts fresh receivers (SQLite,
or two replicas on one PostgreSQL schema), drives them over HTTP, and yields one table row.

    python -m bench.faults              # the full suite (make faults): 10,000-page backlog
    python -m bench.faults --short      # the bounded version make test runs (tests/bench/test_faults.py)
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import requests

from burnwise.receiver.store import Store
from burnwise.support.pager_stub import PagerStub
from burnwise.support.processes import wait_until
from tests.webhook_receiver.receiver_testlib import ReceiverProcess, alert, notification

ROUTING = "F" * 32
POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
T0 = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


@dataclass
class Row:
    case: str
    backend: str
    accepted: int = 0
    notified: int = 0
    duplicates: int = 0
    left_open: int = 0
    silent: int = 0
    p50: float | None = None
    p99: float | None = None
    drain_seconds: float | None = None
    drain_rate: float | None = None
    notes: list[str] = field(default_factory=list)

    def cells(self) -> list[str]:
        def sec(v: float | None) -> str:
            return "-" if v is None else f"{v:.2f} s"

        rate = "-" if self.drain_rate is None else f"{self.drain_rate:.0f}/s"
        return [self.case, self.backend, str(self.accepted), str(self.notified), str(self.duplicates), str(self.left_open),
                str(self.silent), sec(self.p50), sec(self.p99), sec(self.drain_seconds), rate]


HEADER = ["case", "backend", "payloads accepted", "pages a person received", "duplicates", "left open at pager",
          "silent skips", "page latency p50", "p99", "backlog drain", "drain rate"]


def table(rows: list[Row]) -> str:
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(r.cells()) + " |" for r in rows]
    return "\n".join(lines)


# --- plumbing -------------------------------------------------------------------------------------
class Bench:
    """One case's pager, receivers and post times; everything stops at exit."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.pager = PagerStub.start(port=0)
        self.receivers: list[ReceiverProcess] = []
        self.posted_at: dict[str, float] = {}
        self.accepted = 0
        self.session = requests.Session()

    def start(self, database_url: str, **settings) -> ReceiverProcess:
        base = {
            "database_url": database_url,
            "pagerduty_url": self.pager.enqueue_url,
            "pagerduty_routing_key": ROUTING,
            "worker_poll_seconds": 0.1,
            # shorter than the defaults (2 s base, 30 s page cap) so a case takes seconds, not minutes
            "retry": {"base_seconds": 0.5, "max_seconds": 5.0, "page_max_seconds": 5.0, "max_attempts": 30},
            "log_level": "warning",
        }
        proc = ReceiverProcess(self.workdir, {**base, **settings}).start()
        self.receivers.append(proc)
        return proc

    def post(self, receiver: ReceiverProcess, group: str, alerts: list[dict]) -> dict:
        response = self.session.post(receiver.url + "/v1/alertmanager", json=notification(group, alerts), headers=receiver.headers(), timeout=60)
        response.raise_for_status()
        self.accepted += 1
        self.posted_at.setdefault(group, time.time())
        return response.json()

    def post_many(self, receivers: list[ReceiverProcess], groups: list[str], status: str = "firing", workers: int = 8) -> None:
        def one(index_group):
            index, group = index_group
            receiver = receivers[index % len(receivers)]
            with requests.Session() as session:
                response = session.post(receiver.url + "/v1/alertmanager", json=notification(group, [alert(status=status, starts_at=T0, grp=group)]),
                                        headers=receiver.headers(), timeout=120)
                response.raise_for_status()
            return group, time.time()

        with ThreadPoolExecutor(workers) as pool:
            for group, at in pool.map(one, enumerate(groups)):
                self.accepted += 1
                if status == "firing":
                    self.posted_at.setdefault(group, at)

    def drained(self) -> bool:
        return all(r.metric("burnwise_receiver_outbox_depth") == 0 for r in self.receivers[:1])

    def fill(self, row: Row) -> Row:
        """Pager-side figures every case reports."""
        receiver = self.receivers[0]
        incidents = receiver.get("/v1/incidents").json()
        group_of = {i["dedup_key"]: i["title"] for i in incidents}
        row.notes.append(f"{len(incidents)} incidents, {sum(1 for i in incidents if i['status'] == 'resolved')} resolved")
        resolved_keys = {i["dedup_key"] for i in incidents if i["status"] == "resolved"}
        row.accepted = self.accepted
        row.notified = len(self.pager.notifications)
        triggers = Counter((e["routing_key"], e["dedup_key"]) for e in self.pager.events if e["event_action"] == "trigger")
        row.duplicates = sum(n - 1 for n in triggers.values())
        row.left_open = sum(
            1 for i in self.pager.open_incidents() if any(i.dedup_key == k or i.dedup_key.startswith(k + "-") for k in resolved_keys)
        )
        reported = sum(r.metric_total("burnwise_receiver_pages_not_delivered_total") for r in self.receivers)
        pages = Store.from_url(receiver.settings["database_url"]).list_pages()
        unsent = sum(1 for p in pages if p.status in ("skipped", "failed"))
        row.silent = max(0, unsent - int(reported))
        latencies = sorted(self._latencies(incidents, group_of))
        if latencies:
            row.p50 = statistics.median(latencies)
            row.p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
        return row

    def _latencies(self, incidents: list[dict], group_of: dict[str, str]) -> list[float]:
        by_title: dict[str, float] = {}
        for incident in incidents:
            labels = incident.get("labels") or {}
            by_title[incident["dedup_key"]] = self.posted_at.get(labels.get("grp", ""), 0.0)
        out = []
        for note in self.pager.notifications:
            posted = by_title.get(note.dedup_key)
            if posted:
                out.append(max(0.0, note.at - posted))
        return out

    def close(self) -> None:
        for receiver in self.receivers:
            receiver.stop()
        self.pager.stop()
        self.session.close()


def _metric_total(self: ReceiverProcess, name: str) -> float:
    text = requests.get(self.url + "/metrics", timeout=10).text
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name + "{") or line.startswith(name + " "))


ReceiverProcess.metric_total = _metric_total  # type: ignore[attr-defined]


@contextlib.contextmanager
def postgres_schema_url():
    import sqlalchemy as sa

    schema = f"faults_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{POSTGRES_ADMIN_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


# --- the cases ------------------------------------------------------------------------------------
def case_resolve_during_429s(work: Path, n: int) -> Row:
    """1: alerts fire and resolve while the pager answers 429: nothing may be left open."""
    bench = Bench(work)
    try:
        receiver = bench.start(f"sqlite:///{work / 'c1.db'}")
        bench.pager.fail_next(429, n // 2)
        groups = [f"c1-{i}" for i in range(n)]
        bench.post_many([receiver], groups)
        bench.post_many([receiver], groups, status="resolved")
        wait_until(bench.drained, timeout=60)
        return bench.fill(Row("1 resolve during pager 429s", "sqlite"))
    finally:
        bench.close()


def case_hung_chat(work: Path, n: int) -> Row:
    """3: a chat webhook that hangs 10 s per call must not delay pages."""
    bench = Bench(work)
    try:
        bench.pager.hang("/chat", 10.0)
        receiver = bench.start(f"sqlite:///{work / 'c3.db'}", chat_url=bench.pager.webhook_url("chat"), delivery_timeout_seconds=10)
        groups = [f"c3-{i}" for i in range(n)]
        bench.post_many([receiver], groups, workers=4)
        bench.pager.wait_for(lambda s: len(s.notifications) >= n, timeout=60)
        row = bench.fill(Row("3 hung chat webhook (10 s)", "sqlite"))
        bench.pager.hang("/chat", 0)
        return row
    finally:
        bench.close()


def case_backlog(work: Path, n: int, backend: str = "sqlite") -> Row:
    """4: the pager is down while n incidents open; after it returns the backlog must drain fast."""
    bench = Bench(work)
    try:
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(postgres_schema_url()) if backend == "postgresql" else f"sqlite:///{work / 'c4.db'}"
            receiver = bench.start(url)
            bench.pager.fail_next(503, 50 * n)
            groups = [f"c4-{i}" for i in range(n)]
            posting = time.time()
            bench.post_many([receiver], groups, workers=8)
            row_notes = [f"{n} payloads posted in {time.time() - posting:.1f} s during the outage"]
            # the receiver has found the pager down (its lane only probes) with the whole backlog waiting
            down = 'burnwise_receiver_target_down{target="pagerduty"}'
            wait_until(lambda: receiver.metric(down) == 1 and receiver.metric("burnwise_receiver_outbox_depth") >= n, timeout=60)
            row_notes.append(f"{len(bench.pager.requests)} delivery attempts during the outage (the lane probes once it finds the pager down)")
            bench.pager.recover()  # the pager comes back
            back = time.time()
            wait_until(lambda: len(bench.pager.notifications) >= n, timeout=max(60, n / 20), interval=0.05)
            done = max((note.at for note in bench.pager.notifications), default=back)
            row = bench.fill(Row(f"4 pager outage, {n}-page backlog", backend))
            row.drain_seconds = done - back
            first = min((note.at for note in bench.pager.notifications), default=back)
            row.drain_rate = n / max(done - first, 1e-6)
            row.notes += row_notes + [f"first page {first - back:.2f} s after the pager returned"]
            row.p50 = row.p99 = None  # latency here is the outage itself
            return row
    finally:
        bench.close()


def case_two_replicas(work: Path, n: int) -> Row:
    """7: two replicas on one PostgreSQL, a 1 s pager: no page may be sent twice."""
    bench = Bench(work)
    try:
        with postgres_schema_url() as url:
            bench.pager.hang("/v2/enqueue", 1.0)
            shared = {"claim_lease_seconds": 2.5}
            first, second = bench.start(url, **shared), bench.start(url, **shared)
            groups = [f"c7-{i}" for i in range(n)]
            bench.post_many([first, second], groups)
            bench.pager.wait_for(lambda s: len(s.notifications) >= n, timeout=120)
            wait_until(bench.drained, timeout=60)
            time.sleep(3.0)  # a lease running out would re-send now
            row = bench.fill(Row("7 two replicas, 1 s pager", "postgresql x2"))
            bench.pager.hang("/v2/enqueue", 0)
            return row
    finally:
        bench.close()


def case_late_firing(work: Path, n: int) -> Row:
    """6: the resolve arrives before the (stale) firing: nobody may be paged."""
    bench = Bench(work)
    try:
        receiver = bench.start(f"sqlite:///{work / 'c6.db'}")
        groups = [f"c6-{i}" for i in range(n)]
        bench.post_many([receiver], groups, status="resolved")
        bench.post_many([receiver], groups)
        time.sleep(1.0)
        return bench.fill(Row("6 stale firing after resolve", "sqlite"))
    finally:
        bench.close()


def run(short: bool, postgres: bool = True) -> list[Row]:
    sizes = {"flap": 20 if short else 40, "chat": 6 if short else 20, "backlog": 300 if short else 10_000,
             "replicas": 10 if short else 30, "late": 10 if short else 40}
    rows = []
    with tempfile.TemporaryDirectory(prefix="burnwise-faults-") as tmp:
        work = Path(tmp)
        rows.append(case_resolve_during_429s(work / "c1", sizes["flap"]))
        rows.append(case_hung_chat(work / "c3", sizes["chat"]))
        rows.append(case_backlog(work / "c4", sizes["backlog"]))
        rows.append(case_late_firing(work / "c6", sizes["late"]))
        if postgres:
            rows.append(case_two_replicas(work / "c7", sizes["replicas"]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.faults", description=__doc__.splitlines()[0])
    parser.add_argument("--short", action="store_true", help="small sizes (what make test runs)")
    parser.add_argument("--no-postgres", action="store_true", help="skip the PostgreSQL two-replica case")
    parser.add_argument("--backlog", type=int, default=None, help="run only the backlog case, with this many pages")
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite", help="for --backlog")
    args = parser.parse_args(argv)
    started = time.monotonic()
    if args.backlog:
        with tempfile.TemporaryDirectory(prefix="burnwise-faults-") as tmp:
            rows = [case_backlog(Path(tmp) / "c4", args.backlog, args.backend)]
    else:
        rows = run(args.short, postgres=not args.no_postgres)
    print(table(rows))
    for row in rows:
        for note in row.notes:
            print(f"- {row.case}: {note}")
    print(f"({time.monotonic() - started:.0f} s)")
    bad = [r.case for r in rows if r.left_open or r.duplicates or r.silent]
    if bad:
        print("FAILED targets (left open, duplicates or silent skips): " + ", ".join(bad), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
