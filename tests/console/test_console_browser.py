"""Issue 19 in a real browser: headless Chromium (Debian's) driven by Playwright against a real
`burnwise serve` with a seeded incident history, the PagerDuty-faithful pager stub and a real
Prometheus recording SLO series.

One stack and one browser profile serve the whole module (signed in once) to keep it quick; each
test checks what a person at the console would see, and what reached the pager and the database.
"""

from __future__ import annotations

import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests

from tests.console.consolelib import (
    CHROMIUM,
    HOSTILE,
    PAYMENTS_KEY,
    TOKEN,
    api_incident,
    browser,
    console_stack,
    override_window,
    sign_in,
    wait_until,
)

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium not installed (make setup installs Debian's chromium)"),
]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    with console_stack(tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="module")
def context(stack):
    with browser() as ctx:
        page = ctx.new_page()
        sign_in(page, stack.url)
        page.close()
        yield ctx


@pytest.fixture
def page(context):
    page = context.new_page()
    page.set_default_timeout(10_000)  # a page that does not render fails in seconds, not half a minute
    try:
        yield page
    finally:
        page.close()


def test_sign_in_is_required_and_sets_a_strict_httponly_cookie(stack, context):
    fresh = requests.get(f"{stack.url}/ui/incidents", allow_redirects=False, timeout=10)
    assert fresh.status_code == 303 and fresh.headers["location"].startswith("/ui/login")
    cookie = next(c for c in context.cookies() if c["name"] == "burnwise_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"
    bearer = requests.get(f"{stack.url}/ui/incidents", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert bearer.status_code == 200 and "#%d" % stack.ids["checkout"] in bearer.text


def test_incident_list_shows_open_first_with_who_was_paged_and_escapes_text(stack, page):
    page.goto(f"{stack.url}/ui/incidents")
    rows = page.locator("#incident-rows tr")
    ids = [int(r.get_attribute("data-incident")) for r in rows.all()]
    assert ids.index(stack.ids["checkout"]) < ids.index(stack.ids["resolved"])
    assert ids.index(stack.ids["search"]) < ids.index(stack.ids["resolved"])
    checkout = page.locator(f"tr[data-incident='{stack.ids['checkout']}']")
    assert "sev1" in checkout.inner_text() and "open" in checkout.inner_text()
    assert "step 1 of" in checkout.inner_text()
    assert re.search(r"Anna Becker|Ben|Carla", checkout.inner_text())  # the payments primary at the page
    page.goto(f"{stack.url}/ui/incidents/{stack.ids['checkout']}")
    assert HOSTILE in page.inner_text("body")  # shown as text ...
    assert page.locator("img").count() == 0 and page.title() != "pwned"  # ... never run as markup


def test_filters_narrow_the_list(stack, page):
    page.goto(f"{stack.url}/ui/incidents")
    page.select_option("select[name=severity]", "sev2")
    page.wait_for_url(re.compile(r".*severity=sev2.*"))
    shown = {int(r.get_attribute("data-incident")) for r in page.locator("#incident-rows tr[data-incident]").all()}
    assert shown == {stack.ids["search"], stack.ids["resolved"]}
    page.select_option("select[name=surface]", "search")
    page.wait_for_url(re.compile(r".*surface=search.*"))
    shown = {int(r.get_attribute("data-incident")) for r in page.locator("#incident-rows tr[data-incident]").all()}
    assert shown == {stack.ids["search"]}


def test_the_list_updates_itself_without_a_reload(stack, page):
    page.goto(f"{stack.url}/ui/incidents?every=1")
    page.evaluate("window.__same_document = true")
    from tests.webhook_receiver.receiver_testlib import alert, notification

    new = stack.receiver.post(notification("live", [alert("LiveBudgetBurn", fingerprint="fp-live", service="cart-api")])).json()
    incident = new["incidents"][0]
    page.wait_for_selector(f"tr[data-incident='{incident}']", timeout=10_000)
    assert page.evaluate("window.__same_document") is True  # no navigation happened


def test_acknowledge_from_the_browser_reaches_the_pager_and_the_timeline(stack, page):
    incident = stack.ids["checkout"]
    page.goto(f"{stack.url}/ui/incidents/{incident}")
    page.click("#ack")
    page.wait_for_selector("#acked-by")
    assert page.inner_text("#acked-by") == "Anna Becker"
    assert page.inner_text("#status") == "acknowledged"
    assert "acknowledge" in page.inner_text("#timeline")
    assert page.inner_text("#tz") == "Asia/Tokyo"  # the browser's zone, set on the context
    stamp = page.locator("#timeline time").first
    utc = stamp.get_attribute("title")  # the server's UTC text, kept as the tooltip
    assert utc.endswith("UTC") and stamp.inner_text() != utc
    shown_hour = int(re.search(r"(\d+):\d\d", stamp.inner_text()).group(1)) % 12
    assert shown_hour == (int(utc[11:13]) + 9) % 12  # Tokyo is UTC+9, shown on a 12-hour or 24-hour clock
    record = api_incident(stack, incident)
    assert record["acknowledged_by"] == "anna"  # recorded under the roster id, as the reports count it
    dedup = record["dedup_key"]
    assert stack.pager.wait_for(
        lambda s: any(e["event_action"] == "acknowledge" and e["dedup_key"].startswith(dedup) for e in s.events), timeout=15
    ), [(e["event_action"], e["dedup_key"]) for e in stack.pager.events]
    assert stack.pager.incident(PAYMENTS_KEY, next(
        e["dedup_key"] for e in stack.pager.events if e["event_action"] == "acknowledge")).status == "acknowledged"


def test_a_note_from_the_browser_lands_in_the_timeline_escaped(stack, page):
    incident = stack.ids["search"]
    page.goto(f"{stack.url}/ui/incidents/{incident}")
    page.select_option("select[name=kind]", "mitigation")
    page.fill("input[name=text]", f"rolled back {HOSTILE}")
    page.click("#add-note")
    page.wait_for_selector("#timeline li.kind-mitigation")
    assert f"rolled back {HOSTILE}" in page.inner_text("#timeline li.kind-mitigation")
    assert page.locator("img").count() == 0
    entries = api_incident(stack, incident)["timeline"]
    assert any(e["kind"] == "mitigation" and e["actor"] == "anna" and HOSTILE in e["text"] for e in entries)


def test_paging_the_lead_from_the_browser_opens_a_new_pager_incident(stack, page):
    incident = stack.ids["search"]
    before = {e["dedup_key"] for e in stack.pager.events if e["event_action"] == "trigger"}
    page.goto(f"{stack.url}/ui/incidents/{incident}")
    page.select_option("select[name=to]", "lead")
    page.click("#page")
    page.wait_for_selector("#timeline li.kind-escalate")
    dedup = api_incident(stack, incident)["dedup_key"]
    assert stack.pager.wait_for(
        lambda s: any(e["event_action"] == "trigger" and e["dedup_key"].startswith(f"{dedup}-page-")
                      and e["dedup_key"] not in before for e in s.events), timeout=15
    ), [(e["event_action"], e["dedup_key"]) for e in stack.pager.events]
    entries = api_incident(stack, incident)["timeline"]
    assert any(e["kind"] == "escalate" and e["actor"] == "anna" for e in entries), entries


def test_oncall_calendar_shows_the_override_and_the_feed_imports(stack, page):
    page.goto(f"{stack.url}/ui/oncall")
    payments = page.locator("#surface-payments")
    assert "primary" in payments.inner_text() and "Dora" in payments.inner_text()  # lead
    start, end = override_window(stack.now)
    marked = payments.locator("li.day.override")
    days = [d.get_attribute("data-day") for d in marked.all()]
    assert days == [(start.date().fromordinal(start.date().toordinal() + n)).isoformat() for n in range(3)]
    for day in marked.all():
        assert "carla replaces anna" in day.inner_text()
        assert day.locator(".primary").inner_text() != "anna"
    assert "Training gate" in payments.inner_text()
    link = page.locator("#surface-payments a[href$='.ics'], #surface-payments a[href*='.ics?']").first.get_attribute("href")
    from icalendar import Calendar

    feed = requests.get(stack.url + link, timeout=10)  # a calendar app: no cookie, the feed's key
    assert feed.status_code == 200 and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.content).walk("VEVENT")
    covering = [e for e in events if e.decoded("DTSTART") <= start + (end - start) / 2 < e.decoded("DTEND")]
    assert any("primary: carla" in str(e["SUMMARY"]) for e in covering), [str(e["SUMMARY"]) for e in covering]
    assert requests.get(stack.url + link.split("?")[0], allow_redirects=False, timeout=10).status_code == 303
    person = requests.get(f"{stack.url}/ui/oncall/people/carla.ics?key=wrong", allow_redirects=False, timeout=10)
    assert person.status_code == 303


def test_slo_page_reads_budget_burn_and_firing_tiers_from_prometheus(stack, page):
    page.goto(f"{stack.url}/ui/slos?chart=2m")
    assert page.inner_text("#prometheus-state") == "Prometheus: ok"
    rows = page.locator("tr[data-slo]")
    order = [r.get_attribute("data-slo") for r in rows.all()]
    assert order[0] == "checkout/availability"  # least budget left first
    checkout = page.locator("tr[data-slo='checkout/availability']").first
    assert checkout.locator(".budget").inner_text() == "42.0%"
    assert "1h 20.00 / 5m 18.00 > 14.4" in checkout.inner_text()
    assert checkout.locator(".burns li.over").count() >= 1
    assert checkout.locator(".sev-sev1").count() == 1
    assert checkout.locator("svg.chart polyline").count() == 2  # budget and burn rate over the last 2m
    assert "slo_specs/checkout.yaml" in checkout.inner_text() and "/work" not in checkout.inner_text()


def test_a_grouped_slo_gets_one_row_per_group(stack):
    from datetime import datetime, timezone

    from burnwise.receiver.console.slo_figures import slo_page
    from burnwise.receiver.console.sources import SloView, TierCondition

    condition = TierCondition("sev1", "page", "sev1", 14.4, "1h", "5m", "slo:burnwise_burn_rate:rate1h", "slo:burnwise_burn_rate:rate5m")
    view = SloView("edge", "grouped", 0.999, "30d", "payments", ("region",), (condition,),
                   "slo:burnwise_error_budget_remaining:ratio", '{service="edge",slo="grouped"}')
    page = slo_page([view], stack.prometheus_url, datetime.now(timezone.utc), 120)
    assert page.prometheus == "ok"
    assert [(row.group, row.budget, row.burn["1h"]) for row in page.rows] == [
        ({"region": "eu"}, 0.5, 3.0), ({"region": "us"}, 0.8, None)]


def test_reports_render_as_pages(stack, page):
    page.goto(f"{stack.url}/ui/reports/handoff?surface=payments")
    assert "payments" in page.inner_text("h1") and page.locator("article.report h1, article.report h2").count() > 0
    page.goto(f"{stack.url}/ui/reports/load?since=7d")
    assert page.locator("article.report table").count() > 0
    page.goto(f"{stack.url}/ui/incidents/{stack.ids['checkout']}/postmortem")
    assert page.locator("article.report").count() == 1


class _Evil(BaseHTTPRequestHandler):
    target = ""
    link = False

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.link:
            body = f'<a id="go" href="{self.target}">incident</a>'.encode()
        else:
            body = (f'<form id="f" method="post" action="{self.target}"><input name="by" value="mallory"></form>'
                    '<script>document.getElementById("f").submit()</script>').encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(body)


def test_a_cross_site_post_changes_nothing(stack, context):
    incident = stack.ids["search"]
    before = api_incident(stack, incident)
    assert before["status"] == "open"
    handler = type("Evil", (_Evil,), {"target": f"{stack.url}/ui/incidents/{incident}/ack"})
    evil = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=evil.serve_forever, daemon=True)
    thread.start()
    page = context.new_page()
    try:
        acks = len([e for e in stack.pager.events if e["event_action"] == "acknowledge"])
        session = next(c["value"] for c in context.cookies() if c["name"] == "burnwise_session")
        # localhost and 127.0.0.1 are different sites: the signed-in browser visits the attacker's page
        with page.expect_response(lambda r: r.url.endswith("/ack")) as answer:
            page.goto(f"http://localhost:{evil.server_address[1]}/")
        assert answer.value.status == 403
        time.sleep(0.3)
        after = api_incident(stack, incident)
        assert after["status"] == "open" and after["acknowledged_by"] is None
        assert len(after["timeline"]) == len(before["timeline"])
        assert len([e for e in stack.pager.events if e["event_action"] == "acknowledge"]) == acks
        # and the attack did not sign the browser out either
        assert next(c["value"] for c in context.cookies() if c["name"] == "burnwise_session") == session
    finally:
        page.close()
        evil.shutdown()
        evil.server_close()


def test_a_link_from_another_site_opens_the_page_signed_in(stack, context):
    """SameSite=Strict holds the cookie back on a cross-site link; the console reloads from its own origin."""
    target = f"{stack.url}/ui/incidents/{stack.ids['checkout']}"
    handler = type("Link", (_Evil,), {"target": target, "link": True})
    other = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    page = context.new_page()
    try:
        page.goto(f"http://localhost:{other.server_address[1]}/")
        page.click("#go")
        page.wait_for_url(target, timeout=10_000)
        page.wait_for_selector("#status", timeout=10_000)
        assert "/ui/login" not in page.url
    finally:
        page.close()
        other.shutdown()
        other.server_close()
