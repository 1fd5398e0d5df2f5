"""The console's rules at the HTTP level, in-process: form tokens, sign-in, redirects, states.

The browser tests prove the pages in Chromium; these pin the edges a browser does not reach
easily: a POST carrying the session cookie but no form token, a wrong token at sign-in, a login
link pointing at another site, Prometheus absent or down, the console with no token configured,
and the iCalendar text rules.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar

from burnwise.receiver.api import create_app
from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.console.ical import feed
from burnwise.receiver.directory_source import load_directory
from burnwise.receiver.store import Store
from burnwise.reports.console_feed import console_sources
from burnwise.support.processes import free_port
from tests.webhook_receiver.receiver_testlib import alert, notification

REPO = Path(__file__).resolve().parents[2]
TOKEN = "t0ken"


def _app(tmp_path, database_url: str | None = None, **extra):
    config = ReceiverConfig(database_url=database_url or f"sqlite:///{tmp_path / 'c.db'}", roster=REPO / "oncall" / "roster.yaml",
                            slo_specs=REPO / "slo_specs", **extra)
    store = Store.from_url(config.database_url)
    return create_app(config, store=store, console=console_sources(config, load_directory(config), store), start_worker=False), store


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def _signed_in(client: TestClient) -> None:
    csrf = _csrf(client.get("/ui/login").text)
    answer = client.post("/ui/login", data={"token": TOKEN, "name": "Ben", "csrf": csrf}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/ui/incidents"


@pytest.fixture
def client(tmp_path):
    app, store = _app(tmp_path, auth_token=TOKEN)
    with TestClient(app) as c:
        c.post("/v1/alertmanager", json=notification("g", [alert(team="payments")]), headers={"Authorization": f"Bearer {TOKEN}"})
        c.store = store
        yield c


def test_a_post_with_the_cookie_but_without_the_form_token_changes_nothing(client):
    _signed_in(client)
    for form in ({}, {"csrf": "forged"}):
        answer = client.post("/ui/incidents/1/ack", data=form, follow_redirects=False)
        assert answer.status_code == 403
    assert client.store.get_incident(1).status == "open"
    csrf = _csrf(client.get("/ui/incidents/1").text)
    assert client.post("/ui/incidents/1/resolve", data={"csrf": csrf, "text": "rolled back"}, follow_redirects=False).status_code == 303
    detail = client.store.get_incident(1)
    assert detail.status == "resolved" and detail.resolved_by == "ben"  # signed in as "Ben": the roster id
    again = client.post("/ui/incidents/1/resolve", data={"csrf": csrf})
    assert again.status_code == 200 and 'role="alert">already resolved<' in again.text


def test_a_wrong_token_does_not_sign_in_and_login_links_stay_on_the_console(client):
    csrf = _csrf(client.get("/ui/login").text)
    answer = client.post("/ui/login", data={"token": "nope", "csrf": csrf, "next": "https://evil.example/"}, follow_redirects=False)
    assert answer.status_code == 303 and "failed=1" in answer.headers["location"]
    assert "evil.example" not in answer.headers["location"]
    assert client.get("/ui/incidents", follow_redirects=False).status_code == 303
    csrf = _csrf(client.get("/ui/login?next=//evil.example/").text)
    answer = client.post("/ui/login", data={"token": TOKEN, "csrf": csrf, "next": "//evil.example/"}, follow_redirects=False)
    assert answer.headers["location"] == "/ui/incidents"


def test_a_tampered_session_cookie_is_not_a_session(client):
    _signed_in(client)
    value = client.cookies.get("burnwise_session")
    client.cookies.set("burnwise_session", value[:-2] + ("00" if not value.endswith("00") else "11"), path="/ui")
    assert client.get("/ui/incidents", follow_redirects=False).status_code == 303


def test_slo_page_says_when_prometheus_is_not_configured_or_not_reachable(tmp_path):
    app, _ = _app(tmp_path)
    with TestClient(app) as c:
        assert "Prometheus: not configured" in c.get("/ui/slos").text
    app, _ = _app(tmp_path, prometheus_url=f"http://127.0.0.1:{free_port()}")
    with TestClient(app) as c:
        page = c.get("/ui/slos")
        assert page.status_code == 200 and "Prometheus: not reachable" in page.text
        assert 'data-slo="checkout/availability"' in page.text  # the SLOs are still listed


def test_specs_that_do_not_load_are_named_on_the_page_not_a_500(tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "broken.yaml").write_text("apiVersion: burnwise/v1\nservice: x\nslos: [{name: a}]\n")
    config = ReceiverConfig(database_url=f"sqlite:///{tmp_path / 'c.db'}", slo_specs=specs)
    store = Store.from_url(config.database_url)
    app = create_app(config, store=store, console=console_sources(config, load_directory(config), store), start_worker=False)
    with TestClient(app) as c:
        c.post("/v1/alertmanager", json=notification("g", [alert()]))
        for path in ("/ui/slos", "/ui/incidents/1/postmortem"):
            page = c.get(path)
            assert page.status_code == 200 and "broken.yaml" in page.text, (path, page.text[:300])


def test_without_a_token_the_console_is_open_but_forms_still_need_their_token(tmp_path):
    app, store = _app(tmp_path)
    with TestClient(app) as c:
        c.post("/v1/alertmanager", json=notification("g", [alert()]))
        page = c.get("/ui/incidents/1")
        assert page.status_code == 200
        assert c.post("/ui/incidents/1/ack", data={}, follow_redirects=False).status_code == 403
        assert c.post("/ui/incidents/1/ack", data={"csrf": _csrf(page.text), "by": "gus"}, follow_redirects=False).status_code == 303
        assert store.get_incident(1).acknowledged_by == "gus"
        c.post("/ui/incidents/1/note", data={"csrf": _csrf(page.text), "by": "Visiting SRE", "text": "looked"})
        assert store.get_incident(1).timeline[-1].actor == "Visiting SRE"  # not in the roster: kept as typed


def test_every_page_renders_signed_in(client):
    _signed_in(client)
    for path in ("/ui/incidents", "/ui/incidents/rows", "/ui/incidents/1", "/ui/incidents/1/postmortem", "/ui/oncall",
                 "/ui/oncall/payments.ics", "/ui/oncall/people/anna.ics", "/ui/slos", "/ui/reports/handoff?surface=search",
                 "/ui/reports/load?since=7d"):
        answer = client.get(path)
        assert answer.status_code == 200, (path, answer.text[:500])
    assert client.get("/ui/slos?chart=soon").status_code == 400
    wrong = client.get("/ui/reports/load?since=soon")
    assert wrong.status_code == 400 and 'role="status">since &#39;soon&#39;' in wrong.text


@pytest.mark.postgres
def test_the_console_works_on_postgresql(tmp_path, postgres_url):
    app, store = _app(tmp_path, database_url=postgres_url, auth_token=TOKEN)
    with TestClient(app) as c:
        c.post("/v1/alertmanager", json=notification("g", [alert(team="payments")]), headers={"Authorization": f"Bearer {TOKEN}"})
        _signed_in(c)
        assert 'data-incident="1"' in c.get("/ui/incidents?surface=payments&severity=sev1").text
        csrf = _csrf(c.get("/ui/incidents/1").text)
        c.post("/ui/incidents/1/ack", data={"csrf": csrf}, follow_redirects=False)
        c.post("/ui/incidents/1/note", data={"csrf": csrf, "kind": "deploy", "text": "v2 out"}, follow_redirects=False)
        detail = store.get_incident(1)
        assert detail.acknowledged_by == "ben" and detail.timeline[-1].kind == "deploy"
        for path in ("/ui/reports/handoff?surface=payments", "/ui/reports/load?since=7d", "/ui/incidents/1/postmortem"):
            assert c.get(path).status_code == 200, path


def test_unknown_pages_are_404_not_500(client):
    _signed_in(client)
    assert client.get("/ui/incidents/999").status_code == 404
    assert client.get("/ui/oncall/nowhere.ics").status_code == 404
    assert client.get("/ui/incidents/abc").status_code == 400  # the API's one 4xx shape for bad input


def test_ical_feed_folds_escapes_and_keeps_one_uid_per_shift():
    from burnwise.roster.load import load_roster

    roster = load_roster(REPO / "oncall" / "roster.yaml")
    now = datetime(2026, 12, 20, 12, tzinfo=timezone.utc)
    text = feed(roster, now, surface="payments", days=21)
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    calendar = Calendar.from_ical(text)
    events = calendar.walk("VEVENT")
    uids = [str(e["UID"]) for e in events]
    assert len(uids) == len(set(uids)) and events
    override = [e for e in events if e.decoded("DTSTART") <= datetime(2026, 12, 30, tzinfo=timezone.utc) < e.decoded("DTEND")]
    assert any("primary: carla" in str(e["SUMMARY"]) for e in override)  # the New Year override in the example roster
    assert all(e.decoded("DTEND") - e.decoded("DTSTART") <= timedelta(days=7) for e in events)
    # a calendar app re-fetches: the shifts still ahead keep their UIDs (no duplicates, no churn)
    later = Calendar.from_ical(feed(roster, now + timedelta(hours=30), surface="payments", days=21)).walk("VEVENT")
    refetched = now + timedelta(hours=30)
    running = [str(e["UID"]) for e in later if e.decoded("DTSTART") <= refetched < e.decoded("DTEND")]
    assert running and set(running) <= set(uids)  # the shift under way is the same event, not a new one


def test_only_http_links_reach_the_incident_page(tmp_path):
    app, _store = _app(tmp_path, auth_token=TOKEN)
    hostile = alert(fingerprint="fp-js", team="payments")
    hostile["generatorURL"] = "javascript:alert(document.cookie)"
    hostile["annotations"]["runbook_url"] = "data:text/html,<script>alert(1)</script>"
    with TestClient(app) as client:
        posted = client.post("/v1/alertmanager", json=notification("js", [hostile]), headers={"Authorization": f"Bearer {TOKEN}"})
        assert posted.status_code == 200
        _signed_in(client)
        page = client.get("/ui/incidents/1").text
    assert "javascript:" not in page and "data:text/html" not in page
    assert ">Postmortem draft<" in page or "Regression case" in page  # the links section still renders
