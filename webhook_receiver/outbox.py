"""The outbox worker: delivers committed pages with retries, and fires due escalations.

Why a database-driven loop: pages and escalation timers live in tables (``outbox.next_attempt_at``,
``incidents.escalation_due_at``), so a restart neither loses nor repeats them, and several
receivers can share the work (rows are leased, escalation steps advance by conditional update).
Retries: 429, 5xx and network errors back off exponentially with full jitter; any other 4xx is
recorded as failed with the reason and never retried.
"""

from __future__ import annotations

import logging
import random
import threading
from datetime import datetime, timedelta

from burnwise.receiver.config import ReceiverConfig, RetryPolicy
from burnwise.receiver.metrics import ReceiverMetrics
from burnwise.receiver.pagers import DeliveryResult
from burnwise.receiver.pagers.pagerduty import PagerDutyTarget
from burnwise.receiver.pagers.webhook import WebhookTarget
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import Store, StoreUnavailable, utcnow
from burnwise.receiver.values import ClaimedPage

log = logging.getLogger("burnwise.receiver.outbox")


def backoff_seconds(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Delay before retry number ``attempt`` (1-based): capped exponential, jittered in [50%, 100%]."""
    ceiling = min(policy.max_seconds, policy.base_seconds * (2 ** (attempt - 1)))
    return ceiling * (0.5 + rng.random() / 2)


def build_targets(config: ReceiverConfig) -> dict:
    timeout = config.delivery_timeout_seconds
    return {
        "pagerduty": PagerDutyTarget(config.pagerduty_url, timeout),
        "ticket": WebhookTarget("ticket", config.ticket_url, timeout),
        "chat": WebhookTarget("chat", config.chat_url, timeout),
    }


class OutboxWorker:
    """One background thread per receiver process."""

    def __init__(self, store: Store, config: ReceiverConfig, policy: PagingPolicy, metrics: ReceiverMetrics) -> None:
        self.store = store
        self.config = config
        self.policy = policy
        self.metrics = metrics
        self.targets = build_targets(config)
        self._rng = random.Random()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="burnwise-outbox", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=self.config.delivery_timeout_seconds + 5)

    def wake(self) -> None:
        """Deliver now instead of at the next poll (called after a page is committed)."""
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.run_once()
            except StoreUnavailable as exc:
                log.warning("database unavailable, outbox paused: %s", exc)
            except Exception:  # noqa: BLE001 - the worker must outlive any single bad row
                log.exception("outbox worker iteration failed")
            self._wake.wait(self.config.worker_poll_seconds)
            self._wake.clear()

    def run_once(self, now: datetime | None = None) -> int:
        """Fire due escalations, then deliver due pages; returns how many deliveries were tried."""
        for incident_id in self.store.due_escalations(now):
            if self.store.escalate(incident_id, self.policy, now):
                self.metrics.escalations.inc()
                log.info("incident %s escalated", incident_id)
        tried = 0
        for page in self.store.claim_due_pages(self.config.claim_lease_seconds, now=now):
            self._deliver(page)
            tried += 1
        return tried

    def _deliver(self, page: ClaimedPage) -> None:
        target_name = page.target
        target = self.targets.get(target_name)
        if target is None:
            result = DeliveryResult(False, False, None, f"unknown target {target_name!r}")
        else:
            result = target.deliver(page.body)
        now = utcnow()
        attempt = page.attempts + 1
        if result.ok:
            self.store.record_delivery(page.id, status="sent", status_code=result.status_code, error=None, now=now)
            self.metrics.pages_sent.labels(target=target_name).inc()
            self.metrics.delivery_latency.labels(target=target_name).observe((now - page.created_at).total_seconds())
            log.info("page %s (%s %s) delivered", page.id, target_name, page.action)
        elif result.retryable and attempt < self.config.retry.max_attempts:
            delay = backoff_seconds(attempt, self.config.retry, self._rng)
            self.store.record_delivery(
                page.id,
                status="pending",
                status_code=result.status_code,
                error=result.error,
                next_attempt_at=now + timedelta(seconds=delay),
                now=now,
            )
            self.metrics.pages_retried.labels(target=target_name).inc()
            log.warning("page %s attempt %s failed (%s); retry in %.1fs", page.id, attempt, result.error, delay)
        else:
            reason = result.error if not result.retryable else f"gave up after {attempt} attempts: {result.error}"
            self.store.record_delivery(page.id, status="failed", status_code=result.status_code, error=reason, now=now)
            self.metrics.pages_failed.labels(target=target_name).inc()
            log.error("page %s failed for good: %s", page.id, reason)
