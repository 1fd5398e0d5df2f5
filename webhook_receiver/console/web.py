"""What every console page shares: templates, the session of a request, sign-in and form checks.

Why one place: each page module (incidents, on-call, SLOs, reports) renders through the same
escaping Jinja2 environment and the same two checks - is this browser signed in (session cookie
or the API's bearer header), and does a POST carry its session's form token.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import quote

import jinja2
from burnwise.textsafe import safe_url
from burnwise.receiver.auth import token_matches
from burnwise.receiver.console.session import COOKIE, Sessions
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

HERE = Path(__file__).parent

ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # labels, titles and timeline text come from alerts and people: always escaped
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
)
# only absolute http(s) URLs become links: a `javascript:` runbook_url or generatorURL from an alert
# would run in the signed-in console's origin when clicked
ENV.filters["safe_url"] = safe_url


def iso(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else ""


def utc(value: datetime | None) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC") if value else ""


def age(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    seconds = int(((now or datetime.now(timezone.utc)) - value).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def percent(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value * 100:.{digits}f}%".replace("-0.0%", "0.0%")


ENV.filters.update(iso=iso, utc=utc, age=age, percent=percent)


class NeedsLogin(Exception):
    """The browser has no valid session: answered with a redirect to the login page."""

    def __init__(self, next_path: str) -> None:
        self.next_path = next_path


class Console:
    """The session checks and rendering of one app."""

    def __init__(self, token: str | None, people: dict[str, str] | None = None) -> None:
        self.sessions = Sessions(token)
        #: roster person id -> display name: actions are recorded under the id, as the reports expect
        self.people = dict(people or {})

    def person_id(self, name: str) -> str:
        """The roster id for a name a person typed (their id or display name), else the name as typed."""
        wanted = name.strip().casefold()
        for pid, display in self.people.items():
            if wanted in (pid.casefold(), display.casefold()):
                return pid
        return name.strip()

    def session(self, request: Request) -> dict | None:
        return self.sessions.read_cookie(request.cookies.get(COOKIE))

    def bearer_ok(self, request: Request) -> bool:
        header = request.headers.get("authorization")
        return bool(self.sessions.token and header and token_matches(header, self.sessions.token))

    def token_ok(self, submitted: str) -> bool:
        """The sign-in form's token, compared in constant time by the API's own check."""
        return bool(submitted) and token_matches(f"Bearer {submitted.strip()}", self.sessions.token)

    def require(self, request: Request) -> dict:
        """The request's session; raises NeedsLogin unless signed in (cookie or bearer header)."""
        session = self.session(request)
        if self.bearer_ok(request):
            return session or {"sid": "bearer", "in": True, "name": ""}
        if not self.sessions.signed_in(session):
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise NeedsLogin(target)
        return session or {"sid": "", "in": False, "name": ""}

    def form_ok(self, request: Request, session: dict, submitted: str | None) -> bool:
        """A POST may change state: bearer callers (no browser sends that by itself) or the form token."""
        if self.bearer_ok(request):
            return True
        return bool(session.get("sid")) and self.sessions.csrf_ok(session, submitted)

    def page(self, request: Request, template: str, session: dict | None, status: int = 200, **values) -> HTMLResponse:
        """Render ``template``; a browser without a session gets an anonymous one (for form tokens)."""
        fresh = None
        if session is None or not session.get("sid") or session.get("sid") == "bearer":
            fresh = self.sessions.new_cookie(signed_in=False)
            session = self.sessions.read_cookie(fresh)
        html = ENV.get_template(template).render(
            request_path=request.url.path,
            csrf=self.sessions.csrf_token(session),
            user=session.get("name") or "",
            people=self.people,
            auth=bool(self.sessions.token),
            now=datetime.now(timezone.utc),
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
        )
        if fresh is not None and not self.bearer_ok(request) and not cross_site(request):
            set_cookie(response, fresh)  # never over a cookie the browser held back from another site
        return response


def cross_site(request: Request) -> bool:
    """The browser says the request comes from another site (Fetch Metadata); such requests
    arrive without the SameSite=Strict cookie and must neither sign in nor replace it."""
    return request.headers.get("sec-fetch-site") == "cross-site"


def set_cookie(response, value: str) -> None:
    response.set_cookie(COOKIE, value, httponly=True, samesite="strict", path="/ui")


def login_redirect(next_path: str) -> RedirectResponse:
    return RedirectResponse(f"/ui/login?next={quote(next_path, safe='')}", status_code=303)
