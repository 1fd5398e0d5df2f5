"""What the store writes for an incident, derived from a notification: pure functions, no database.

Why a module of its own: the store's methods decide *when* rows are written (transactions,
rounds, locks); these functions say *what* goes into them - the page document, an alert's
refreshed columns, the escalation plan, the title - and are easier to read and test alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

from burnwise.receiver.enrich import Enrichment
from burnwise.receiver.models import Alert, Notification
from burnwise.receiver.values import PageDocument, chain_of

from burnwise.roster.directory import DEFAULT_ACK_TIMEOUTS


def iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def document_of(incident: Mapping, alert_rows: list[Mapping], runbooks: list[dict] | None) -> PageDocument:
    """Page bodies' view of an incident row and its alert rows (oldest alert first).

    Why a function of rows rather than a query: a new incident's document is built from the
    values just written, without reading them back; :func:`reads.page_document` passes the rows it read.
    """
    if runbooks is None:
        runbooks = [
            {"title": link["text"].removeprefix("Runbook: "), "url": link["href"]}
            for link in incident["links"]
            if link["text"].startswith("Runbook: ")
        ]
    return PageDocument(
        id=incident["id"],
        title=incident["title"],
        status=incident["status"],
        severity=incident["severity"],
        route=incident["route"],
        surface=incident["surface"],
        labels=incident["labels"],
        links=incident["links"],
        responders=incident["responders"],
        dedup_key=incident["dedup_key"],
        routing_key=incident["routing_key"],
        opened_at=iso(incident["opened_at"]),
        escalation_chain=chain_of(incident["escalation_chain"]),
        runbooks=runbooks,
        alerts=[
            {
                "fingerprint": a["fingerprint"],
                "status": a["status"],
                "labels": a["labels"],
                "summary": a["annotations"].get("summary"),
                "starts_at": iso(a["starts_at"]),
            }
            for a in alert_rows
        ],
    )


def alert_state(alert: Alert, now: datetime) -> dict:
    """The columns of an alert row that every notification about it refreshes."""
    return {
        "status": alert.status,
        "severity": alert.severity,
        "labels": alert.labels,
        "annotations": alert.annotations,
        "starts_at": alert.starts_at,
        "ends_at": alert.ends_at_or_none,
        "generator_url": alert.generator_url,
        "last_seen_at": now,
    }


def escalation_plan(enrichment: Enrichment, severity: str, route: str, now: datetime) -> dict:
    """Chain, ack timeout and first due time for a paging incident (none for tickets)."""
    chain = [step.to_json() for step in enrichment.escalation_chain()] if route == "page" else []
    timeout = None
    if enrichment.responders is not None:
        # a roster that names no timeout for this severity still escalates, on the defaults
        delta = enrichment.responders.ack_timeouts.get(severity) or DEFAULT_ACK_TIMEOUTS.get(severity)
        timeout = int(delta.total_seconds()) if delta is not None else None
    due = now + timedelta(seconds=timeout) if (timeout is not None and len(chain) > 1) else None
    return {"escalation_chain": chain, "ack_timeout_seconds": timeout, "escalation_due_at": due}


def title(notification: Notification, firing: list[Alert], severity: str) -> str:
    """``[sev1] HighErrorBudgetBurn checkout/availability: <summary>``: what a pager screen shows."""
    labels = {**firing[0].labels, **notification.common_labels}
    summary = notification.common_annotations.get("summary") or firing[0].annotations.get("summary") or ""
    scope = "/".join(v for v in (labels.get("service"), labels.get("slo")) if v)
    head = " ".join(v for v in (f"[{severity}]", labels.get("alertname", "alert"), scope) if v)
    return f"{head}: {summary}" if summary else head
