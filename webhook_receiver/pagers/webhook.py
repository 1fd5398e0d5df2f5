"""A generic JSON webhook target: ticket systems (sev3) and chat notifications.

Why generic: every ticket or chat tool can take a small stable JSON document; adapting it to one
tool is that tool's job (or a tiny relay), not the receiver's.
"""

from __future__ import annotations

from burnwise.receiver.pagers import DeliveryResult, HttpPool, post_json
from burnwise.textsafe import safe_links


def webhook_event(event: str, incident: dict, incident_url: str, extra: dict | None = None) -> dict:
    """``{"event": "incident.opened|acknowledged|escalated|resolved", "incident": {...}}``."""
    body = {
        "event": event,
        "incident": {
            "id": incident["id"],
            "url": incident_url,
            "title": incident["title"],
            "severity": incident["severity"],
            "status": incident.get("status"),
            "surface": incident.get("surface"),
            "service": incident["labels"].get("service"),
            "slo": incident["labels"].get("slo"),
            "labels": incident["labels"],
            "links": safe_links(incident["links"]),
            "responders": incident.get("responders"),
        },
    }
    if extra:
        body.update(extra)
    return body


class WebhookTarget:
    """Posts JSON documents to one URL."""

    def __init__(self, name: str, url: str | None, timeout: float, session: HttpPool | None = None) -> None:
        self.name = name
        self.url = url
        self.timeout = timeout
        self.session = session or HttpPool(2)

    def deliver(self, body: dict) -> DeliveryResult:
        if not self.url:
            return DeliveryResult(False, False, None, f"no URL configured for the {self.name} target")
        return post_json(self.session, self.url, body, self.timeout)
