"""Issue 15 items 8 and the start check: the running receiver follows roster edits; no silent no-route start.

Against real `burnwise serve` processes and the PagerDuty-faithful pager: a roster edit changes
who the next page goes to without a restart (on the poll interval, and at once on SIGHUP), a roster
that fails validation is refused (ERROR, metric) and the last good one keeps paging, and every
page carries the roster version it was routed with.
"""

from __future__ import annotations

import os
import signal

import pytest

from burnwise.cli import main as burnwise
from burnwise.receiver.config import ENV_OVERRIDES
from burnwise.roster.directory import Directory
from tests.oncall.oncall_builders import roster, write
from tests.webhook_receiver.receiver_testlib import alert, notification, triggers, wait_until

pytestmark = pytest.mark.integration


def web_roster(members=("alice", "bob", "carol"), **extra) -> dict:
    return roster(members=members, ack_timeouts={"sev1": "1h"}, routing_key="W" * 32, **extra)


def paged(event: dict) -> tuple[str, str | None]:
    details = event["payload"]["custom_details"]
    return details["paged"]["contact"]["id"], details.get("roster_version")


def start(start_receiver, pager, tmp_path, roster_path, reload_seconds: float):
    return start_receiver({
        "database_url": f"sqlite:///{tmp_path / 'reload.db'}",
        "pagerduty_url": pager.enqueue_url,
        "roster": str(roster_path),
        "roster_reload_seconds": reload_seconds,
    })


def page_once(receiver, pager, group: str) -> tuple[str, str | None]:
    before = len(triggers(pager))
    assert receiver.post(notification(group, [alert(service="web")])).status_code == 200
    assert pager.wait_for(lambda s: len(triggers(s)) == before + 1, timeout=10), receiver.log()
    return paged(triggers(pager)[-1])


def test_roster_edit_reaches_the_next_page_without_restart(start_receiver, pager, tmp_path):
    path = write(tmp_path, "roster.yaml", web_roster())
    first = Directory.load(path, None)
    receiver = start(start_receiver, pager, tmp_path, path, reload_seconds=0.3)
    who, version = page_once(receiver, pager, "before-edit")
    assert version == first.version and who == first.responders("web", _now()).primary.id

    write(tmp_path, "roster.yaml", web_roster(members=("carol", "alice", "bob")))  # the rotation moves on
    second = Directory.load(path, None)
    new_primary = second.responders("web", _now()).primary.id
    assert new_primary != who and second.version != first.version
    assert wait_until(lambda: "roster reloaded" in receiver.log(), timeout=10), receiver.log()
    assert page_once(receiver, pager, "after-edit") == (new_primary, second.version)
    stored = receiver.incident(receiver.get("/v1/incidents").json()[0]["id"])["pages"][0]["body"]
    assert stored["payload"]["custom_details"]["roster_version"] == second.version  # stored on the page too

    broken = web_roster()
    broken["surfaces"][0]["lead"] = "nobody-we-know"
    write(tmp_path, "roster.yaml", broken)
    assert wait_until(lambda: "roster reload refused" in receiver.log(), timeout=10), receiver.log()
    assert [line for line in receiver.log().splitlines() if "roster reload refused" in line][0].split()[2] == "ERROR"
    assert receiver.metric('burnwise_receiver_roster_reloads_total{outcome="refused"}') == 1
    assert page_once(receiver, pager, "after-broken-edit") == (new_primary, second.version)  # last good one stays


def test_sighup_reloads_at_once(start_receiver, pager, tmp_path):
    path = write(tmp_path, "roster.yaml", web_roster())
    receiver = start(start_receiver, pager, tmp_path, path, reload_seconds=600)
    who, _ = page_once(receiver, pager, "before-hup")
    write(tmp_path, "roster.yaml", web_roster(members=("carol", "alice", "bob")))
    expected = Directory.load(path, None)
    os.kill(receiver.proc.pid, signal.SIGHUP)
    assert wait_until(lambda: "roster reloaded" in receiver.log(), timeout=5), receiver.log()
    assert page_once(receiver, pager, "after-hup") == (expected.responders("web", _now()).primary.id, expected.version)
    assert receiver.proc.poll() is None


def test_serve_refuses_to_page_without_any_route(tmp_path, monkeypatch, capsys):
    for name in ENV_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "receiver.yaml"
    path.write_text(f"database_url: sqlite:///{tmp_path / 'x.db'}\nauth_token: t0ken\n")
    assert burnwise(["serve", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "no page has a route" in err and "--without-paging" in err and "Traceback" not in err
    # a roster whose surfaces have no routing key is no route either
    write(tmp_path, "roster.yaml", roster())
    path.write_text(f"database_url: sqlite:///{tmp_path / 'x.db'}\nauth_token: t0ken\nroster: roster.yaml\n")
    assert burnwise(["serve", "--config", str(path)]) == 1
    assert "no page has a route" in capsys.readouterr().err


def test_without_paging_starts_and_records_pages_as_skipped(start_receiver, pager, tmp_path):
    receiver = start_receiver({"database_url": f"sqlite:///{tmp_path / 'off.db'}", "pagerduty_url": pager.enqueue_url, "paging": False})
    incident_id = receiver.post(notification("off", [alert()])).json()["opened"][0]
    [page] = receiver.incident(incident_id)["pages"]
    assert page["status"] == "skipped" and "paging is off" in page["last_error"]
    assert receiver.metric('burnwise_receiver_pages_not_delivered_total{reason="paging_off",target="pagerduty"}') == 1
    assert "paging is off" in receiver.log() and pager.requests == []


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)
