"""One delivery attempt of one leased page, and what to record about it.

Why its own module: the rules that decide whether a person is reached live here - ``Retry-After``
is honoured; PagerDuty pages back off at most ``retry.page_max_seconds`` (~30 s) so a recovered
pager is used at once; a page of an open incident is never given up (past ``max_attempts`` the
operator is alerted instead); a pager 400 for size is retried once with the event trimmed; every
refusal, give-up or overdue page is an ERROR log line, a ``pages_not_delivered`` metric by reason
and a timeline entry on its incident. Nothing here knows about threads (see :mod:`outbox`).
"""

from __future__ import annotations

import logging
import random
from datetime import datetime, timedelta

from burnwise.receiver.config import ReceiverConfig, RetryPolicy
from burnwise.receiver.engine import utcnow
from burnwise.receiver.lifecycle import TimelineWrite
from burnwise.receiver.metrics import ReceiverMetrics
from burnwise.receiver.pagers import DeliveryResult, HttpPool
from burnwise.receiver.pagers.pagerduty import PagerDutyTarget, is_size_refusal, trimmed
from burnwise.receiver.pagers.webhook import WebhookTarget
from burnwise.receiver.statements import ACTIVE
from burnwise.receiver.store import Store
from burnwise.receiver.values import ClaimedPage

log = logging.getLogger("burnwise.receiver.outbox")


def backoff_seconds(attempt: int, policy: RetryPolicy, rng: random.Random, cap: float | None = None) -> float:
    """Delay before retry number ``attempt`` (1-based): capped exponential, jittered in [50%, 100%]."""
    ceiling = min(cap if cap is not None else policy.max_seconds, policy.base_seconds * (2 ** (attempt - 1)))
    return ceiling * (0.5 + rng.random() / 2)


def retry_delay(target: str, attempt: int, result: DeliveryResult, policy: RetryPolicy, rng: random.Random) -> float:
    """The target's ``Retry-After`` when it sent one (bounded by ``max_seconds``), else the backoff."""
    if result.retry_after is not None:
        return min(result.retry_after, policy.max_seconds)
    cap = min(policy.page_max_seconds, policy.max_seconds) if target == "pagerduty" else policy.max_seconds
    return backoff_seconds(attempt, policy, rng, cap)


def build_targets(config: ReceiverConfig) -> dict:
    """One target per lane, each with a connection pool as large as the lane's concurrency."""
    timeout = config.delivery_timeout_seconds

    def session(target: str):
        return HttpPool(config.concurrency.get(target, 2))

    return {
        "pagerduty": PagerDutyTarget(config.pagerduty_url, timeout, session("pagerduty")),
        "ticket": WebhookTarget("ticket", config.ticket_url, timeout, session("ticket")),
        "chat": WebhookTarget("chat", config.chat_url, timeout, session("chat")),
    }


class Deliverer:
    """Sends a leased page to its target and records the outcome (thread-safe; no shared state)."""

    def __init__(self, store: Store, config: ReceiverConfig, metrics: ReceiverMetrics, targets: dict | None = None) -> None:
        self.store = store
        self.config = config
        self.metrics = metrics
        self.targets = targets if targets is not None else build_targets(config)
        #: where outcomes are recorded: the store, or a group-commit recorder (see delivery_recorder)
        self.recorder = store
        self._rng = random.Random()

    def deliver(self, page: ClaimedPage) -> str:
        """Send and record one attempt; returns ``sent``, ``retry`` (the target did not take it) or ``failed``."""
        target = self.targets.get(page.target)
        if target is None:
            result = DeliveryResult(False, False, None, f"unknown target {page.target!r}")
        else:
            result = target.deliver(page.body)
        sent_body = None
        if not result.ok and page.target == "pagerduty" and is_size_refusal(result.status_code, result.error, page.body):
            if not page.body.get("payload", {}).get("custom_details", {}).get("trimmed"):
                sent_body = trimmed(page.body)
                log.warning("page %s refused for size (%s); retrying once trimmed", page.id, result.error)
                result = target.deliver(sent_body)
        now = utcnow()
        attempt = page.attempts + 1
        if result.ok:
            self._sent(page, result, now, sent_body)
            return "sent"
        if result.retryable:
            self._retry_or_give_up(page, result, attempt, now)
            return "retry"
        reason = "too_large" if sent_body is not None else "refused"
        self._not_delivered(page, result, now, reason, f"refused by the {page.target} target: {result.error}", sent_body)
        return "failed"

    def _sent(self, page: ClaimedPage, result: DeliveryResult, now: datetime, sent_body: dict | None) -> None:
        entry = None
        if sent_body is not None:
            entry = self._entry(page, now, f"{page.target} {page.action} sent trimmed: the full event was refused for size")
        self.recorder.record_delivery(page.id, status="sent", status_code=result.status_code, error=None, now=now, body=sent_body, timeline=entry)
        self.metrics.pages_sent.labels(target=page.target).inc()
        self.metrics.delivery_latency.labels(target=page.target).observe((now - page.created_at).total_seconds())
        log.info("page %s (%s %s) delivered", page.id, page.target, page.action)

    def _retry_or_give_up(self, page: ClaimedPage, result: DeliveryResult, attempt: int, now: datetime) -> None:
        max_attempts = self.config.retry.max_attempts
        keep_trying = attempt < max_attempts
        entry = None
        if not keep_trying and page.target == "pagerduty" and self.store.incident_status(page.incident_id) in ACTIVE:
            keep_trying = True  # never give up on a page while its incident is open
            if attempt == max_attempts:  # alert the operator once, when it crosses the line
                text = f"page {page.id} ({page.action}) still undelivered after {attempt} attempts ({result.error}); retrying while the incident is open"
                log.error("incident %s: %s", page.incident_id, text)
                self.metrics.pages_not_delivered.labels(target=page.target, reason="overdue").inc()
                entry = self._entry(page, now, text)
        if not keep_trying:
            self._not_delivered(page, result, now, "gave_up", f"gave up after {attempt} attempts: {result.error}")
            return
        delay = retry_delay(page.target, attempt, result, self.config.retry, self._rng)
        self.recorder.record_delivery(
            page.id,
            status="pending",
            status_code=result.status_code,
            error=result.error,
            next_attempt_at=now + timedelta(seconds=delay),
            now=now,
            timeline=entry,
        )
        self.metrics.pages_retried.labels(target=page.target).inc()
        log.warning("page %s attempt %s failed (%s); retry in %.1fs", page.id, attempt, result.error, delay)

    def _not_delivered(
        self, page: ClaimedPage, result: DeliveryResult, now: datetime, reason: str, text: str, sent_body: dict | None = None
    ) -> None:
        entry = self._entry(page, now, f"{page.target} {page.action} not delivered: {text}")
        self.recorder.record_delivery(
            page.id, status="failed", status_code=result.status_code, error=text, now=now, body=sent_body, timeline=entry
        )
        self.metrics.pages_failed.labels(target=page.target).inc()
        self.metrics.pages_not_delivered.labels(target=page.target, reason=reason).inc()
        log.error("incident %s: page %s failed for good: %s", page.incident_id, page.id, text)

    @staticmethod
    def _entry(page: ClaimedPage, now: datetime, text: str) -> TimelineWrite:
        return TimelineWrite(page.incident_id, now, "note", "burnwise", text, {"page": page.id, "target": page.target})
