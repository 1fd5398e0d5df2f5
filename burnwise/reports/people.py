"""Who was paged for an incident and how long they had to acknowledge: read from the records.

Why from the records and not the roster: the roster changes (people leave, timeouts are tuned);
a report about last month must use who was actually paged and the timeout that applied then, both
of which the receiver stored with the incident (escalation chain, responders, outbox recipients).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from burnwise.receiver.records import IncidentRecord, PageRecord
from burnwise.roster.directory import DEFAULT_ACK_TIMEOUTS
from burnwise.roster.fairness import is_unsocial


def is_page(page: PageRecord) -> bool:
    """A PagerDuty trigger that was (to be) sent: the unit of on-call load."""
    return page.target == "pagerduty" and page.action == "trigger" and page.status != "skipped"


def recipient_id(page: PageRecord) -> str | None:
    return (page.recipient or {}).get("id")


def first_paged(incident: IncidentRecord) -> dict | None:
    """The contact paged first (the primary at the time), or None when nobody was named."""
    chain = incident.escalation_chain or []
    return chain[0]["contact"] if chain else None


def ack_timeout_seconds(incident: IncidentRecord) -> float | None:
    """The ack timeout that applied: stored with the responders, else the receiver's default."""
    stored = ((incident.responders or {}).get("ack_timeouts_seconds") or {}).get(incident.severity)
    if stored is not None:
        return float(stored)
    default = DEFAULT_ACK_TIMEOUTS.get(incident.severity)
    return default.total_seconds() if default is not None else None


def out_of_hours(moment: datetime, zone_name: str | None) -> bool:
    """Night (22:00-07:00) or weekend on the person's own clock (UTC when the zone is unknown)."""
    try:
        zone = ZoneInfo(zone_name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        zone = ZoneInfo("UTC")
    return is_unsocial(moment.astimezone(zone))
