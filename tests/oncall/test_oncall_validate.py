"""Every refusal and warning of `validate_oncall`, and the example files passing it."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml

from burnwise.roster.validate import validate_oncall
from tests.oncall.oncall_builders import (
    EXAMPLE_ROSTER,
    EXAMPLE_RUNBOOKS,
    REPO,
    catalog,
    person,
    roster,
    write,
)

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)


def findings_for(tmp_path: Path, roster_doc=None, catalog_doc=None, specs=None, rules=None, now=NOW):
    roster_path = write(tmp_path, "roster.yaml", roster_doc) if roster_doc is not None else None
    catalog_path = write(tmp_path, "runbooks.yaml", catalog_doc) if catalog_doc is not None else None
    return validate_oncall(roster_path, catalog_path, specs, rules, now=now)


def codes(findings) -> list[tuple[str, str, str]]:
    return [(f.level, f.code, f.field) for f in findings]


def test_baseline_test_roster_and_catalog_are_valid(tmp_path):
    assert findings_for(tmp_path, roster(), catalog()) == []


# --- refusals ------------------------------------------------------------------------------------


def test_refuses_single_engineer_rotation(tmp_path):
    found = findings_for(tmp_path, roster(members=("alice",)))
    assert codes(found) == [("refusal", "rotation-too-small", "surfaces[0].rotation.members")]
    assert "single-engineer rotation is not a rotation" in found[0].message
    assert str(found[0]).startswith(f"refusal: {tmp_path / 'roster.yaml'}: surfaces[0].rotation.members: ")


def test_refuses_rotation_listing_the_same_person_twice(tmp_path):
    found = findings_for(tmp_path, roster(members=("alice", "alice")))
    assert ("refusal", "rotation-too-small", "surfaces[0].rotation.members") in codes(found)


def test_refuses_single_person_follow_the_sun_segment(tmp_path):
    doc = roster(follow_the_sun=[
        {"name": "emea", "timezone": "Europe/Berlin", "hours": "08:00-20:00", "members": ["alice", "bob"]},
        {"name": "apac", "timezone": "Asia/Tokyo", "hours": "08:00-20:00", "members": ["carol"]},
    ])
    refusals = [f for f in findings_for(tmp_path, doc) if f.is_refusal]
    assert codes(refusals) == [("refusal", "rotation-too-small", "surfaces[0].follow_the_sun[1].members")]


@pytest.mark.parametrize(
    "change, gap",
    [
        (lambda t: t.update(drills=t["drills"][:1]), "no drill as primary or backup in the last 365 days"),
        (lambda t: t.update(drills=[{**d, "role": "observer"} for d in t["drills"]]),
         "no drill as primary or backup"),
        # issue 21.1: two drills as primary (no observer) used to pass
        (lambda t: t.update(drills=[{**d, "role": "primary"} for d in t["drills"]]), "no drill as observer"),
        (lambda t: t.update(walkthroughs=[{"date": "2026-06-01", "surface": "other"}]),
         "no runbook walk-through for surface 'web'"),
        (lambda t: t.update(tooling_check=None), "no tooling check"),
        # issue 21.1: training dated in the future (2027) or years ago (2018) used to pass
        (lambda t: t["drills"][1].update(date="2027-02-01"),
         "no drill as primary or backup in the last 365 days (drill 2027-02-01 is dated after today, it counts once done)"),
        (lambda t: t["walkthroughs"][0].update(date="2018-03-01"),
         "(walk-through 2018-03-01 expired on 2019-03-01)"),
        # issue 21.1: the tooling check is a list of dated items, not one date
        (lambda t: t["tooling_check"].pop("rollback"), "no tooling check of rollback"),
        (lambda t: t.update(tooling_check="2026-06-01"), "the tooling check is one date (2026-06-01) without items"),
    ],
    ids=["one-drill", "observer-only", "primary-only", "walkthrough-elsewhere", "no-tooling-check", "future-drill",
         "stale-walkthrough", "tooling-item-missing", "tooling-one-date"],
)
def test_refuses_rotation_member_who_fails_the_training_gate(tmp_path, change, gap):
    doc = roster()
    doc["people"].append(person("olga", surface="other"))
    doc["people"].append(person("oscar", surface="other"))
    doc["surfaces"].append({"name": "other", "rotation": {"members": ["olga", "oscar"]}, "lead": "lena",
                            "smes": {"database": ["lena"]}})
    change(doc["people"][1]["training"])  # bob
    found = findings_for(tmp_path, doc)
    assert codes(found) == [("refusal", "untrained", "surfaces[0].rotation.members[1]")]
    assert "'bob' has not passed the training gate for surface 'web'" in found[0].message
    assert gap in found[0].message and "people[1].training" in found[0].message


def test_refuses_person_without_any_training_record(tmp_path):
    doc = roster()
    del doc["people"][2]["training"]
    found = findings_for(tmp_path, doc)
    assert codes(found) == [("refusal", "untrained", "surfaces[0].rotation.members[2]")]
    for gap in ("no drill as observer", "no drill as primary or backup", "no runbook walk-through", "no tooling check"):
        assert gap in found[0].message


def test_refuses_untrained_override_stand_in(tmp_path):
    doc = roster()
    doc["people"].append(person("zoe", surface=None))
    doc["overrides"].append({"surface": "web", "person": "zoe", "replaces": "alice",
                             "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-02T09:00:00+01:00"})
    assert codes(findings_for(tmp_path, doc)) == [("refusal", "untrained", "overrides[0].person")]


def test_refuses_surface_without_lead(tmp_path):
    found = findings_for(tmp_path, roster(lead=None))
    assert codes(found) == [("refusal", "no-lead", "surfaces[0].lead")]
    assert "has no lead" in found[0].message


def test_refuses_override_naming_unknown_person_or_surface(tmp_path):
    doc = roster()
    doc["overrides"] = [
        {"surface": "web", "person": "ghost", "replaces": "alice",
         "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-02T09:00:00+01:00"},
        {"surface": "web", "person": "bob", "replaces": "phantom",
         "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-02T09:00:00+01:00"},
        {"surface": "nowhere", "person": "bob", "replaces": "alice",
         "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-02T09:00:00+01:00"},
    ]
    found = findings_for(tmp_path, doc)
    assert ("refusal", "unknown-person", "overrides[0].person") in codes(found)
    assert ("refusal", "unknown-person", "overrides[1].replaces") in codes(found)
    assert ("refusal", "unknown-surface", "overrides[2].surface") in codes(found)
    ghost = next(f for f in found if f.field == "overrides[0].person")
    assert "unknown person 'ghost'" in ghost.message and "add them under people:" in ghost.message


def test_refuses_unknown_people_elsewhere(tmp_path):
    doc = roster(smes={"database": ["nobody"]})
    doc["surfaces"][0]["lead"] = "no-lead-person"
    found = findings_for(tmp_path, doc)
    assert ("refusal", "unknown-person", "surfaces[0].lead") in codes(found)
    assert ("refusal", "unknown-person", "surfaces[0].smes.database[0]") in codes(found)


def test_refuses_malformed_override(tmp_path):
    doc = roster()
    doc["overrides"].append({"surface": "web", "person": "bob", "replaces": "alice",
                             "start": "2026-12-02T09:00:00", "end": "2026-12-01T09:00:00+01:00"})
    found = findings_for(tmp_path, doc)
    assert [f.field for f in found] == ["overrides[0].start"]
    assert "no UTC offset" in found[0].message


def _spec(directory: Path, name: str, document: dict) -> None:
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(yaml.safe_dump(document), encoding="utf-8")


def test_refuses_slo_spec_owner_without_surface(tmp_path):
    specs = tmp_path / "slo_specs"
    _spec(specs, "web.yaml", {"version": "burnwise/v1", "service": "web", "owner": "web", "slos": []})
    _spec(specs, "billing.yaml", {"version": "burnwise/v1", "service": "billing", "owner": "finance", "slos": []})
    _spec(specs, "api.yaml", {"version": "burnwise/v1", "service": "api", "slos": []})  # owner defaults to service
    found = findings_for(tmp_path, roster(), specs=specs)
    assert sorted((Path(f.file).name, f.field, f.code) for f in found) == [
        ("api.yaml", "owner", "owner-without-surface"),
        ("billing.yaml", "owner", "owner-without-surface"),
    ]
    billing = next(f for f in found if f.file.endswith("billing.yaml"))
    assert "owner 'finance' of service 'billing' has no surface" in billing.message and billing.is_refusal


def test_refuses_files_that_do_not_load(tmp_path):
    broken = tmp_path / "roster.yaml"
    broken.write_text("people: [unclosed\n", encoding="utf-8")
    found = validate_oncall(broken, tmp_path / "missing.yaml", None, None, now=NOW)
    assert [f.level for f in found] == ["refusal", "refusal"]
    assert "not valid YAML" in found[0].message and "file not found" in found[1].message


# --- warnings ------------------------------------------------------------------------------------


def test_warns_runbook_not_reviewed_for_more_than_90_days(tmp_path):
    assert findings_for(tmp_path, None, catalog(last_reviewed="2026-08-27")) == []  # 90 days: fine
    found = findings_for(tmp_path, None, catalog(last_reviewed="2026-08-26"))
    assert codes(found) == [("warning", "runbook-stale", "runbooks[0].last_reviewed")]
    assert "91 days ago" in found[0].message


def test_warns_runbook_owner_that_is_no_surface(tmp_path):
    found = findings_for(tmp_path, roster(), catalog(owner="nobody"))
    assert codes(found) == [("warning", "runbook-owner-unknown", "runbooks[0].owner")]


def test_warns_time_zone_unfairness(tmp_path):
    doc = roster(members=("alice", "bob", "carol", "dan"))
    doc["people"][2]["timezone"] = "Europe/Berlin"  # carol covers Berlin nights from Berlin: unfair
    doc["people"][3]["timezone"] = "Australia/Sydney"  # dan covers the same hours in his daytime
    doc["surfaces"][0]["follow_the_sun"] = [
        {"name": "day", "timezone": "Europe/Berlin", "hours": "08:00-20:00", "members": ["alice", "bob"]},
        {"name": "night", "timezone": "Europe/Berlin", "hours": "20:00-08:00", "members": ["carol", "dan"]},
    ]
    found = findings_for(tmp_path, doc)
    assert codes(found) == [("warning", "timezone-unfair", "surfaces[0]")]
    assert "'carol' carries" in found[0].message and "Europe/Berlin" in found[0].message
    assert "next 12 weeks" in found[0].message


def test_fair_rotation_across_zones_is_not_flagged(tmp_path):
    doc = roster(members=("alice", "bob", "carol"))
    for entry, zone in zip(doc["people"], ["Europe/Berlin", "America/New_York", "Australia/Sydney"]):
        entry["timezone"] = zone
    assert findings_for(tmp_path, doc) == []


def test_warns_alerts_in_rendered_rules_without_runbook(tmp_path):
    rules = tmp_path / "rendered_rules"
    (rules / "tests").mkdir(parents=True)
    (rules / "web.rules.yaml").write_text(yaml.safe_dump({"groups": [
        {"name": "web-recording", "rules": [{"record": "slo:x", "expr": "1"}]},
        {"name": "web-alerts", "rules": [
            {"alert": "WebAvailabilityBurnRate", "expr": "1", "labels": {"service": "web", "slo": "availability"}},
            {"alert": "WebLatencyBurnRate", "expr": "1", "labels": {"service": "web", "slo": "latency"},
             "annotations": {"runbook_url": "https://elsewhere.example.com"}},
        ]},
    ]}), encoding="utf-8")
    (rules / "tests" / "web.test.yaml").write_text(yaml.safe_dump({"rule_files": ["../web.rules.yaml"], "tests": []}))
    found = findings_for(tmp_path, None, catalog(), rules=rules)
    assert codes(found) == [("warning", "alert-without-runbook", "groups[1].rules[1]")]
    assert found[0].file == str(rules / "web.rules.yaml")
    assert "'WebLatencyBurnRate' (service=web, slo=latency) matches no runbook" in found[0].message


def test_warns_override_that_replaces_nobody_on_the_surface(tmp_path):
    doc = roster()
    doc["people"].append(person("zoe"))
    doc["overrides"].append({"surface": "web", "person": "alice", "replaces": "zoe",
                             "start": "2026-12-01T09:00:00+01:00", "end": "2026-12-02T09:00:00+01:00"})
    assert codes(findings_for(tmp_path, doc)) == [("warning", "override-no-effect", "overrides[0].replaces")]


# --- the examples in the repository --------------------------------------------------------------


def test_example_roster_and_runbooks_pass_validation_against_the_repository():
    found = validate_oncall(EXAMPLE_ROSTER, EXAMPLE_RUNBOOKS, REPO / "slo_specs", REPO / "rendered_rules", now=NOW)
    assert [str(f) for f in found] == []


def _example_training_dates() -> list[datetime]:
    """Every date in the example roster's training records (drills, walkthroughs, tooling items)."""
    text = EXAMPLE_ROSTER.read_text(encoding="utf-8")
    training = [p.get("training") or {} for p in yaml.safe_load(text)["people"]]
    found = re.findall(r"\b(20\d\d-\d\d-\d\d)\b", yaml.safe_dump(training))
    return sorted(datetime.fromisoformat(d).replace(hour=12, tzinfo=timezone.utc) for d in set(found))


def test_example_roster_has_no_refusals_while_its_training_is_valid():
    # issue 21 follow-up: this used to validate at today's date and would start failing when the
    # example's training lapses (~2027-01). The instants now come from the example's own dates.
    dates = _example_training_dates()
    validity = timedelta(days=yaml.safe_load(EXAMPLE_ROSTER.read_text(encoding="utf-8"))["training_policy"]["validity_days"])
    first_lapse = dates[0] + validity
    for now in (dates[-1] + timedelta(days=1), first_lapse - timedelta(days=2)):
        found = validate_oncall(EXAMPLE_ROSTER, EXAMPLE_RUNBOOKS, REPO / "slo_specs", REPO / "rendered_rules", now=now)
        assert [str(f) for f in found if f.is_refusal] == [], now
    lapsed = validate_oncall(EXAMPLE_ROSTER, EXAMPLE_RUNBOOKS, REPO / "slo_specs", REPO / "rendered_rules",
                             now=dates[-1] + validity + timedelta(days=2))
    assert any(f.code == "untrained" for f in lapsed)  # the instants matter: once all training lapsed, refusals


def test_findings_expose_severity_for_burnwise_check(tmp_path):
    found = findings_for(tmp_path, roster(lead=None), catalog(last_reviewed="2020-01-01"))
    assert sorted(f.severity for f in found) == ["error", "warning"]


def test_walkthrough_for_unknown_surface_warns_and_counts_for_nothing(tmp_path):
    doc = roster()
    doc["people"][3]["training"] = {"walkthroughs": [{"date": "2026-06-01", "surface": "gone"}]}  # lena, the lead
    assert codes(findings_for(tmp_path, doc)) == [
        ("warning", "unknown-surface", "people[3].training.walkthroughs[0].surface")]


@pytest.mark.parametrize("smes", [{}, {"database": []}], ids=["no-smes", "empty-area"])
def test_warns_surface_without_subject_matter_contacts(tmp_path, smes):
    # issue 22.8: the roster shape asks for SMEs; a surface without any now gets a warning
    found = findings_for(tmp_path, roster(smes=smes))
    assert codes(found) == [("warning", "no-smes", "surfaces[0].smes")]
    assert "surface 'web' lists no subject-matter contacts" in found[0].message


# --- issue 21.1: the training gate by date and rule ----------------------------------------------


def _drill_record(outcome: str, on: str = "2026-10-01") -> dict:
    return {"date": on, "surface": "web", "scenario": "database failover",
            "participants": [{"person": "bob", "role": "primary"}, {"person": "alice", "role": "observer"}],
            "outcome": outcome}


@pytest.mark.parametrize("outcome, passes", [("scheduled", False), ("cancelled", False), ("done", True)])
def test_a_drill_record_counts_only_once_done(tmp_path, outcome, passes):
    doc = roster()
    doc["people"][1]["training"]["drills"] = [{"date": "2026-06-01", "role": "observer"}]  # bob: no primary drill
    doc["drills"] = [_drill_record(outcome)]
    found = findings_for(tmp_path, doc)
    if passes:
        assert found == []
    else:
        assert codes(found) == [("refusal", "untrained", "surfaces[0].rotation.members[1]")]
        assert "no drill as primary or backup" in found[0].message


def test_a_drill_record_naming_an_unknown_person_is_refused(tmp_path):
    doc = roster()
    doc["drills"] = [{**_drill_record("done"), "participants": [{"person": "bobb", "role": "primary"}]}]
    found = findings_for(tmp_path, doc)
    assert codes(found) == [("refusal", "unknown-person", "drills[0].participants[0].person")]
    assert "known: alice, bob, carol, lena" in found[0].message


def test_training_about_to_lapse_warns_and_validity_is_configurable(tmp_path):
    doc = roster()
    doc["people"][0]["training"]["walkthroughs"][0]["date"] = "2025-12-10"  # alice: lapses 2026-12-10
    found = findings_for(tmp_path, doc)
    assert codes(found) == [("warning", "training-expiring", "surfaces[0].rotation.members[0]")]
    assert "training of 'alice' for surface 'web' lapses on 2026-12-10 (in 15 day(s))" in found[0].message
    # 180 days: alice's walk-through lapsed in June; everyone else's training (2026-06-01) lapses on 11-28
    doc["training_policy"] = {"validity_days": 180, "warn_days": 10}
    found = findings_for(tmp_path, doc)
    assert codes(found) == [("refusal", "untrained", "surfaces[0].rotation.members[0]"),
                            ("warning", "training-expiring", "surfaces[0].rotation.members[1]"),
                            ("warning", "training-expiring", "surfaces[0].rotation.members[2]")]
    assert "(walk-through 2025-12-10 expired on 2026-06-08)" in found[0].message
    assert "lapses on 2026-11-28 (in 3 day(s))" in found[1].message
