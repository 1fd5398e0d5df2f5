"""Console pages beyond incidents: who is on call (and the .ics feeds), SLO budgets, reports.

Why together: each is a read-only view over one source - the roster, Prometheus through the SLO
list, or a report text - so a handler is a few lines: check the session, ask, render.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from burnwise.receiver.console.ical import feed
from burnwise.receiver.console.incidents import MARKDOWN
from burnwise.receiver.console.oncall import surface_view
from burnwise.receiver.console.slo_figures import slo_page
from burnwise.receiver.console.sources import ConsoleSources
from burnwise.receiver.console.web import Console
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from burnwise.durations import parse_duration
from burnwise.errors import BurnwiseError

CALENDAR = "text/calendar; charset=utf-8"
log = logging.getLogger("burnwise.receiver.console")


def router(console: Console, sources: ConsoleSources) -> APIRouter:
    ui = APIRouter(prefix="/ui", include_in_schema=False)  # pages, not API: not in the OpenAPI document
    roster = sources.directory.roster

    @ui.get("/oncall", response_class=HTMLResponse)
    def oncall(request: Request):
        session = console.require(request)
        now = datetime.now(timezone.utc)
        views = [surface_view(roster, s, now) for s in roster.surfaces] if roster else []
        people = [(p.id, p.name) for p in roster.people] if roster else []
        feeds = {path: console.sessions.feed_key(path) for path in
                 [f"/ui/oncall/{v.name}.ics" for v in views] + [f"/ui/oncall/people/{pid}.ics" for pid, _ in people]}
        return console.page(request, "oncall.html", session, surfaces=views, feed_people=people, feeds=feeds)

    def calendar(request: Request, **which) -> Response:
        # calendar apps send no cookie: the feed's own key (shown on the on-call page) also opens it
        if not console.sessions.feed_key_ok(request.url.path, request.query_params.get("key")):
            console.require(request)
        if roster is None:
            return Response("no roster configured\n", status_code=404, media_type="text/plain")
        body = feed(roster, datetime.now(timezone.utc), **which)
        return Response(body, media_type=CALENDAR, headers={"Cache-Control": "no-store"})

    @ui.get("/oncall/people/{person}.ics")
    def person_feed(request: Request, person: str):
        if roster is not None and roster.person(person) is None:
            return Response(f"no person {person!r} in the roster\n", status_code=404, media_type="text/plain")
        return calendar(request, person=person)

    @ui.get("/oncall/{surface}.ics")
    def surface_feed(request: Request, surface: str):
        if roster is not None and roster.surface(surface) is None:
            return Response(f"no surface {surface!r} in the roster\n", status_code=404, media_type="text/plain")
        return calendar(request, surface=surface)

    @ui.get("/slos", response_class=HTMLResponse)
    def slos(request: Request, chart: str = "24h"):
        """``chart``: how far back the charts reach (``24h``, ``7d``, ``30m``)."""
        session = console.require(request)
        if sources.slos is None:
            return console.page(request, "slos.html", session, page=None, note="no SLO specs given to burnwise serve")
        try:
            seconds = min(max(parse_duration(chart), 60), 90 * 86400)
        except (ValueError, BurnwiseError):
            return console.page(request, "slos.html", session, status=400, page=None,
                                note=f"chart={chart!r}: give a duration such as 24h, 7d or 30m")
        try:
            listed = sources.slos()
        except BurnwiseError as exc:  # specs that do not load: say so, as `burnwise validate` would
            log.error("console: SLO specs not readable: %s", exc)
            return console.page(request, "slos.html", session, page=None, note=str(exc))
        page = slo_page(listed, sources.prometheus_url, datetime.now(timezone.utc), seconds)
        return console.page(request, "slos.html", session, page=page, note=None)

    @ui.get("/reports/handoff", response_class=HTMLResponse)
    def handoff(request: Request, surface: str = ""):
        session = console.require(request)
        surfaces = sources.directory.surfaces()
        surface = surface or (surfaces[0] if surfaces else "")
        body, note = None, None
        if sources.handoff is None or not surface:
            note = "the handoff needs the roster and the SLO specs: run burnwise serve from the repository"
        else:
            try:
                body = MARKDOWN.render(sources.handoff(surface, datetime.now(timezone.utc)))
            except BurnwiseError as exc:
                note = str(exc)
        return console.page(request, "report.html", session, title=f"Handoff: {surface}", body=body, note=note,
                            surfaces=surfaces, surface=surface)

    @ui.get("/reports/load", response_class=HTMLResponse)
    def load(request: Request, since: str = "30d"):
        session = console.require(request)
        body, note, status = None, None, 200
        if sources.load is None:
            note = "the load report is not configured"
        else:
            try:
                body = MARKDOWN.render(sources.load(since, datetime.now(timezone.utc)))
            except BurnwiseError as exc:  # a window that is not a duration: the reader's mistake
                note, status = str(exc), 400
        return console.page(request, "report.html", session, status=status, title=f"On-call load, last {since}",
                            body=body, note=note)

    return ui
