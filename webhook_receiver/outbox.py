"""The outbox workers: one delivery lane per target, and the escalation timer, each on its own.

Why this shape: pages and escalation timers live in tables (``outbox.next_attempt_at``,
``incidents.escalation_due_at``), so a restart neither loses nor repeats them, and several
receivers share the work (rows are leased, escalation steps advance by conditional update). Each
target (PagerDuty, ticket, chat) has its own lane - a thread that claims that target's due pages
and a bounded pool that delivers them concurrently with the target's own timeout - so a hung chat
webhook never delays a page, and the escalation timer never waits on any delivery. A page is
claimed only when a slot is free to deliver it at once, so its lease covers one delivery, not a
queue of them (no second replica re-sends it behind a slow pager). One incident's pages reach a
target in order (see :func:`outbox_queue.claim_due_pages`); different incidents go in parallel.
What one attempt does and records is :mod:`delivery`.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime

from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.delivery import Deliverer, backoff_seconds, build_targets  # noqa: F401 (re-exported)
from burnwise.receiver.delivery_recorder import DeliveryRecorder
from burnwise.receiver.metrics import ReceiverMetrics
from burnwise.receiver.outbox_queue import TARGETS
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import Store, StoreUnavailable

log = logging.getLogger("burnwise.receiver.outbox")

#: how long a lane waits for more slots to free before claiming for a few (see DeliveryLane._run)
CLAIM_GATHER_SECONDS = 0.003

MAX_RUN_ONCE_ROUNDS = 1000  # run_once drains in rounds (each incident's next page after the last)


class DeliveryLane:
    """One target's deliveries: a claiming thread and up to ``concurrency`` deliveries in flight."""

    def __init__(self, target: str, concurrency: int, store: Store, config: ReceiverConfig, deliverer: Deliverer) -> None:
        self.target = target
        self.concurrency = max(1, concurrency)
        self.store = store
        self.config = config
        self.deliverer = deliverer
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._slots = threading.Semaphore(self.concurrency)
        self._pool = ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix=f"burnwise-{target}")
        self._thread = threading.Thread(target=self._run, name=f"burnwise-lane-{target}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def wake(self) -> None:
        self._wake.set()

    def _free_slots(self) -> int:
        free = 0
        while self._slots.acquire(blocking=False):
            free += 1
        return free

    def _run(self) -> None:
        while not self._stop.is_set():
            claimed = 0
            free = self._free_slots()
            if 0 < free < self.concurrency // 2:
                # deliveries finish in groups (their outcomes share a commit): a moment's wait lets
                # one claim transaction serve the whole group instead of one claim per slot
                time.sleep(CLAIM_GATHER_SECONDS)
                free += self._free_slots()
            try:
                if free:
                    pages = self.store.claim_due_pages(self.config.claim_lease_seconds, limit=free, targets=(self.target,))
                    claimed = len(pages)
                    for page in pages:
                        self._pool.submit(self._deliver_one, page)
            except StoreUnavailable as exc:
                log.warning("database unavailable, %s deliveries paused: %s", self.target, exc)
            except Exception:  # noqa: BLE001 - the lane must outlive any single bad row
                log.exception("%s lane iteration failed", self.target)
            for _ in range(free - claimed):
                self._slots.release()
            if claimed == free and free:
                continue  # every slot got work: there may be more due at once
            self._wake.wait(self.config.worker_poll_seconds)
            self._wake.clear()

    def _deliver_one(self, page) -> None:
        try:
            self.deliverer.deliver(page)
        except StoreUnavailable as exc:
            log.warning("database unavailable recording page %s: %s (its lease frees it)", page.id, exc)
        except Exception:  # noqa: BLE001 - one page's failure must not take the slot with it
            log.exception("delivering page %s failed", page.id)
        finally:
            self._slots.release()
            self._wake.set()  # a finished delivery may free the incident's next page


class OutboxWorker:
    """The delivery lanes and the escalation timer of one receiver process."""

    def __init__(self, store: Store, config: ReceiverConfig, policy: PagingPolicy, metrics: ReceiverMetrics) -> None:
        self.store = store
        self.config = config
        self.policy = policy
        self.metrics = metrics
        self.targets = build_targets(config)
        self.deliverer = Deliverer(store, config, metrics, self.targets)
        self.recorder: DeliveryRecorder | None = None
        self.lanes = {
            name: DeliveryLane(name, config.concurrency.get(name, 2), store, config, self.deliverer) for name in TARGETS
        }
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._timer = threading.Thread(target=self._run_escalations, name="burnwise-escalation", daemon=True)

    def start(self) -> None:
        self.recorder = DeliveryRecorder(self.store.db)
        self.deliverer.recorder = self.recorder
        for lane in self.lanes.values():
            lane.start()
        self._timer.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._timer.join(timeout=5)
        for lane in self.lanes.values():
            lane.stop(timeout=self.config.delivery_timeout_seconds + 5)
        if self.recorder is not None:
            self.recorder.stop()

    def wake(self) -> None:
        """Deliver now instead of at the next poll (called after a page is committed)."""
        for lane in self.lanes.values():
            lane.wake()
        self._wake.set()

    def _run_escalations(self) -> None:
        while not self._stop.is_set():
            try:
                if self.fire_escalations():
                    self.wake()
            except StoreUnavailable as exc:
                log.warning("database unavailable, escalation timer paused: %s", exc)
            except Exception:  # noqa: BLE001 - the timer must outlive any single bad row
                log.exception("escalation timer iteration failed")
            self._wake.wait(self.config.worker_poll_seconds)
            self._wake.clear()

    def fire_escalations(self, now: datetime | None = None) -> int:
        """Advance every due escalation one step; returns how many advanced."""
        advanced = 0
        for incident_id in self.store.due_escalations(now):
            result = self.store.escalate_step(incident_id, self.policy, now)
            if result is None:
                continue
            advanced += 1
            self.metrics.escalations.inc()
            log.info("incident %s escalated", incident_id)
            report_skipped(result.skipped, self.metrics)
        return advanced

    def run_once(self, now: datetime | None = None) -> int:
        """Fire due escalations, then deliver every due page here, in order; returns deliveries tried.

        For tests and tools: synchronous, one page at a time, until nothing more is due at ``now``.
        """
        self.fire_escalations(now)
        tried = 0
        for _ in range(MAX_RUN_ONCE_ROUNDS):
            pages = self.store.claim_due_pages(self.config.claim_lease_seconds, limit=1, now=now)
            if not pages:
                break
            self.deliverer.deliver(pages[0])
            tried += 1
        return tried


def report_skipped(skipped: list[tuple[int, str, str, str]], metrics: ReceiverMetrics) -> None:
    """A page not even queued (no routing key, no ticket URL): ERROR line and metric, every time."""
    for incident_id, target, code, reason in skipped:
        metrics.pages_not_delivered.labels(target=target, reason=code).inc()
        log.error("incident %s: %s page not sent (%s): %s", incident_id, target, code, reason)
