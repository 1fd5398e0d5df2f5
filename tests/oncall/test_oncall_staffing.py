"""Issue 21.2: thin staffing patterns, a backup or lead borrowed from another surface, and fairness."""

from __future__ import annotations

import json
from datetime import datetime, timezone

from burnwise.cli import main
from burnwise.roster.directory import Directory
from burnwise.roster.fairness import hours_by_kind
from burnwise.roster.load import OncallFileError
from burnwise.roster.validate import validate_oncall
from tests.oncall.oncall_builders import person, roster, write

import pytest

NOW = datetime(2026, 11, 25, 12, tzinfo=timezone.utc)


def with_platform(doc: dict, **fields) -> dict:
    """Add a two-person ``platform`` surface whose people are trained for web too."""
    doc["people"] += [person("pia"), person("paul")]
    for entry in doc["people"][-2:]:
        entry["training"]["walkthroughs"].append({"date": "2026-06-01", "surface": "platform"})
    doc["surfaces"].append({"name": "platform", "rotation": {
        "members": ["pia", "paul"], "shift": "1w", "handoff": {"weekday": "monday", "time": "09:00"},
        "timezone": "Europe/Berlin", "start": "2026-01-05"}, "lead": "lena", "smes": {"k8s": ["lena"]}, **fields})
    return doc


def findings(tmp_path, doc):
    return validate_oncall(write(tmp_path, "roster.yaml", doc), None, None, None, now=NOW)


def test_single_engineer_refusal_names_the_three_acceptable_patterns(tmp_path):
    [found] = findings(tmp_path, roster(members=("alice",)))
    assert found.code == "rotation-too-small"
    for pattern in ("(1) a primary plus an explicit backup", "(2) a shared rotation with a sibling team",
                    "(3) platform on-call as backup - backup_from: <surface>"):
        assert pattern in found.message


def test_platform_on_call_as_backup_is_accepted_and_pages_the_platform_primary(tmp_path):
    doc = with_platform(roster(members=("alice",), backup_from="platform"))
    assert [str(f) for f in findings(tmp_path, doc)] == []
    directory = Directory.load(write(tmp_path, "roster.yaml", doc), None)
    # week of 2026-11-23 is shift 46 since 2026-01-05: platform primary pia (46 % 2 = 0), next week paul
    platform = directory.responders("platform", NOW)
    web = directory.responders("web", NOW)
    assert web.primary.id == "alice" and web.backup.id == platform.primary.id == "pia"
    later = directory.responders("web", datetime(2026, 12, 1, 12, tzinfo=timezone.utc))
    assert later.backup.id == directory.responders("platform", datetime(2026, 12, 1, 12, tzinfo=timezone.utc)).primary.id
    assert later.backup.id == "paul"  # follows the platform rotation week by week


def test_lead_from_another_surface(tmp_path):
    doc = with_platform(roster(lead=None, lead_from="platform"))
    assert [str(f) for f in findings(tmp_path, doc)] == []
    directory = Directory.load(write(tmp_path, "roster.yaml", doc), None)
    assert directory.responders("web", NOW).lead.id == directory.responders("platform", NOW).primary.id


@pytest.mark.parametrize("target, code, text", [
    ("platfrom", "unknown-surface", "backup_from 'platfrom' must name another surface: one of platform"),
    ("web", "unknown-surface", "backup_from 'web' must name another surface"),
])
def test_borrowing_from_an_unknown_surface_or_itself_is_refused(tmp_path, target, code, text):
    doc = with_platform(roster(members=("alice",), backup_from=target))
    refusals = [f for f in findings(tmp_path, doc) if f.is_refusal and f.field == "surfaces[0].backup_from"]
    assert [(f.code, text in f.message) for f in refusals] == [(code, True)]
    with pytest.raises(OncallFileError):
        Directory.load(write(tmp_path, "roster.yaml", doc), None)


def test_borrowing_in_a_circle_is_refused(tmp_path):
    doc = with_platform(roster(backup_from="platform"), backup_from="web")
    cycles = [f for f in findings(tmp_path, doc) if f.code == "borrow-cycle"]
    assert {f.field for f in cycles} == {"surfaces[0].backup_from", "surfaces[1].backup_from"}
    assert "web -> platform -> web" in cycles[0].message


def test_borrowed_backups_must_pass_the_training_gate_for_the_surface(tmp_path):
    doc = with_platform(roster(members=("alice",), backup_from="platform"))
    doc["people"][-1]["training"]["walkthroughs"] = [{"date": "2026-06-01", "surface": "platform"}]  # paul
    refusals = [f for f in findings(tmp_path, doc) if f.is_refusal]
    assert [(f.code, f.field) for f in refusals] == [("untrained", "surfaces[0].backup_from")]
    assert "'paul' has not passed the training gate for surface 'web'" in refusals[0].message
    assert "backs up 'web' from 'platform'" in refusals[0].message


def uneven(doc: dict) -> dict:
    """Berlin days for alice and bob; Berlin nights for carol and dan. dan lives in Berlin, so those are
    his nights; carol lives in New York, where 20:00-08:00 Berlin is 14:00-02:00 - far fewer night hours."""
    doc["people"][2]["timezone"] = "America/New_York"
    doc["people"][3]["timezone"] = "Europe/Berlin"
    doc["surfaces"][0]["follow_the_sun"] = [
        {"name": "day", "timezone": "Europe/Berlin", "hours": "08:00-20:00", "members": ["alice", "bob"]},
        {"name": "night", "timezone": "Europe/Berlin", "hours": "20:00-08:00", "members": ["carol", "dan"]},
    ]
    return doc


def test_fairness_warns_against_the_median_and_the_ratio_is_configurable(tmp_path):
    doc = uneven(roster(members=("alice", "bob", "carol", "dan")))
    found = [f for f in findings(tmp_path, doc) if f.code == "timezone-unfair"]
    assert len(found) == 1 and "'dan' carries" in found[0].message and "the rotation median of" in found[0].message
    doc["fairness"] = {"ratio": 10}
    assert [f for f in findings(tmp_path, doc) if f.code == "timezone-unfair"] == []


def test_holidays_count_as_unsocial_hours_in_the_persons_own_calendar(tmp_path):
    doc = roster(members=("alice", "bob"))
    doc["surfaces"][0]["rotation"].update(shift="1d", start="2026-01-05")
    start = datetime(2026, 12, 21, 0, tzinfo=timezone.utc)  # Monday
    before = {h.person: h for h in hours_by_kind(Directory.load(write(tmp_path, "r.yaml", doc), None).roster,
                                                 roster_surface(tmp_path, doc), start, 1)}
    doc["people"][0]["holidays"] = ["2026-12-24", "2026-12-25"]
    after = {h.person: h for h in hours_by_kind(Directory.load(write(tmp_path, "r.yaml", doc), None).roster,
                                                roster_surface(tmp_path, doc), start, 1)}
    assert before["alice"].holiday == 0 and after["alice"].holiday > 0
    assert after["alice"].unsocial > before["alice"].unsocial and after["bob"] == before["bob"]


def roster_surface(tmp_path, doc):
    return Directory.load(write(tmp_path, "r.yaml", doc), None).roster.surfaces[0]


def test_rotation_fairness_prints_per_person_hours_in_their_zone(tmp_path, capsys):
    path = write(tmp_path, "roster.yaml", uneven(roster(members=("alice", "bob", "carol", "dan"))))
    code = main(["rotation", "fairness", "--roster", str(path), "--from", "2026-11-30T00:00:00Z", "--weeks", "4",
                 "--json"])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    people = {p["person"]: p for p in document["surfaces"][0]["people"]}
    # 4 weeks, weekly shifts: each of alice/bob (days) and carol/dan (nights) takes 2 weeks of 12 h a day
    assert {p["hours"] for p in people.values()} == {168.0}
    assert people["dan"]["timezone"] == "Europe/Berlin" and people["dan"]["flagged"] is True
    assert [p for p in people if people[p]["flagged"]] == ["dan"]
    assert people["dan"]["unsocial"] > 1.5 * document["surfaces"][0]["median_unsocial_hours"]
    code = main(["rotation", "fairness", "--roster", str(path), "--from", "2026-11-30T00:00:00Z", "--weeks", "4"])
    text = capsys.readouterr().out
    [dan] = [line for line in text.splitlines() if line.startswith("dan ")]
    assert "Europe/Berlin" in dan and dan.endswith("WARN: above the fairness limit")
    assert not any(line.endswith("WARN: above the fairness limit") for line in text.splitlines() if line != dan)


def test_rotation_fairness_unknown_surface_lists_the_known_ones(tmp_path, capsys):
    path = write(tmp_path, "roster.yaml", roster())
    assert main(["rotation", "fairness", "--roster", str(path), "--surface", "wbe"]) == 1
    assert "no such surface in the roster; known: web" in capsys.readouterr().err
