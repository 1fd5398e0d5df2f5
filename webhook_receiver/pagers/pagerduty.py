"""PagerDuty Events API v2: build trigger/acknowledge/resolve events and send them.

Why the shape: ``dedup_key`` is stable per incident, so the trigger, every escalation update and
the final resolve all land on one PagerDuty alert; the summary is capped at 1024 characters and
the whole event kept under 512 KB, the API's limits.
"""

from __future__ import annotations

import json

from burnwise.receiver.pagers import DeliveryResult, HttpPool, post_json
from burnwise.textsafe import safe_links

MAX_SUMMARY = 1024
MAX_EVENT_BYTES = 512 * 1024
PD_SEVERITY = {"sev1": "critical", "sev2": "error", "sev3": "warning"}


def _size(event: dict) -> int:
    return len(json.dumps(event, sort_keys=True).encode())


def fit_size(event: dict, limit: int = MAX_EVENT_BYTES) -> dict:
    """Drop the bulkiest optional detail (per-alert labels, then alerts, then labels) until it fits."""
    details = event.get("payload", {}).get("custom_details", {})
    for key in ("alerts", "labels", "roster"):
        if _size(event) <= limit:
            break
        if key in details:
            details[key] = "(omitted: event over 512 KB)"
    return event


MAX_TRIMMED_LINKS = 3
MAX_TRIMMED_HREF = 2048
TRIMMED_DETAILS = ("incident_id", "incident_url", "severity", "surface", "paged", "roster_version")


def trimmed(event: dict) -> dict:
    """The event cut to what a responder needs, for a retry after the pager refused it for size.

    Keeps the summary, the incident link, who is paged and the first few links of sane length;
    drops labels, alerts, roster and runbooks from ``custom_details`` and any ``images``.
    """
    out = dict(event)
    short = [link for link in event.get("links") or [] if len(str(link.get("href", ""))) <= MAX_TRIMMED_HREF]
    out["links"] = short[:MAX_TRIMMED_LINKS]
    out.pop("images", None)
    payload = dict(event.get("payload") or {})
    details = payload.get("custom_details") or {}
    payload["custom_details"] = {k: details[k] for k in TRIMMED_DETAILS if k in details} | {"trimmed": True}
    out["payload"] = payload
    return out


def is_size_refusal(status_code: int | None, error: str | None, event: dict) -> bool:
    """A 400 the pager gave because the event is too big (its words, or our own measure)."""
    if status_code != 400:
        return False
    text = (error or "").lower()
    return any(word in text for word in ("too large", "larger than", "size", "512")) or _size(event) > MAX_EVENT_BYTES


def trigger_event(incident: dict, routing_key: str, recipient_role: str | None, recipient: dict | None, incident_url: str) -> dict:
    """A ``trigger`` event naming who is paged and carrying the whole roster entry."""
    summary = incident["title"]
    if len(summary) > MAX_SUMMARY:
        summary = summary[: MAX_SUMMARY - 3] + "..."
    labels = incident["labels"]
    event = {
        "routing_key": routing_key,
        "event_action": "trigger",
        "dedup_key": incident["dedup_key"],
        "payload": {
            "summary": summary,
            "source": labels.get("service") or labels.get("job") or "burnwise",
            "severity": PD_SEVERITY.get(incident["severity"], "error"),
            "timestamp": incident["opened_at"],
            "component": labels.get("slo") or labels.get("alertname"),
            "group": incident.get("surface") or labels.get("owner"),
            "class": labels.get("alertname"),
            "custom_details": {
                "incident_id": incident["id"],
                "incident_url": incident_url,
                "severity": incident["severity"],
                "surface": incident.get("surface"),
                "paged": {"role": recipient_role, "contact": recipient},
                "roster": incident.get("responders"),
                "runbooks": incident.get("runbooks", []),
                "labels": labels,
                "alerts": incident.get("alerts", []),
            },
        },
        "client": "burnwise",
        "client_url": incident_url,
        "links": safe_links(incident["links"]),
    }
    event["payload"] = {k: v for k, v in event["payload"].items() if v is not None}
    return fit_size(event)


def follow_up_event(action: str, dedup_key: str, routing_key: str) -> dict:
    """An ``acknowledge`` or ``resolve`` event for the incident's PagerDuty alert."""
    return {"routing_key": routing_key, "event_action": action, "dedup_key": dedup_key}


class PagerDutyTarget:
    """Sends events to one Events API v2 URL."""

    name = "pagerduty"

    def __init__(self, url: str, timeout: float, session: HttpPool | None = None) -> None:
        self.url = url
        self.timeout = timeout
        self.session = session or HttpPool(2)

    def deliver(self, body: dict) -> DeliveryResult:
        return post_json(self.session, self.url, body, self.timeout)
