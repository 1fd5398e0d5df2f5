"""Console pages for incidents: the list (with a live fragment), one incident, and its actions.

Why through the store's own commands: an acknowledge or resolve from the browser must do exactly
what the API's does - stop escalation, queue the PagerDuty acknowledge/resolve, write the
timeline - so these handlers call the same :class:`Store` methods and wake the outbox worker.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated
from urllib.parse import urlencode

from burnwise.receiver.console.sources import ConsoleSources
from burnwise.receiver.console.web import Console
from burnwise.receiver.ack_identity import UnknownName
from burnwise.receiver.context import ReceiverContext
from burnwise.receiver.direct_page import page_directly
from burnwise.receiver.engine import IncidentConflict
from burnwise.receiver.models import MAX_INT
from burnwise.receiver.outbox import report_skipped
from burnwise.receiver.records import IncidentRecord
from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from markdown_it import MarkdownIt

from burnwise.errors import BurnwiseError

SEVERITIES = ("sev1", "sev2", "sev3", "sev4")
STATUSES = ("open", "acknowledged", "resolved")
NOTE_KINDS = ("triage", "mitigation", "deploy", "note")
RECENT = 50
#: ids beyond the id column's range are a 400, never a database overflow (a 500)
ConsoleIncidentId = Annotated[int, Path(ge=1, le=MAX_INT)]
RECENT_DAYS = 30
REFRESH_SECONDS = 10
MARKDOWN = MarkdownIt("commonmark", {"html": False}).enable("table")  # raw HTML in a report is shown as text


def paged(incident: IncidentRecord) -> str:
    """Who the page went to: the contact at the current escalation step, else the primary at the page."""
    chain = incident.escalation_chain or []
    if chain:
        step = chain[min(incident.escalation_step, len(chain) - 1)]
        contact = step.get("contact") if isinstance(step, dict) else None
        if isinstance(contact, dict) and contact.get("name"):
            return f"{contact['name']} ({step.get('role', '?')})"
    primary = (incident.responders or {}).get("primary")
    return primary.get("name", "") if isinstance(primary, dict) else ""


def escalation(incident: IncidentRecord) -> str:
    if incident.status != "open":
        return "stopped"
    chain = incident.escalation_chain or []
    if not chain:
        return "no chain"
    return f"step {incident.escalation_step + 1} of {len(chain)}"


def filtered(incidents: list[IncidentRecord], surface: str, service: str, severity: str, status: str) -> list[IncidentRecord]:
    chosen = [
        i for i in incidents
        if (not surface or i.surface == surface) and (not service or i.service == service)
        and (not severity or i.severity == severity) and (not status or i.status == status)
    ]
    active = [i for i in chosen if i.status != "resolved"]
    recent = [i for i in chosen if i.status == "resolved"][:RECENT]
    return active + recent  # open first (newest first), then recent resolved


def router(ctx: ReceiverContext, console: Console, sources: ConsoleSources) -> APIRouter:
    store, policy, metrics, worker = ctx.store, ctx.policy, ctx.metrics, ctx.worker
    ui = APIRouter(prefix="/ui", include_in_schema=False)  # pages, not API: not in the OpenAPI document

    def rows(filters: dict) -> tuple[list[IncidentRecord], dict]:
        # every active incident, and the resolved ones of the last RECENT_DAYS: a wall screen
        # re-reads this every few seconds, so the whole history is never read
        since = datetime.now(timezone.utc) - timedelta(days=RECENT_DAYS)
        incidents = [i for status in ("open", "acknowledged") for i in store.list_incidents(status=status)]
        incidents += store.list_incidents(status="resolved", since=since)
        incidents.sort(key=lambda i: (i.opened_at, i.id), reverse=True)
        choices = {
            "surface": sorted({i.surface for i in incidents if i.surface} | set(sources.directory.surfaces())),
            "service": sorted({i.service for i in incidents if i.service}),
            "severity": list(SEVERITIES),
            "status": list(STATUSES),
        }
        return filtered(incidents, **filters), choices

    @ui.get("/incidents", response_class=HTMLResponse)
    def incident_list(request: Request, surface: str = "", service: str = "", severity: str = "", status: str = "",
                      every: int = REFRESH_SECONDS):
        """``every``: seconds between live updates (a wall screen may want fewer, a test more)."""
        session = console.require(request)
        filters = {"surface": surface, "service": service, "severity": severity, "status": status}
        items, choices = rows(filters)
        query = urlencode({k: v for k, v in filters.items() if v})
        return console.page(request, "incidents.html", session, incidents=items, filters=filters, choices=choices,
                            paged=paged, escalation=escalation, query=query, every=min(max(every, 1), 3600))

    @ui.get("/incidents/rows", response_class=HTMLResponse)
    def incident_rows(request: Request, surface: str = "", service: str = "", severity: str = "", status: str = ""):
        """The table body alone: what the incidents page re-fetches to stay live."""
        session = console.require(request)
        items, _ = rows({"surface": surface, "service": service, "severity": severity, "status": status})
        return console.page(request, "incident_rows.html", session, incidents=items, paged=paged, escalation=escalation)

    @ui.get("/incidents/{incident_id}", response_class=HTMLResponse)
    def incident_page(request: Request, incident_id: ConsoleIncidentId, error: str = ""):
        session = console.require(request)
        detail = store.get_incident(incident_id)
        if detail is None:
            return console.page(request, "missing.html", session, status=404, what=f"incident {incident_id}")
        return console.page(request, "incident.html", session, incident=detail, kinds=NOTE_KINDS, error=error,
                            paged=paged, escalation=escalation, has_postmortem=sources.postmortem is not None)

    def back(incident_id: ConsoleIncidentId, error: str = "") -> RedirectResponse:
        suffix = f"?{urlencode({'error': error})}" if error else ""
        return RedirectResponse(f"/ui/incidents/{incident_id}{suffix}", status_code=303)

    def refuse() -> Response:
        return HTMLResponse("<p>Refused: this form is stale or came from another site. Reload the page and try again.</p>",
                            status_code=403)

    def actor(session: dict, by: str) -> str:
        """Who acts: the roster person id when the name is a roster person's (reports count by id)."""
        return console.person_id(by.strip() or session.get("name") or "console")[:80]

    @ui.post("/incidents/{incident_id}/ack")
    def ack(request: Request, incident_id: ConsoleIncidentId, csrf: str = Form(""), by: str = Form("")):
        session = console.require(request)
        if not console.form_ok(request, session, csrf):
            return refuse()
        started = datetime.now(timezone.utc)
        record = store.acknowledge(incident_id, actor(session, by), policy)
        if record.acknowledged_at is not None and record.acknowledged_at >= started:
            waited = (record.acknowledged_at - record.opened_at).total_seconds()
            metrics.time_to_acknowledge.labels(surface=record.surface or "none", severity=record.severity).observe(waited)
        worker.wake()
        if ctx.runbooks is not None and record.status == "acknowledged":
            ctx.runbooks.acknowledged(incident_id)  # runbooks that start after an acknowledge, as from the API
        return back(incident_id)

    @ui.post("/incidents/{incident_id}/note")
    def note(request: Request, incident_id: ConsoleIncidentId, csrf: str = Form(""), by: str = Form(""), kind: str = Form("note"),
             text: str = Form("")):
        session = console.require(request)
        if not console.form_ok(request, session, csrf):
            return refuse()
        if kind not in NOTE_KINDS or not text.strip():
            return back(incident_id, "a note needs a kind and some text")
        store.add_timeline(incident_id, kind, text.strip()[:4000], actor(session, by))
        return back(incident_id)

    @ui.post("/incidents/{incident_id}/page")
    def page(request: Request, incident_id: ConsoleIncidentId, csrf: str = Form(""), by: str = Form(""), to: str = Form("")):
        """Page a role or subject-matter contact now: the same new trigger as ``POST /v1/incidents/{id}/page``."""
        session = console.require(request)
        if not console.form_ok(request, session, csrf):
            return refuse()
        if not to.strip():
            return back(incident_id, "choose whom to page")
        try:
            result = page_directly(store.db, incident_id, to.strip()[:200], actor(session, by), policy, ctx.directory)
        except IncidentConflict:
            return back(incident_id, "already resolved")
        except UnknownName as exc:
            return back(incident_id, str(exc)[:300])
        report_skipped(result.skipped, metrics)
        worker.wake()
        return back(incident_id)

    @ui.post("/incidents/{incident_id}/resolve")
    def resolve(request: Request, incident_id: ConsoleIncidentId, csrf: str = Form(""), by: str = Form(""), text: str = Form("")):
        session = console.require(request)
        if not console.form_ok(request, session, csrf):
            return refuse()
        try:
            result = store.resolve(incident_id, actor(session, by), policy, text.strip() or None)
        except IncidentConflict:
            return back(incident_id, "already resolved")
        metrics.incidents_resolved.inc(len(result.resolved))
        report_skipped(result.skipped, metrics)
        worker.wake()
        return back(incident_id)

    @ui.get("/incidents/{incident_id}/postmortem", response_class=HTMLResponse)
    def postmortem(request: Request, incident_id: ConsoleIncidentId):
        session = console.require(request)
        if sources.postmortem is None:
            return console.page(request, "report.html", session, title="Postmortem draft", body=None,
                                note="postmortem drafts need the SLO specs: run burnwise serve from the repository")
        if store.get_incident(incident_id) is None:
            return console.page(request, "missing.html", session, status=404, what=f"incident {incident_id}")
        try:
            body, note = MARKDOWN.render(sources.postmortem(incident_id)), None
        except BurnwiseError as exc:  # e.g. specs that do not load
            body, note = None, str(exc)
        return console.page(request, "report.html", session, title=f"Postmortem draft: incident {incident_id}", body=body, note=note)

    return ui
