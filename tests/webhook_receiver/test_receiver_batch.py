"""Group commit: many payloads per transaction must record exactly what one by one would.

Covers ``Store.ingest_batch`` (rounds, retry alone on failure, database down) and the
:class:`BatchWriter` thread (answers only after the commit, batches whatever is queued).
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict

import pytest
from burnwise.receiver.batch_writer import BatchWriter
from burnwise.receiver.models import Notification
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import (
    IngestRequest,
    IngestResult,
    Store,
    StoreUnavailable,
)
from burnwise.receiver.ingest import rounds as _rounds

from bench.alert_payloads import payload_stream
from burnwise.roster.directory import Directory
from tests.webhook_receiver.receiver_testlib import alert, notification

POLICY = PagingPolicy(base_url="http://receiver.test", default_routing_key="R" * 32)


class BoomDirectory(Directory):
    """Fails enrichment for service 'boom': a payload that breaks in the middle of its writes."""

    def __init__(self, message: str = "roster lookup failed") -> None:
        super().__init__()
        self.message = message

    def surface_for(self, labels):
        if labels.get("service") == "boom":
            raise RuntimeError(self.message)
        return None


def _store(url: str) -> Store:
    store = Store.from_url(url)
    store.ensure_schema()
    return store


@pytest.fixture
def stores(db_url, tmp_path, request):
    """Two empty databases of the same backend: one for one-by-one ingest, one for batches."""
    if db_url.startswith("sqlite"):
        urls = [db_url, f"sqlite:///{tmp_path / 'second.db'}"]
        made = [_store(url) for url in urls]
    else:
        made = [_store(db_url)]
        second = request.getfixturevalue("second_postgres_url")
        made.append(_store(second))
    try:
        yield made
    finally:
        for store in made:
            store.engine.dispose()


def _requests(count: int) -> list[IngestRequest]:
    return [IngestRequest(Notification.model_validate(json.loads(body))) for body in payload_stream(count, seed=3, run_id="batch")]


def _by_group(store: Store) -> dict[tuple, list[tuple]]:
    """Everything recorded per Alertmanager group, without ids and times (which differ by order)."""
    out: dict[tuple, list[tuple]] = defaultdict(list)
    for record in sorted(store.list_incidents(), key=lambda r: r.id):
        detail = store.get_incident(record.id)
        out[(detail.receiver, detail.group_key)].append(
            (
                detail.status,
                detail.severity,
                detail.route,
                detail.title,
                tuple((a.fingerprint, a.status) for a in detail.alerts),
                tuple((e.kind, e.actor, e.text) for e in detail.timeline),
                tuple((p.target, p.action, p.status, p.recipient_role) for p in detail.pages),
            )
        )
    return dict(out)


def _summary(result: IngestResult) -> tuple:
    return (result.duplicate, len(result.incident_ids), len(result.opened), len(result.resolved), result.pages)


def test_rounds_keep_each_groups_order_and_separate_its_notifications():
    def req(group):
        return IngestRequest(Notification.model_validate(notification(group, [alert()])))

    requests = [req("b"), req("a"), req("b"), req("c"), req("b"), req("a")]
    rounds = _rounds(requests)
    assert sorted(i for r in rounds for i in r) == list(range(6))
    for indexes in rounds:  # distinct groups within a round
        assert len({requests[i].notification.group_id for i in indexes}) == len(indexes)
    for group in "abc":  # a group's notifications in arrival order, one per round
        gid = requests[["b", "a", "b", "c", "b", "a"].index(group)].notification.group_id
        positions = [(n, i) for n, r in enumerate(rounds) for i in r if requests[i].notification.group_id == gid]
        assert [n for n, _ in positions] == list(range(len(positions)))
        assert [i for _, i in positions] == sorted(i for _, i in positions)


def test_batches_record_what_one_by_one_records(stores):
    single, batched = stores
    requests = _requests(240)
    expected = [single.ingest(r.notification, Directory.empty(), POLICY) for r in requests]
    got: list = []
    for first in range(0, len(requests), 24):
        got.extend(batched.ingest_batch(requests[first : first + 24], Directory.empty(), POLICY))
    assert not [o for o in got if isinstance(o, Exception)]
    assert [_summary(r) for r in got] == [_summary(r) for r in expected]
    assert sum(r.duplicate for r in expected) > 0 and sum(len(r.resolved) for r in expected) > 0
    assert _by_group(batched) == _by_group(single)


@pytest.mark.parametrize("message", ["roster lookup failed", ""])
def test_one_failing_payload_does_not_sink_the_others(db_url, message):
    store = _store(db_url)
    try:
        good = [IngestRequest(Notification.model_validate(notification(f"ok{i}", [alert(service="shop")]))) for i in range(3)]
        bad = IngestRequest(Notification.model_validate(notification("bad", [alert(service="boom")])))
        outcomes = store.ingest_batch([good[0], bad, good[1], good[2]], BoomDirectory(message), POLICY)
        assert isinstance(outcomes[1], RuntimeError)
        assert all(isinstance(o, IngestResult) and len(o.opened) == 1 for o in outcomes[:1] + outcomes[2:])
        incidents = store.list_incidents()
        assert sorted(i.group_key for i in incidents) == sorted(r.notification.group_key for r in good)
        # the failed payload left nothing behind: a retry of it is not a duplicate
        again = store.ingest(bad.notification, Directory.empty(), POLICY)
        assert not again.duplicate and len(again.opened) == 1
    finally:
        store.engine.dispose()


def test_unreachable_database_answers_every_payload_unavailable():
    store = Store.from_url("postgresql+psycopg://postgres@127.0.0.1:1/nothing")
    requests = _requests(5)
    outcomes = store.ingest_batch(requests, Directory.empty(), POLICY)
    assert len(outcomes) == 5 and all(isinstance(o, StoreUnavailable) for o in outcomes)


def test_writer_answers_after_the_commit_and_batches_what_is_queued(db_url):
    store = _store(db_url)
    reader = Store.from_url(db_url)  # another engine: sees only committed rows
    release = threading.Event()
    original = store.ingest_batch
    calls = []

    def held_first_batch(requests, directory, policy):
        calls.append(len(requests))
        if len(calls) == 1:
            release.wait(timeout=30)
        return original(requests, directory, policy)

    store.ingest_batch = held_first_batch
    writer = BatchWriter(store, Directory.empty(), POLICY, max_batch=8)
    seen_committed: list[bool] = []

    def check_committed(future):
        result = future.result()
        seen_committed.append(reader.get_incident(result.incident_ids[0]) is not None)

    try:
        requests = [IngestRequest(Notification.model_validate(notification(f"w{i}", [alert()]))) for i in range(11)]
        futures = [writer.submit(requests[0])]
        for _ in range(200):  # wait until the writer holds the first request alone
            if calls:
                break
            threading.Event().wait(0.01)
        futures += [writer.submit(r) for r in requests[1:]]
        for future in futures:
            future.add_done_callback(check_committed)
        release.set()
        results = [f.result(timeout=30) for f in futures]
        writer.stop()  # the done-callbacks run on the writer thread: let them finish
        assert calls == [1, 8, 2]  # everything queued while the first was written, at most max_batch
        assert [len(r.opened) for r in results] == [1] * 11
        assert len(set(r.opened[0] for r in results)) == 11
        assert seen_committed == [True] * 11
    finally:
        writer.stop()
        store.engine.dispose()
        reader.engine.dispose()


def test_writer_stop_answers_what_is_queued(db_url):
    store = _store(db_url)
    writer = BatchWriter(store, Directory.empty(), POLICY)
    try:
        futures = [
            writer.submit(IngestRequest(Notification.model_validate(notification(f"s{i}", [alert()])))) for i in range(5)
        ]
        writer.stop()
        assert all(f.done() for f in futures)
        assert len(store.list_incidents()) == 5
    finally:
        store.engine.dispose()


def test_concurrent_posts_share_transactions_and_each_gets_its_own_answer(tmp_path):
    import asyncio

    import httpx
    from burnwise.receiver.api import create_app
    from burnwise.receiver.config import ReceiverConfig

    config = ReceiverConfig(database_url=f"sqlite:///{tmp_path / 'api.db'}", pagerduty_routing_key="R" * 32)
    app = create_app(config, directory=Directory.empty(), start_worker=False)
    store, writer = app.state.store, app.state.writer
    original = store.ingest_batch
    bodies = [notification(f"api{i % 12}", [alert()]) for i in range(30)]  # 12 groups, 18 repeats

    calls = []

    def first_batch_waits_for_the_rest(requests, directory, policy):
        # hold the first transaction until every other request is queued behind it
        for _ in range(500):
            if len(requests) + writer._queue.qsize() >= len(bodies) or calls:
                break
            threading.Event().wait(0.01)
        calls.append(len(requests))
        return original(requests, directory, policy)

    store.ingest_batch = first_batch_waits_for_the_rest

    async def post_all():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://receiver.test") as client:
            return await asyncio.gather(*(client.post("/v1/alertmanager", json=body) for body in bodies))

    try:
        answers = asyncio.run(post_all())
        assert [a.status_code for a in answers] == [200] * 30
        statuses = [a.json()["status"] for a in answers]
        assert statuses.count("accepted") == 12 and statuses.count("duplicate") == 18
        assert statuses[:12] == ["accepted"] * 12  # each group's first notification opened it
        assert sum(a.json()["pages"] for a in answers) == 12
        assert len({a.json()["incidents"][0] for a in answers}) == 12
        assert len(calls) == 2 and sum(calls) == 30  # two transactions for 30 requests
    finally:
        writer.stop()
        store.engine.dispose()


def test_new_incident_page_document_equals_the_one_read_back(db_url, monkeypatch):
    """A new incident's page is built from the values written; it must match the stored rows."""
    from burnwise.receiver import ingest as store_module
    from burnwise.receiver.config import ReceiverConfig
    from burnwise.receiver.directory_source import load_directory

    from tests.webhook_receiver.receiver_testlib import REPO_ROOT

    config = ReceiverConfig(roster=REPO_ROOT / "oncall" / "roster.yaml", runbooks=REPO_ROOT / "oncall" / "runbooks.yaml")
    directory = load_directory(config)
    captured: list = []
    original = store_module.pages_for_open

    def capture(policy, doc):
        captured.append(doc)
        return original(policy, doc)

    monkeypatch.setattr(store_module, "pages_for_open", capture)
    store = _store(db_url)
    try:
        payloads = [
            notification(
                f"doc-{owner}-{severity}",
                [alert(name, severity=severity, owner=owner, service="unlisted") for name in ("Burn", "Slow")],
            )
            for owner in ("payments", "search", "ml-platform", "nobody")
            for severity in ("sev1", "sev3")
        ]
        requests = [IngestRequest(Notification.model_validate(p)) for p in payloads]
        assert all(isinstance(o, IngestResult) for o in store.ingest_batch(requests, directory, POLICY))
        # three surfaces of the roster page a chain; their sev3 twins and the unknown owner do not
        assert len(captured) == 8 and sum(bool(doc.escalation_chain) for doc in captured) == 3
        with store.engine.connect() as conn:
            for doc in captured:
                assert doc == store._document(conn, doc.id, runbooks=doc.runbooks)
    finally:
        store.engine.dispose()
