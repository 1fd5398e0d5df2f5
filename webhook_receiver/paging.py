"""Which outbox rows an incident event produces: pure decisions, no I/O.

Why its own module: the store writes these rows in the same transaction as the incident change
(so a page is never lost or doubled), but *what* to send - PagerDuty trigger/acknowledge/resolve,
a ticket for sev3, a chat copy - is policy that is easier to read and test as plain functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from burnwise.receiver.pagers.pagerduty import follow_up_event, trigger_event
from burnwise.receiver.pagers.webhook import webhook_event
from burnwise.receiver.values import PageDocument


@dataclass(frozen=True)
class PagingPolicy:
    """The deployment facts paging decisions need (from the receiver config)."""

    base_url: str
    default_routing_key: str | None = None
    ticket_enabled: bool = False
    chat_enabled: bool = False
    #: PagerDuty routing keys per escalation role (``backup``, ``lead``, a person's id): where
    #: the roster's surface key should not be used for that step (see docs/receiver.md)
    role_routing_keys: Mapping[str, str] = field(default_factory=dict)
    #: False when the receiver runs without paging (``paging: false``): pages are recorded as skipped
    paging_enabled: bool = True


@dataclass(frozen=True)
class PageSpec:
    """One outbox row to write: ``idem_key`` makes it at-most-once per incident step."""

    idem_key: str
    target: str
    action: str
    body: dict
    recipient_role: str | None = None
    recipient: dict | None = None
    status: str = "pending"
    reason: str | None = field(default=None)
    reason_code: str | None = None  # why it is skipped, as a metric label (no_routing_key, no_ticket_url)


def incident_url(policy: PagingPolicy, incident_id: int) -> str:
    return f"{policy.base_url}/v1/incidents/{incident_id}"


def wants_ticket(severity: str, labels: dict[str, str], force_ticket: bool) -> bool:
    """sev3, ``burnwise_tier=ticket`` or the ticket endpoint route to the ticket target."""
    return force_ticket or severity == "sev3" or labels.get("burnwise_tier") == "ticket"


def _chat(policy: PagingPolicy, doc: PageDocument, event: str, step: int, extra: dict | None = None) -> list[PageSpec]:
    if not policy.chat_enabled:
        return []
    body = webhook_event(event, doc.to_json(), incident_url(policy, doc.id), extra)
    return [PageSpec(f"{doc.id}:chat:{event}:{step}", "chat", event.removeprefix("incident."), body)]


def step_dedup_key(doc: PageDocument, step: int, role: str | None) -> str:
    """Step 0 pages on the incident's dedup key; every escalation step opens its own incident.

    Why: at PagerDuty a trigger with the dedup key of an open incident is appended to it and
    notifies nobody, so the backup and the lead need keys of their own to be woken.
    """
    return doc.dedup_key if step == 0 else f"{doc.dedup_key}-{step}-{role or 'step'}"


def step_routing_key(policy: PagingPolicy, doc: PageDocument, role: str | None, contact: dict | None) -> str | None:
    """The person's or role's routing key when configured, else the surface's (or default) key."""
    for name in ((contact or {}).get("id"), role):
        if name and policy.role_routing_keys.get(name):
            return policy.role_routing_keys[name]
    return doc.routing_key


def _pagerduty_trigger(
    policy: PagingPolicy, doc: PageDocument, step: int, role: str | None, contact: dict | None, suffix: str = ""
) -> PageSpec:
    key = f"{doc.id}:pagerduty:trigger:{step}{suffix}"
    routing_key = step_routing_key(policy, doc, role, contact)
    if not policy.paging_enabled:
        reason = "paging is off for this receiver (paging: false)"
        return PageSpec(key, "pagerduty", "trigger", {}, role, contact, status="skipped", reason=reason, reason_code="paging_off")
    if not routing_key:
        reason = "no routing key: set BURNWISE_PAGERDUTY_ROUTING_KEY or a routing_key for the surface in the roster"
        return PageSpec(key, "pagerduty", "trigger", {}, role, contact, status="skipped", reason=reason, reason_code="no_routing_key")
    body = trigger_event(doc.to_json(), routing_key, role, contact, incident_url(policy, doc.id))
    body["dedup_key"] = step_dedup_key(doc, step, role)
    version = (doc.responders or {}).get("roster_version")
    if version:  # which roster this page was routed with (the roster reloads while running)
        body["payload"]["custom_details"]["roster_version"] = version
    return PageSpec(key, "pagerduty", "trigger", body, role, contact)


def pages_for_open(policy: PagingPolicy, doc: PageDocument) -> list[PageSpec]:
    """A new incident: page the first of the chain (or the default key), or file a ticket."""
    if doc.route == "ticket":
        key = f"{doc.id}:ticket:opened:0"
        body = webhook_event("incident.opened", doc.to_json(), incident_url(policy, doc.id))
        if not policy.ticket_enabled:
            reason = "no ticket_url configured (BURNWISE_TICKET_URL); sev3/ticket alerts are recorded only"
            specs = [PageSpec(key, "ticket", "opened", body, status="skipped", reason=reason, reason_code="no_ticket_url")]
        else:
            specs = [PageSpec(key, "ticket", "opened", body)]
        return specs + _chat(policy, doc, "incident.opened", 0)
    chain = doc.escalation_chain
    role, contact = (chain[0].role, chain[0].contact) if chain else (None, None)
    return [_pagerduty_trigger(policy, doc, 0, role, contact)] + _chat(policy, doc, "incident.opened", 0)


def pages_for_escalation(policy: PagingPolicy, doc: PageDocument, step: int) -> list[PageSpec]:
    """The primary did not acknowledge in time: page the next person of the chain."""
    entry = doc.escalation_chain[step]
    paged = {"paged": entry.to_json()}
    return [_pagerduty_trigger(policy, doc, step, entry.role, entry.contact)] + _chat(
        policy, doc, "incident.escalated", step, paged
    )


def pages_for_severity_change(policy: PagingPolicy, doc: PageDocument, step: int, severity: str) -> list[PageSpec]:
    """Re-send the trigger to whoever is paged now, so PagerDuty shows the raised severity."""
    chain = doc.escalation_chain
    role, contact = (chain[step].role, chain[step].contact) if step < len(chain) else (None, None)
    return [_pagerduty_trigger(policy, doc, step, role, contact, suffix=f":{severity}")]


def _follow_up(
    policy: PagingPolicy, doc: PageDocument, action: str, event: str, by: str, keys: list[tuple[str, str]] | None
) -> list[PageSpec]:
    """Acknowledge/resolve every PagerDuty incident the incident opened (one per escalation step).

    ``keys``: the (routing key, dedup key) of the incident's triggers, in order; None means the
    incident's own key only.
    """
    specs: list[PageSpec] = []
    if doc.route == "page":
        if keys is None:
            keys = [(doc.routing_key, doc.dedup_key)] if doc.routing_key else []
        for number, (routing_key, dedup_key) in enumerate(keys):
            body = follow_up_event(action, dedup_key, routing_key)
            specs.append(PageSpec(f"{doc.id}:pagerduty:{action}:{number}", "pagerduty", action, body))
    elif doc.route == "ticket" and policy.ticket_enabled and action == "resolve":
        body = webhook_event(event, doc.to_json(), incident_url(policy, doc.id), {"by": by})
        specs.append(PageSpec(f"{doc.id}:ticket:resolved:0", "ticket", "resolved", body))
    return specs + _chat(policy, doc, event, 0, {"by": by})


def pages_for_ack(policy: PagingPolicy, doc: PageDocument, by: str, keys: list[tuple[str, str]] | None = None) -> list[PageSpec]:
    return _follow_up(policy, doc, "acknowledge", "incident.acknowledged", by, keys)


def pages_for_resolve(policy: PagingPolicy, doc: PageDocument, by: str, keys: list[tuple[str, str]] | None = None) -> list[PageSpec]:
    return _follow_up(policy, doc, "resolve", "incident.resolved", by, keys)


def pages_for_direct(policy: PagingPolicy, doc: PageDocument, role: str, contact: dict | None, number: int) -> list[PageSpec]:
    """A page to a named role or person on request (``burnwise incident page --to``).

    Its own dedup key (``<incident key>-page-<n>-<role>``) opens a new PagerDuty incident, so the
    person is notified even while the primary's incident is open; acknowledge and resolve reach it
    like every other trigger of the incident.
    """
    spec = _pagerduty_trigger(policy, doc, 0, role, contact)
    # recipient_role is a short column: the kind (sme, person, lead...); the contact says who
    spec = replace(spec, idem_key=f"{doc.id}:pagerduty:trigger:page:{number}", recipient_role=role.split(":")[0][:16])
    if spec.status == "pending":
        slug = "".join(ch if ch.isalnum() else "-" for ch in role)[:40]
        spec.body["dedup_key"] = f"{doc.dedup_key}-page-{number}-{slug}"
    return [spec]
