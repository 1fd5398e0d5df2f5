"""Prometheus metrics for the receiver, on a registry of its own.

Why a private registry: each app instance (and each test) counts only what it did, and
``/metrics`` shows exactly the receiver's series. The outbox depth is read from the database at
scrape time, so it is true across processes and restarts.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily

PREFIX = "burnwise_receiver"


class _OutboxDepth:
    def __init__(self, depth: Callable[[], int]) -> None:
        self._depth = depth

    def collect(self):
        family = GaugeMetricFamily(f"{PREFIX}_outbox_depth", "Pages waiting in the outbox (pending delivery).")
        try:
            family.add_metric([], float(self._depth()))
        except Exception:  # noqa: BLE001 - a scrape must not fail because the database is down
            family.add_metric([], float("nan"))
        yield family


class ReceiverMetrics:
    """All counters the receiver keeps; see docs/receiver.md for their meaning."""

    def __init__(self, outbox_depth: Callable[[], int] | None = None) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.received = Counter(f"{PREFIX}_payloads_received", "Alertmanager payloads received.", registry=r)
        self.accepted = Counter(f"{PREFIX}_payloads_accepted", "Payloads committed to the database.", registry=r)
        self.rejected = Counter(
            f"{PREFIX}_payloads_rejected", "Payloads refused, by reason.", ["reason"], registry=r
        )
        self.duplicates = Counter(f"{PREFIX}_duplicates", "Payloads that repeated what was already recorded.", registry=r)
        self.incidents_opened = Counter(f"{PREFIX}_incidents_opened", "Incidents opened.", registry=r)
        self.incidents_resolved = Counter(f"{PREFIX}_incidents_resolved", "Incidents resolved.", registry=r)
        self.escalations = Counter(f"{PREFIX}_escalations", "Escalation steps taken.", registry=r)
        self.pages_sent = Counter(f"{PREFIX}_pages_sent", "Outbox deliveries that succeeded.", ["target"], registry=r)
        self.pages_failed = Counter(
            f"{PREFIX}_pages_failed", "Outbox deliveries given up (non-retryable or out of attempts).", ["target"], registry=r
        )
        self.pages_not_delivered = Counter(
            f"{PREFIX}_pages_not_delivered",
            "Pages that did not reach their target, by reason: skipped (no_routing_key, no_ticket_url), "
            "refused (4xx), too_large, gave_up, overdue (an open incident's page still retrying past max_attempts).",
            ["target", "reason"],
            registry=r,
        )
        self.target_down = Gauge(
            f"{PREFIX}_target_down",
            "1 while a delivery target keeps failing and its lane sends one probe page at a time.",
            ["target"],
            registry=r,
        )
        self.pages_retried = Counter(f"{PREFIX}_pages_retried", "Delivery attempts that will be retried.", ["target"], registry=r)
        self.delivery_latency = Histogram(
            f"{PREFIX}_delivery_latency_seconds",
            "Time from accepting a page to its successful delivery.",
            ["target"],
            buckets=(0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600),
            registry=r,
        )
        self.time_to_acknowledge = Histogram(
            f"{PREFIX}_time_to_acknowledge_seconds",
            "Time from an incident opening to its acknowledgement (on-call responsiveness).",
            ["surface", "severity"],
            buckets=(30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400),
            registry=r,
        )
        self.roster_reloads = Counter(f"{PREFIX}_roster_reloads", "Roster reloads by outcome (loaded, refused).", ["outcome"], registry=r)
        for outcome in ("loaded", "refused"):
            self.roster_reloads.labels(outcome=outcome)
        for reason in ("auth", "invalid", "too_large", "unsupported_media_type", "unavailable"):
            self.rejected.labels(reason=reason)
        for target in ("pagerduty", "ticket", "chat"):
            self.pages_sent.labels(target=target)
            self.pages_failed.labels(target=target)
            self.pages_retried.labels(target=target)
            self.target_down.labels(target=target).set(0)
        if outbox_depth is not None:
            r.register(_OutboxDepth(outbox_depth))
