"""Group commit for the ingest path: one writer thread records queued payloads in shared transactions.

Why: a payload answered 2xx must already be committed, and with one transaction per request every
payload paid its own BEGIN, connection checkout and commit (on SQLite a write lock and an fsync,
on PostgreSQL a WAL flush), while the requests waiting behind it only queued for the same lock.
Here requests are queued to a single writer thread. Whenever it is free it takes everything that
has arrived meanwhile (at most ``max_batch``), records it with :meth:`Store.ingest_batch` in one
transaction, commits once, and only then completes each request's future. The 2xx still follows
the commit; what changes is that one commit covers many payloads.

No payload waits for a batch to fill: the writer never sleeps while work is queued, so a lone
request is written at once, and batches grow only when requests arrive faster than one
transaction takes (the queue is the wait). ``max_batch`` bounds how long the first request of a
batch waits for the others and how much one rollback has to redo.
"""

from __future__ import annotations

import logging
import queue
import threading
from concurrent.futures import Future

from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import IngestRequest, IngestResult, Store

from burnwise.roster.directory import Directory

log = logging.getLogger("burnwise.receiver")

DEFAULT_MAX_BATCH = 64
_STOP = object()


class BatchWriter:
    """Queue :class:`IngestRequest` s to one writer thread; each gets a future for its result.

    The thread starts with the first request (or :meth:`start`) and :meth:`stop` drains the queue
    before it ends, so no accepted request is left without an answer.
    """

    def __init__(self, store: Store, directory: Directory, policy: PagingPolicy, max_batch: int = DEFAULT_MAX_BATCH) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.store = store
        self.directory = directory
        self.policy = policy
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.batches = 0  # transactions written, for tests and metrics
        self.largest_batch = 0

    def start(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="burnwise-ingest-writer", daemon=True)
                self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        """Write what is queued, then end the thread."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None and thread.is_alive():
            self._queue.put(_STOP)
            thread.join(timeout)

    def submit(self, request: IngestRequest) -> Future:
        """Queue one payload; the future ends with its :class:`IngestResult` or exception after the commit."""
        future: Future = Future()
        self.start()
        self._queue.put((request, future))
        return future

    def _run(self) -> None:
        while True:
            batch, stopping = self._take()
            if batch:
                self._write(batch)
            if stopping:
                return

    def _take(self) -> tuple[list[tuple[IngestRequest, Future]], bool]:
        """Block for the first request, then take what else is already queued, up to ``max_batch``."""
        item = self._queue.get()
        if item is _STOP:
            return [], True
        batch = [item]
        while len(batch) < self.max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, batch: list[tuple[IngestRequest, Future]]) -> None:
        # a request whose caller gave up (its future cancelled) was never answered: skip it, the
        # sender retries; the others can no longer be cancelled once marked running
        batch = [(request, future) for request, future in batch if future.set_running_or_notify_cancel()]
        if not batch:
            return
        requests = [request for request, _future in batch]
        try:
            outcomes = self.store.ingest_batch(requests, self.directory, self.policy)
        except Exception as exc:  # noqa: BLE001 - a bug here must answer the waiting requests, not hang them
            log.exception("ingest batch failed")
            outcomes = [exc] * len(batch)
        self.batches += 1
        self.largest_batch = max(self.largest_batch, len(batch))
        for (_request, future), outcome in zip(batch, outcomes):
            if isinstance(outcome, IngestResult):
                future.set_result(outcome)
            else:
                future.set_exception(outcome)
