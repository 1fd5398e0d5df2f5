"""The interface the receiver programs against: load, surface_for, responders, runbooks_for."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Directory
from tests.oncall.oncall_builders import (
    EXAMPLE_ROSTER,
    EXAMPLE_RUNBOOKS,
    catalog,
    person,
    roster,
    write,
)

UTC = timezone.utc


def test_empty_directory_knows_nobody():
    directory = Directory.empty()
    assert directory.surface_for({"service": "checkout"}) is None
    assert directory.responders("payments", datetime.now(UTC)) is None
    assert directory.runbooks_for({"service": "checkout", "slo": "availability"}) == []


def test_example_files_load_and_route_each_example_service():
    directory = Directory.load(EXAMPLE_ROSTER, EXAMPLE_RUNBOOKS)
    assert directory.surface_for({"service": "checkout"}) == "payments"
    assert directory.surface_for({"service": "search"}) == "search"
    assert directory.surface_for({"service": "recommender"}) == "ml-platform"
    at = datetime(2026, 11, 25, 12, tzinfo=UTC)
    for surface in ("payments", "search", "ml-platform"):
        who = directory.responders(surface, at)
        assert who is not None and who.primary and who.backup and who.lead
        assert who.primary.id != who.backup.id
        assert [role for role, _ in who.escalation_chain()] == ["primary", "backup", "lead"]
    ml = directory.responders("ml-platform", at)
    assert set(ml.smes) == {"model", "prompt", "data/retrieval", "provider escalation"}
    assert all(contacts for contacts in ml.smes.values())


def test_surface_for_prefers_owner_then_service_then_matchers(tmp_path):
    doc = roster()
    doc["people"] += [person("dan", surface="api"), person("eve", surface="api")]
    doc["surfaces"].append({
        "name": "api", "services": ["gateway"], "matchers": ['team="api"', 'env=~"prod|staging"'],
        "rotation": {"members": ["dan", "eve"], "timezone": "UTC"}, "lead": "lena",
    })
    directory = Directory.load(write(tmp_path, "roster.yaml", doc), None)
    assert directory.surface_for({"owner": "api", "service": "web"}) == "api"
    assert directory.surface_for({"owner": "nobody", "service": "web"}) == "web"
    assert directory.surface_for({"service": "gateway"}) == "api"
    assert directory.surface_for({"team": "api", "env": "prod"}) == "api"
    assert directory.surface_for({"team": "api", "env": "dev"}) is None
    assert directory.surface_for({"service": "unknown"}) is None


def test_responders_carry_contacts_timeouts_and_routing_key(tmp_path, monkeypatch):
    doc = roster(ack_timeouts={"sev1": "2s", "sev3": "1h"}, routing_key="fallback-key",
                 routing_key_env="TEST_ONCALL_ROUTING_KEY", smes={"database": ["lena"]})
    directory = Directory.load(write(tmp_path, "roster.yaml", doc), None)
    at = datetime(2026, 1, 6, 12, tzinfo=UTC)  # week 0: alice, then bob
    who = directory.responders("web", at)
    assert (who.primary.id, who.backup.id, who.lead.id) == ("alice", "bob", "lena")
    assert who.primary.email == "alice@example.com" and who.primary.pager_id == "PALICE"
    assert who.primary.timezone == "Europe/Berlin"
    assert who.ack_timeouts == {"sev1": timedelta(seconds=2), "sev2": timedelta(minutes=10), "sev3": timedelta(hours=1)}
    assert who.routing_key == "fallback-key"
    assert [c.id for c in who.smes["database"]] == ["lena"]
    monkeypatch.setenv("TEST_ONCALL_ROUTING_KEY", "from-env")
    assert directory.responders("web", at).routing_key == "from-env"
    assert directory.responders("nope", at) is None
    assert who.to_json()["ack_timeouts_seconds"] == {"sev1": 2, "sev2": 600, "sev3": 3600}


def test_load_refuses_unknown_person_naming_file_and_field(tmp_path):
    doc = roster(members=("alice", "bob"))
    doc["surfaces"][0]["rotation"]["members"].append("zed")
    path = write(tmp_path, "roster.yaml", doc)
    with pytest.raises(BurnwiseError) as caught:
        Directory.load(path, None)
    assert f"{path}: surfaces[0].rotation.members[2]: unknown person 'zed'" in str(caught.value)


def test_load_refuses_bad_shape_with_field_path(tmp_path):
    doc = roster()
    doc["surfaces"][0]["rotation"]["shift"] = "12h"
    doc["surfaces"][0]["rotaton"] = {}
    doc["people"][0]["timezone"] = "Mars/Olympus"
    path = write(tmp_path, "roster.yaml", doc)
    with pytest.raises(BurnwiseError) as caught:
        Directory.load(path, None)
    text = str(caught.value)
    assert "surfaces[0].rotation.shift: shift '12h' is not a whole number of days" in text
    assert "surfaces[0].rotaton: unknown field" in text
    assert "people[0].timezone: 'Mars/Olympus' is not an IANA time zone" in text


def test_load_refuses_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(BurnwiseError, match="file not found"):
        Directory.load(tmp_path / "absent.yaml", None)
    broken = tmp_path / "broken.yaml"
    broken.write_text("people: [\n", encoding="utf-8")
    with pytest.raises(BurnwiseError, match="not valid YAML"):
        Directory.load(broken, None)


def test_unquoted_handoff_time_is_a_time_not_base_60(tmp_path):
    path = tmp_path / "roster.yaml"
    text = write(tmp_path, "roster.yaml", roster()).read_text().replace("time: 09:00", "time: 10:30")
    assert "time: 10:30" in text
    path.write_text(text)
    directory = Directory.load(path, None)
    assert directory.roster.surfaces[0].rotation.handoff.time.isoformat() == "10:30:00"


def test_runbooks_for_matches_labels_most_specific_first(tmp_path):
    doc = catalog()
    doc["runbooks"].append({**doc["runbooks"][0], "id": "web-any", "match": {"services": ["web"]}})
    doc["runbooks"].append({**doc["runbooks"][0], "id": "web-burn-page",
                            "match": {"alerts": ["WebAvailabilityBurnRate"], "services": ["web"]}})
    doc["runbooks"].append({**doc["runbooks"][0], "id": "prod-only", "match": {"matchers": ['env="prod"']}})
    directory = Directory.load(None, write(tmp_path, "runbooks.yaml", doc))
    labels = {"alertname": "WebAvailabilityBurnRate", "service": "web", "slo": "availability"}
    assert [r.id for r in directory.runbooks_for(labels)] == ["web-burn-page", "web-availability", "web-any"]
    assert [r.id for r in directory.runbooks_for({"service": "web", "slo": "latency"})] == ["web-any"]
    assert [r.id for r in directory.runbooks_for({"env": "prod"})] == ["prod-only"]
    assert directory.runbooks_for({"service": "other"}) == []
    link = directory.runbooks_for(labels)[0]
    assert link.url == "https://runbooks.example.com/web/availability" and link.title == "Web is failing"


def test_example_runbooks_cover_every_example_slo():
    directory = Directory.load(None, EXAMPLE_RUNBOOKS)
    for service, slo in [("checkout", "availability"), ("checkout", "latency"), ("search", "latency"),
                         ("recommender", "prediction-success"), ("recommender", "freshness")]:
        found = directory.runbooks_for({"service": service, "slo": slo})
        assert found, f"no runbook for {service}/{slo}"
