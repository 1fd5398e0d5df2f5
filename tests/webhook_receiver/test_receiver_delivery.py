"""Outbox delivery against the real pager stub: retries, give-ups, and surviving a crash."""

from __future__ import annotations

import pytest

from tests.webhook_receiver.receiver_testlib import alert, free_port, notification, wait_until

pytestmark = pytest.mark.integration


def settings(tmp_path, pager_url):
    return {
        "database_url": f"sqlite:///{tmp_path / 'outbox.db'}",
        "pagerduty_url": pager_url,
        "pagerduty_routing_key": "R" * 32,
    }


def page_of(receiver, incident_id):
    return receiver.incident(incident_id)["pages"][0]


@pytest.mark.parametrize("status", [503, 429])
def test_pager_failing_then_recovering_gets_the_page(start_receiver, pager, tmp_path, status):
    pager.fail_next(status, 3)
    receiver = start_receiver(settings(tmp_path, pager.enqueue_url))
    incident_id = receiver.post(notification("flaky", [alert()])).json()["opened"][0]
    assert pager.wait_for(lambda s: len(s.events) == 1, timeout=20), receiver.log()
    assert [r.status for r in pager.requests] == [status, status, status, 202]
    assert wait_until(lambda: page_of(receiver, incident_id)["status"] == "sent")
    page = page_of(receiver, incident_id)
    assert page["attempts"] == 4 and page["last_status_code"] == 202
    assert receiver.metric('burnwise_receiver_pages_retried_total{target="pagerduty"}') == 3
    assert receiver.metric('burnwise_receiver_pages_sent_total{target="pagerduty"}') == 1


def test_other_4xx_is_failed_with_reason_and_not_retried(start_receiver, pager, tmp_path):
    pager.fail_next(400, 1)
    receiver = start_receiver(settings(tmp_path, pager.enqueue_url))
    incident_id = receiver.post(notification("refused", [alert()])).json()["opened"][0]
    assert wait_until(lambda: page_of(receiver, incident_id)["status"] == "failed", timeout=10)
    page = page_of(receiver, incident_id)
    assert page["attempts"] == 1 and page["last_status_code"] == 400 and "HTTP 400" in page["last_error"]
    assert not pager.wait_for(lambda s: len(s.requests) > 1, timeout=1.5)
    assert receiver.metric('burnwise_receiver_pages_failed_total{target="pagerduty"}') == 1


def test_receiver_killed_before_delivery_sends_the_page_after_restart(start_receiver, pager, tmp_path):
    # the pager is unreachable at first (nothing listens), so the page is committed but undelivered
    first = start_receiver(settings(tmp_path, f"http://127.0.0.1:{free_port()}/v2/enqueue"))
    incident_id = first.post(notification("crash", [alert()])).json()["opened"][0]
    assert wait_until(lambda: page_of(first, incident_id)["attempts"] >= 1)
    assert first.metric("burnwise_receiver_outbox_depth") == 1
    first.kill()
    assert pager.requests == []
    second = start_receiver(settings(tmp_path, pager.enqueue_url))
    assert pager.wait_for(lambda s: len(s.events) == 1, timeout=15), second.log()
    assert pager.events[0]["dedup_key"] == second.incident(incident_id)["dedup_key"]
    assert wait_until(lambda: page_of(second, incident_id)["status"] == "sent")
    assert not pager.wait_for(lambda s: len(s.events) > 1, timeout=1)


def test_each_lane_keeps_as_many_pager_connections_alive_as_it_delivers_at_once(tmp_path):
    """A pool smaller than the lane (requests' default was 10) reconnects for every page past it."""
    from burnwise.receiver.config import ReceiverConfig
    from burnwise.receiver.delivery import build_targets

    config = ReceiverConfig(database_url=f"sqlite:///{tmp_path / 'r.db'}", concurrency={"pagerduty": 24, "ticket": 3, "chat": 2})
    targets = build_targets(config)
    pools = {name: target.session._manager("https://events.example/").connection_from_url("https://events.example/")
             for name, target in targets.items()}
    sizes = {name: pool.pool.maxsize for name, pool in pools.items()}
    assert sizes == {"pagerduty": 24, "ticket": 3, "chat": 2}


def test_a_down_pager_gets_one_probe_at_a_time_and_every_page_once_it_is_back(start_receiver, pager, tmp_path):
    """During an outage the lane stops flooding the pager (and the receiver's own CPU) with retries."""
    import time

    down = 'burnwise_receiver_target_down{target="pagerduty"}'
    pager.fail_next(503, 1_000_000)  # down until recover()
    quick_retries = {"base_seconds": 0.2, "max_seconds": 1.0, "page_max_seconds": 1.0, "max_attempts": 1000}
    receiver = start_receiver(settings(tmp_path, pager.enqueue_url) | {"retry": quick_retries, "worker_poll_seconds": 0.1})
    for i in range(30):
        assert receiver.post(notification(f"outage-{i}", [alert()])).status_code == 200
    assert wait_until(lambda: receiver.metric(down) == 1, timeout=20), receiver.log()
    assert "sending one probe page every 1s until it answers" in receiver.log()
    before = len(pager.requests)
    time.sleep(4.0)
    # 30 pages with a 1 s backoff cap would be ~120 attempts in 4 s; probing sends about one a second
    assert len(pager.requests) - before <= 6, len(pager.requests) - before
    pager.recover()
    assert pager.wait_for(lambda s: len(s.notifications) == 30, timeout=30), receiver.log()
    assert wait_until(lambda: receiver.metric(down) == 0)
    assert "pagerduty target answers again" in receiver.log()
    assert receiver.metric("burnwise_receiver_outbox_depth") == 0


def test_the_lane_pools_honour_proxies_from_the_environment(monkeypatch):
    """Leaving requests behind must not drop HTTPS_PROXY/NO_PROXY, which reaching PagerDuty may need."""
    import urllib3

    from burnwise.receiver.pagers import HttpPool

    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.internal:3128")
    monkeypatch.setenv("NO_PROXY", "chat.internal")
    pool = HttpPool(4)
    via = pool._manager("https://events.pagerduty.com/v2/enqueue")
    assert isinstance(via, urllib3.ProxyManager) and via.proxy.host == "proxy.internal"
    assert not isinstance(pool._manager("https://chat.internal/hook"), urllib3.ProxyManager)
    assert not isinstance(pool._manager("http://127.0.0.1:9/plain-http"), urllib3.ProxyManager)  # no HTTP_PROXY set
