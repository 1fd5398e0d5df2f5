"""The console mounted on the receiver app: sign-in, static files, and the page routers.

Why a single entry point: :func:`mount` is the one call :mod:`burnwise.receiver.api` makes, so
the API module stays wiring only; everything the console needs comes from the receiver's context
and the :class:`ConsoleSources` the command line hands over.
"""

from __future__ import annotations

import logging
from urllib.parse import quote, urlsplit

from burnwise.receiver.console import incidents, pages
from burnwise.receiver.console.sources import ConsoleSources
from burnwise.receiver.console.web import HERE, Console, NeedsLogin, cross_site, login_redirect, set_cookie
from burnwise.receiver.context import ReceiverContext
from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

log = logging.getLogger("burnwise.receiver.console")
RELOAD = '<!doctype html><meta http-equiv="refresh" content="0"><title>burnwise</title><p>Opening the console...</p>'



def _safe_next(target: str) -> str:
    """Only a path inside the console: a login link never sends anybody to another site."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/ui/") or target.startswith("//"):
        return "/ui/incidents"
    return target


def mount(app: FastAPI, ctx: ReceiverContext, sources: ConsoleSources) -> None:
    roster = sources.directory.roster
    console = Console(ctx.config.auth_token, {p.id: p.name for p in roster.people} if roster else None)
    ui = APIRouter(prefix="/ui", include_in_schema=False)  # pages, not API: not in the OpenAPI document

    @app.exception_handler(NeedsLogin)
    async def _login(request: Request, exc: NeedsLogin):
        if cross_site(request):
            if request.method == "GET":
                # a link from elsewhere (a page in PagerDuty, a chat message): the SameSite=Strict
                # cookie was held back; reloading from this origin sends it
                return HTMLResponse(RELOAD, headers={"Cache-Control": "no-store"})
            log.warning("console refused a cross-site %s %s", request.method, request.url.path)
            return HTMLResponse("<p>Refused: a cross-site request.</p>", status_code=403)
        return login_redirect(exc.next_path)

    @ui.get("", include_in_schema=False)
    @ui.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/ui/incidents", status_code=303)

    @ui.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str = "/ui/incidents", failed: int = 0):  # noqa: A002 - query name
        if cross_site(request):
            return HTMLResponse(RELOAD, headers={"Cache-Control": "no-store"})
        return console.page(request, "login.html", console.session(request), next=_safe_next(next), failed=bool(failed))

    @ui.post("/login", include_in_schema=False)
    def login(request: Request, token: str = Form(""), name: str = Form(""), csrf: str = Form(""),
              next: str = Form("/ui/incidents")):  # noqa: A002
        target = _safe_next(next)
        session = console.session(request)
        if not console.sessions.csrf_ok(session, csrf):
            return RedirectResponse(f"/ui/login?failed=1&next={quote(target, safe='')}", status_code=303)
        wanted = console.sessions.token
        if wanted and not console.token_ok(token):
            log.warning("console sign-in refused: wrong token from %s", request.client.host if request.client else "?")
            return RedirectResponse(f"/ui/login?failed=1&next={quote(target, safe='')}", status_code=303)
        response = RedirectResponse(target, status_code=303)
        set_cookie(response, console.sessions.new_cookie(signed_in=True, name=name.strip()))
        return response

    @ui.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("")):
        response = RedirectResponse("/ui/login", status_code=303)
        if console.sessions.csrf_ok(console.session(request), csrf):
            response.delete_cookie("burnwise_session", path="/ui")
        return response

    app.mount("/ui/static", StaticFiles(directory=HERE / "static"), name="console-static")
    app.include_router(ui)
    app.include_router(incidents.router(ctx, console, sources))
    app.include_router(pages.router(console, sources))
