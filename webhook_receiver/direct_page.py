"""A page to a subject-matter contact, a role or a person, asked for by a responder.

Why its own module: escalation walks the chain on a timer; this is a person deciding to pull in
someone specific (``burnwise incident page 12 --to database``). The target is resolved against
the incident's own chain (primary, backup, lead), its surface's SMEs (by role), then the roster's
people (by id or name). The page is a new PagerDuty trigger with its own dedup key, written with
an ``escalate`` timeline entry (``data.direct``) in one transaction.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from burnwise.receiver import reads
from burnwise.receiver import schema as t
from burnwise.receiver.ack_identity import UnknownName
from burnwise.receiver.engine import Database, IncidentConflict, utcnow
from burnwise.receiver.lifecycle import TimelineWrite
from burnwise.receiver.paging import PagingPolicy, pages_for_direct
from burnwise.receiver.pending_writes import PendingWrites
from burnwise.receiver.values import IngestResult, PageDocument

from burnwise.roster.directory import Contact, Directory


def resolve_target(doc: PageDocument, directory: Directory | None, to: str) -> list[tuple[str, dict]]:
    """(role, contact) pairs ``to`` names; :class:`UnknownName` with the choices when none."""
    wanted = to.casefold()
    chain = {step.role: step.contact for step in doc.escalation_chain}
    if wanted in chain:
        return [(wanted, chain[wanted])]
    smes = (doc.responders or {}).get("smes") or {}
    for role, contacts in smes.items():
        if role.casefold() == wanted and contacts:
            return [(f"sme:{role}", contact) for contact in contacts]
    roster = directory.roster if directory is not None else None
    for person in roster.people if roster is not None else []:
        if wanted in (person.id.casefold(), person.name.casefold()):
            contact = Contact(person.id, person.name, person.email, person.pager_id, person.timezone).to_json()
            return [(f"person:{person.id}", contact)]
    known = sorted(chain) + sorted(smes) + (sorted(p.id for p in roster.people) if roster is not None else [])
    raise UnknownName(f"{to!r} is neither a role of incident {doc.id} (primary, backup, lead), an SME role, nor a roster person", known)


def page_directly(
    db: Database, incident_id: int, to: str, by: str, policy: PagingPolicy, directory: Directory | None, now: datetime | None = None
) -> IngestResult:
    now = now or utcnow()
    with db.tx() as conn:
        if reads.status_in(conn, incident_id) == "resolved":
            raise IncidentConflict(f"incident {incident_id} is resolved; open a new one to page people")
        doc = reads.page_document(conn, incident_id)
        targets = resolve_target(doc, directory, to)
        done = conn.execute(
            sa.select(sa.func.count()).select_from(t.outbox).where(
                t.outbox.c.incident_id == incident_id, t.outbox.c.idem_key.like(f"{incident_id}:pagerduty:trigger:page:%")
            )
        ).scalar()
        writes = PendingWrites()
        result = IngestResult(False, incident_ids=[incident_id])
        for offset, (role, contact) in enumerate(targets, start=1):
            specs = pages_for_direct(policy, doc, role, contact, done + offset)
            text = f"{by} paged {contact.get('name') or contact.get('id')} ({role}) directly"
            data = {"role": role, "contact": contact, "direct": True, "page": specs[0].idem_key}
            writes.add_timeline(TimelineWrite(incident_id, now, "escalate", by, text, data))
            writes.add_pages(specs, now, result)
        writes.flush(conn)
        return result
