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

#: how long a lane waits for more slots to free before claiming for a few (see DeliveryLane._gather_slots)
CLAIM_GATHER_SECONDS = 0.003
#: with a backlog, the longest a lane waits for half its slots before claiming for fewer
CLAIM_GATHER_MAX_SECONDS = 0.05

#: retryable failures in a row (at least; a lane's concurrency if larger) before a lane only probes
PROBE_AFTER_FAILURES = 3
#: while a target is down, one probe page at most this often
PROBE_INTERVAL_SECONDS = 1.0

MAX_RUN_ONCE_ROUNDS = 1000  # run_once drains in rounds (each incident's next page after the last)


class TargetHealth:
    """Whether a target is taking pages; while it is not, its lane sends one probe at a time.

    Why: during a pager outage every due page was retried at full concurrency, and a faster
    delivery path made that worse - measured on PostgreSQL, posting 10,000 Alertmanager payloads
    during a pager outage took 125 s instead of 85 s, the receiver's CPU going to retries the pager
    refused anyway (and PagerDuty answers a flood with 429s). After ``threshold`` retryable
    failures in a row (a whole lane's worth), the lane sends one page at a time, at most every
    ``PROBE_INTERVAL_SECONDS``; the first page the target takes (or refuses with a 4xx: it is up)
    opens the lane again. Each page keeps its own backoff and ``Retry-After``; probing only
    limits how many go at once. Entering and leaving is a WARNING/INFO line and the gauge
    ``burnwise_receiver_target_down{target}``.
    """

    def __init__(self, target: str, threshold: int, metrics: ReceiverMetrics) -> None:
        self.target = target
        self.threshold = threshold
        self.metrics = metrics
        self.down = False
        self._failures = 0
        self._next_probe = 0.0
        self._lock = threading.Lock()

    def note(self, outcome: str) -> None:
        """Count one delivery's outcome (``sent``, ``retry`` or ``failed``)."""
        with self._lock:
            if outcome == "retry":
                self._failures += 1
                if not self.down and self._failures >= self.threshold:
                    self.down = True
                    self.metrics.target_down.labels(target=self.target).set(1)
                    log.warning("%s target failed %d deliveries in a row: sending one probe page every %.0fs until it answers",
                                self.target, self._failures, PROBE_INTERVAL_SECONDS)
                return
            self._failures = 0
            if self.down:
                self.down = False
                self.metrics.target_down.labels(target=self.target).set(0)
                log.info("%s target answers again: delivering at full concurrency", self.target)

    def allow(self, free: int, concurrency: int, slots: threading.Semaphore) -> int:
        """How many of ``free`` held slots may be used now; the rest are given back."""
        allowed = free
        with self._lock:
            if self.down:
                in_flight = concurrency - free
                now = time.monotonic()
                allowed = 1 if free and in_flight == 0 and now >= self._next_probe else 0
                if allowed:
                    self._next_probe = now + PROBE_INTERVAL_SECONDS
        for _ in range(free - allowed):
            slots.release()
        return allowed


class DeliveryLane:
    """One target's deliveries: a claiming thread and up to ``concurrency`` deliveries in flight."""

    def __init__(
        self, target: str, concurrency: int, store: Store, config: ReceiverConfig, deliverer: Deliverer, metrics: ReceiverMetrics
    ) -> None:
        self.target = target
        self.concurrency = max(1, concurrency)
        self.store = store
        self.config = config
        self.deliverer = deliverer
        self.health = TargetHealth(target, max(PROBE_AFTER_FAILURES, self.concurrency), metrics)
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

    def _gather_slots(self, backlog: bool) -> int:
        """Free slots to claim for, waiting briefly so one claim serves several deliveries.

        Why: every claim is a durable commit (an fsync on SQLite; see
        :func:`outbox_queue.claim_due_pages`). Draining a backlog, deliveries finish one by one,
        and claiming for each freed slot alone costs an fsync per page: measured, the same
        10,000-page drain ran at ~450 pages/s that way and ~900/s when claims came in groups.
        So while there is a backlog the lane waits (at most ``CLAIM_GATHER_MAX_SECONDS``) until
        half its slots are free; with no backlog a page is claimed as soon as it is due.
        """
        free = self._free_slots()
        half = max(1, self.concurrency // 2)
        if backlog:
            deadline = time.monotonic() + CLAIM_GATHER_MAX_SECONDS
            while free < half and not self._stop.is_set():
                left = deadline - time.monotonic()
                if left <= 0 or not self._slots.acquire(timeout=left):
                    break
                free += 1 + self._free_slots()
        elif 0 < free < half:
            time.sleep(CLAIM_GATHER_SECONDS)  # outcomes share a commit, so slots tend to free together
            free += self._free_slots()
        return free

    def _run(self) -> None:
        backlog = False
        while not self._stop.is_set():
            claimed = 0
            free = self.health.allow(self._gather_slots(backlog), self.concurrency, self._slots)
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
            if free:
                backlog = claimed == free  # every slot got work: there may be more due at once
            if backlog and free:
                continue
            self._wake.wait(self.config.worker_poll_seconds)
            self._wake.clear()

    def _deliver_one(self, page) -> None:
        try:
            self.health.note(self.deliverer.deliver(page))
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
            name: DeliveryLane(name, config.concurrency.get(name, 2), store, config, self.deliverer, metrics) for name in TARGETS
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
