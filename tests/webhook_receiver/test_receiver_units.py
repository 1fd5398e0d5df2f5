"""Pure parts of the receiver: payload model, enrichment, auth, backoff, event building, config."""

from __future__ import annotations

import base64
import random
from datetime import datetime, timezone
from pathlib import Path

import pytest
from burnwise.receiver.auth import token_matches
from burnwise.receiver.config import RetryPolicy, load_config
from burnwise.receiver.enrich import enrich
from burnwise.receiver.models import Notification, normalize_severity
from burnwise.receiver.outbox import backoff_seconds
from burnwise.receiver.pagers.pagerduty import MAX_EVENT_BYTES, trigger_event
from pydantic import ValidationError

from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Contact, Directory, Responders, RunbookLink
from burnwise.support.pager_stub import validate_event
from tests.webhook_receiver.receiver_testlib import alert, notification

NOW = datetime(2026, 11, 25, 6, 0, tzinfo=timezone.utc)


class CatalogDirectory(Directory):
    def surface_for(self, labels):
        return "payments" if labels.get("owner") == "payments" else None

    def responders(self, surface, at):
        return Responders(surface, Contact("anna", "Anna"), None, Contact("dora", "Dora"), routing_key="PAYKEY")

    def runbooks_for(self, labels):
        return [RunbookLink("checkout-availability", "Checkout failing", "https://runbooks.test/checkout")]


def test_payload_model_reads_alertmanager_fields():
    payload = notification("g", [alert(severity="critical"), dict(alert("B"), fingerprint="")])
    model = Notification.model_validate(payload)
    assert model.group_key == payload["groupKey"] and model.alerts[0].severity == "sev1"
    assert model.alerts[0].ends_at_or_none is None  # Alertmanager's zero time means "not ended"
    assert len(model.alerts[1].key) == 16  # no fingerprint sent: a stable hash of the labels
    assert model.alerts[1].key == Notification.model_validate(payload).alerts[1].key
    assert [normalize_severity(s) for s in ("critical", "WARNING", "info", "sev3", None, "odd")] == [
        "sev1", "sev2", "sev3", "sev3", "sev2", "sev2"
    ]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"version": "3"}, "version"),
        ({"alerts": []}, "alerts"),
        ({"status": "burning"}, "status"),
    ],
)
def test_payload_model_names_the_bad_field(change, field):
    with pytest.raises(ValidationError) as info:
        Notification.model_validate({**notification("g", [alert()]), **change})
    assert info.value.errors()[0]["loc"][0] == field


def test_naive_timestamps_are_refused():
    payload = notification("g", [dict(alert(), startsAt="2026-11-25T06:00:00")])
    with pytest.raises(ValidationError) as info:
        Notification.model_validate(payload)
    assert info.value.errors()[0]["loc"][:3] == ("alerts", 0, "startsAt")


def test_enrichment_annotation_runbook_wins_and_links_are_complete():
    payload = notification("g", [alert(owner="payments")])
    payload["alerts"][0]["annotations"]["runbook_url"] = "https://wiki.test/special"
    payload["alerts"][0]["annotations"]["dashboard_url"] = "https://grafana.test/d/checkout"
    result = enrich(Notification.model_validate(payload), CatalogDirectory(), NOW, "DEFAULT")
    assert result.surface == "payments" and result.routing_key == "PAYKEY"
    assert [r["url"] for r in result.runbooks] == ["https://wiki.test/special", "https://runbooks.test/checkout"]
    texts = [link["text"] for link in result.links]
    assert texts == [
        "Runbook: Runbook (alert annotation)",
        "Runbook: Checkout failing",
        "Dashboard",
        "Silence in Alertmanager",
        "Alert source (Prometheus)",
    ]
    assert result.links[3]["href"].startswith("http://alertmanager.test:9093/#/silences/new?filter=%7Bgroup%3D%22g%22%7D")
    assert [step.role for step in result.escalation_chain()] == ["primary", "lead"]


def test_annotation_runbook_that_is_in_the_catalog_keeps_its_place_and_gets_the_catalog_title():
    payload = notification("g", [alert(owner="payments")])
    payload["alerts"][0]["annotations"]["runbook_url"] = "https://runbooks.test/checkout"
    result = enrich(Notification.model_validate(payload), CatalogDirectory(), NOW, "DEFAULT")
    assert [(r["url"], r["title"]) for r in result.runbooks] == [("https://runbooks.test/checkout", "Checkout failing")]
    assert result.runbooks[0]["source"] == "annotation"


def test_enrichment_without_roster_uses_default_key():
    result = enrich(Notification.model_validate(notification("g", [alert()])), Directory.empty(), NOW, "DEFAULT")
    assert (result.surface, result.responders, result.routing_key) == (None, None, "DEFAULT")
    assert result.escalation_chain() == ()


def test_token_matching():
    basic = "Basic " + base64.b64encode(b"am:tok").decode()
    assert token_matches(None, None) and token_matches("Bearer anything", None)
    assert token_matches("Bearer tok", "tok") and token_matches(basic, "tok")
    assert not token_matches(None, "tok")
    assert not token_matches("Bearer tok2", "tok")
    assert not token_matches("Basic !!!", "tok")
    assert not token_matches("Token tok", "tok")


def test_backoff_grows_is_jittered_and_capped():
    policy = RetryPolicy(base_seconds=1, max_seconds=30, max_attempts=10)
    rng = random.Random(7)
    delays = [backoff_seconds(n, policy, rng) for n in range(1, 9)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(30, 2 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling
    assert len({round(d, 6) for d in delays}) == len(delays)


def test_trigger_event_respects_pagerduty_limits():
    doc = {
        "id": 7,
        "title": "x" * 5000,
        "severity": "sev2",
        "labels": {"service": "checkout", "slo": "availability", "alertname": "Burn"},
        "links": [],
        "dedup_key": "burnwise-incident-7",
        "opened_at": "2026-11-25T06:00:00Z",
        "alerts": [{"labels": {"blob": "y" * 4000}} for _ in range(200)],
    }
    event = trigger_event(doc, "KEY", "primary", {"name": "Anna"}, "http://receiver.test/v1/incidents/7")
    assert len(event["payload"]["summary"]) == 1024
    assert len(__import__("json").dumps(event).encode()) <= MAX_EVENT_BYTES
    assert event["payload"]["custom_details"]["alerts"].startswith("(omitted")
    assert validate_event(event) == []
    assert event["payload"]["severity"] == "error" and event["dedup_key"] == "burnwise-incident-7"


def test_pager_stub_validation_mirrors_the_events_api():
    assert "'routing_key' is missing or blank." in validate_event({"event_action": "trigger"})
    assert any("dedup_key" in e for e in validate_event({"routing_key": "k", "event_action": "resolve"}))
    assert any("severity" in e for e in validate_event(
        {"routing_key": "k", "event_action": "trigger", "payload": {"summary": "s", "source": "x", "severity": "sev1"}}
    ))


def test_config_env_overrides_file_and_defaults_need_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    defaults = load_config(None, environ={})
    assert (defaults.database_url, defaults.listen, defaults.auth_token) == ("sqlite:///burnwise.db", "127.0.0.1:9095", None)
    path = tmp_path / "receiver.yaml"
    path.write_text("listen: 127.0.0.1:7000\nauth_token: from-file\ndatabase_url: postgresql://u@h/db\n")
    config = load_config(path, environ={"BURNWISE_AUTH_TOKEN": "from-env", "BURNWISE_LISTEN": "0.0.0.0:8000"})
    assert (config.auth_token, config.host, config.port) == ("from-env", "0.0.0.0", 8000)
    assert config.database_url == "postgresql+psycopg://u@h/db"
    with pytest.raises(BurnwiseError, match="config file not found"):
        load_config(Path(tmp_path / "nope.yaml"), environ={})


def test_retry_delay_honours_retry_after_and_caps_pages():
    import random as _random

    from burnwise.receiver.delivery import retry_delay
    from burnwise.receiver.pagers import DeliveryResult, retry_after_seconds

    policy = RetryPolicy()  # base 2 s, max 300 s, page cap 30 s
    rng = _random.Random(1)
    busy = DeliveryResult(False, True, 503, "HTTP 503")
    assert max(retry_delay("pagerduty", 20, busy, policy, rng) for _ in range(50)) <= 30
    assert max(retry_delay("chat", 20, busy, policy, rng) for _ in range(50)) > 30
    assert retry_delay("pagerduty", 1, DeliveryResult(False, True, 429, "HTTP 429", retry_after=12), policy, rng) == 12
    assert retry_after_seconds("7") == 7 and retry_after_seconds(None) is None and retry_after_seconds("soon") is None
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0  # a date in the past: now


def test_trimmed_event_fits_and_keeps_what_a_responder_needs():
    import json as _json

    from burnwise.receiver.pagers.pagerduty import is_size_refusal, trimmed

    event = {
        "routing_key": "k",
        "event_action": "trigger",
        "dedup_key": "d",
        "payload": {"summary": "s", "source": "x", "severity": "critical",
                    "custom_details": {"incident_url": "u", "paged": {"role": "primary"}, "labels": {"a": "b" * 600_000}}},
        "links": [{"href": "h" * 600_000, "text": "huge"}] + [{"href": f"https://l/{n}", "text": "l"} for n in range(5)],
    }
    assert is_size_refusal(400, "Event object is invalid", event) and not is_size_refusal(503, "too large", event)
    small = trimmed(event)
    assert len(_json.dumps(small)) < 10_000
    assert small["payload"]["custom_details"] == {"incident_url": "u", "paged": {"role": "primary"}, "trimmed": True}
    assert [link["href"] for link in small["links"]] == ["https://l/0", "https://l/1", "https://l/2"]
