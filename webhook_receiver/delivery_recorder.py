"""Group commit for delivery outcomes: the deliveries that finished meanwhile share one transaction.

Why: a backlog (a pager that comes back after an outage) drains at the rate the outcomes are
committed, and on SQLite every commit is an fsync that costs more than the delivery itself
(profiled: two commits of about 6 ms per page, so about 120 pages/s). Like the payload writer
(:mod:`batch_writer`), one thread takes every outcome queued while it was busy and commits them
together; each delivery thread waits for its own outcome to be committed, so a page's slot (and
the next page of its incident) is freed only after its outcome is durable, exactly as before.
If the shared transaction fails, each outcome is recorded alone so one bad row costs only itself.

Why outcome commits are not fsynced (SQLite ``synchronous=NORMAL`` for these transactions only,
:meth:`engine.Database.tx` with ``durable=False``; payload ingest and leases stay ``FULL``): in
WAL mode a relaxed commit is still atomic and ordered, and the next durable commit fsyncs the WAL
up to it, so a power loss drops only the newest relaxed commits - outcomes recorded after the last
durable commit. Every page is leased by a durable commit (:func:`outbox_queue.claim_due_pages`)
and an incident's next page at a target is leased only after the previous one's outcome is
committed, so that lease makes the previous outcome durable before the next page is sent. A lost
outcome therefore belongs to a page that is still the last event sent on its PagerDuty
``dedup_key`` (the key is stable per incident; escalation steps and direct pages have their own):
after the restart it is leased and sent again, and PagerDuty (like burnwise/support/pager_stub.py)
appends a repeated trigger to the still-open incident and ignores a repeated acknowledge/resolve -
no new notification, no reopened incident. That is the same at-least-once window a crash between
the HTTP call and its commit already had (chat/ticket webhooks may see the message again, as then).
It matters when fsync is slow (6 ms per commit on a busy disk, 0.3 ms on an idle one); figures
in docs/receiver.md.
"""

from __future__ import annotations

import logging
import queue
import threading

from burnwise.receiver import outbox_queue
from burnwise.receiver.engine import Database

log = logging.getLogger("burnwise.receiver.outbox")

MAX_BATCH = 256


class _Pending:
    __slots__ = ("done", "error", "outcome")

    def __init__(self, outcome: dict) -> None:
        self.outcome = outcome
        self.done = threading.Event()
        self.error: BaseException | None = None


class DeliveryRecorder:
    """``record_delivery(page_id, **outcome)`` like the store's, committed in groups."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._queue: queue.Queue[_Pending | None] = queue.Queue()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="burnwise-delivery-recorder", daemon=True)
        self._thread.start()

    def record_delivery(self, page_id: int, **outcome) -> None:
        if self._stopped:  # a delivery that outlived the stop records on its own
            outbox_queue.record_delivery(self.db, page_id, **outcome)
            return
        item = _Pending({"page_id": page_id, **outcome})
        self._queue.put(item)
        item.done.wait()
        if item.error is not None:
            raise item.error

    def stop(self) -> None:
        self._stopped = True
        self._queue.put(None)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            stopping = False
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stopping = True
                    break
                batch.append(item)
            self._commit(batch)
            if stopping:
                return

    def _commit(self, batch: list[_Pending]) -> None:
        try:
            outbox_queue.record_deliveries(self.db, [item.outcome for item in batch])
        except Exception as exc:  # noqa: BLE001 - retried one by one below; each waiter gets its own answer
            if len(batch) > 1:
                log.warning("recording %d delivery outcomes together failed (%s); recording each alone", len(batch), type(exc).__name__)
                for item in batch:
                    self._commit([item])
                return
            batch[0].error = exc
        for item in batch:
            item.done.set()
