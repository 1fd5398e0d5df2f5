"""`burnwise oncall who|schedule|validate` and `burnwise runbook list|show`, run as a user would."""

from __future__ import annotations

import subprocess
import sys

import pytest

from burnwise.cli import main
from tests.oncall.oncall_builders import EXAMPLE_ROSTER, EXAMPLE_RUNBOOKS, REPO, catalog, roster, write


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_who_names_primary_backup_lead_in_their_local_time(capsys):
    code, out, _ = run(capsys, "oncall", "who", "--roster", str(EXAMPLE_ROSTER), "--surface", "payments",
                       "--at", "2026-11-25T12:00:00Z")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "payments at 2026-11-25 12:00 UTC"
    assert lines[1].split()[:4] == ["primary", "Ben", "Okafor", "(ben)"]
    assert "pager PBENO02" in lines[1] and "local 2026-11-25 Wed 12:00 GMT" in lines[1]
    assert "(carla)" in lines[2] and "local 2026-11-25 Wed 07:00 EST" in lines[2]
    assert lines[3].split()[:1] == ["lead"] and "(dora)" in lines[3]
    assert "2026-11-23 Mon 09:00 CET -> 2026-11-30 Mon 09:00 CET" in lines[4]
    assert lines[-1].split() == ["ack", "sev1", "5m,", "sev2", "10m"]


def test_who_follows_the_override_in_the_example(capsys):
    # Anna's week from 2026-12-28; Carla covers it (overrides[0] of the example roster).
    _, out, _ = run(capsys, "oncall", "who", "--roster", str(EXAMPLE_ROSTER), "--surface", "payments",
                    "--at", "2026-12-29T12:00:00+01:00")
    assert "primary  Carla Mendes (carla)" in out and "backup   Ben Okafor (ben)" in out


def test_who_lists_every_surface_with_smes(capsys):
    code, out, _ = run(capsys, "oncall", "who", "--roster", str(EXAMPLE_ROSTER), "--at", "2026-11-25T12:00:00Z")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines() if line and not line.startswith(" ")] == [
        "payments", "search", "ml-platform"]
    assert "sme      provider escalation: Sam Whitfield (sam)" in out
    assert "(follow-the-sun segment emea)" in out


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--surface", "nope"], "--surface 'nope': no such surface in the roster; known: payments, search, ml-platform"),
        (["--at", "2026-11-25T12:00:00"], "no UTC offset"),
        (["--at", "yesterday"], "not an ISO 8601 time"),
    ],
)
def test_who_user_mistakes_are_one_clear_line(capsys, argv, message):
    code, out, err = run(capsys, "oncall", "who", "--roster", str(EXAMPLE_ROSTER), *argv)
    assert code == 1 and out == ""
    assert message in err and "Traceback" not in err


def test_schedule_lists_shifts_in_each_persons_local_time(capsys):
    code, out, _ = run(capsys, "oncall", "schedule", "--roster", str(EXAMPLE_ROSTER), "--surface", "payments",
                       "--weeks", "2", "--from", "2026-11-30T08:00:00Z")
    assert code == 0
    header, *rows = out.splitlines()
    assert header.split()[:4] == ["SURFACE", "SEGMENT", "START", "(UTC)"]
    assert len(rows) == 2
    assert rows[0].split()[:5] == ["payments", "-", "2026-11-30", "08:00", "carla"]
    # carla reads her shift in New York time, her backup anna in Berlin time
    assert "2026-11-30 Mon 03:00 EST -> 2026-12-07 Mon 03:00 EST" in rows[0]
    assert "anna" in rows[0] and "2026-11-30 Mon 09:00 CET -> 2026-12-07 Mon 09:00 CET" in rows[0]
    assert rows[1].split()[4] == "anna"


def test_schedule_for_all_surfaces_and_week_validation(capsys):
    code, out, _ = run(capsys, "oncall", "schedule", "--roster", str(EXAMPLE_ROSTER), "--weeks", "1",
                       "--from", "2026-11-30T08:00:00Z")
    assert code == 0
    surfaces = {line.split()[0] for line in out.splitlines()[1:]}
    assert surfaces == {"payments", "search", "ml-platform"}
    code, _, err = run(capsys, "oncall", "schedule", "--roster", str(EXAMPLE_ROSTER), "--weeks", "0")
    assert code == 1 and "--weeks 0" in err


def test_validate_passes_the_examples(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code, out, _ = run(capsys, "oncall", "validate", "--at", "2026-11-25T12:00:00Z")
    assert code == 0
    assert out.strip() == "0 refusal(s), 0 warning(s): oncall/roster.yaml is valid"


def test_validate_exits_1_and_prints_each_refusal_with_file_and_field(capsys, tmp_path):
    doc = roster(members=("alice",), lead=None)
    path = write(tmp_path, "roster.yaml", doc)
    runbooks = write(tmp_path, "runbooks.yaml", catalog(last_reviewed="2026-01-01"))
    code, out, _ = run(capsys, "oncall", "validate", "--roster", str(path), "--runbooks", str(runbooks),
                       "--specs", str(tmp_path / "none"), "--rules", str(tmp_path / "none"),
                       "--at", "2026-11-25T12:00:00Z")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"refusal: {path}: surfaces[0].rotation.members: ")
    assert lines[1].startswith(f"refusal: {path}: surfaces[0].lead: ")
    assert lines[2].startswith(f"warning: {runbooks}: runbooks[0].last_reviewed: ")
    assert lines[-1] == "2 refusal(s), 1 warning(s)"


def test_validate_exits_0_with_only_warnings(capsys, tmp_path):
    path = write(tmp_path, "roster.yaml", roster())
    runbooks = write(tmp_path, "runbooks.yaml", catalog(last_reviewed="2026-01-01"))
    code, out, _ = run(capsys, "oncall", "validate", "--roster", str(path), "--runbooks", str(runbooks),
                       "--specs", str(tmp_path / "none"), "--rules", str(tmp_path / "none"),
                       "--at", "2026-11-25T12:00:00Z")
    assert code == 0 and "0 refusal(s), 1 warning(s)" in out


def test_runbook_list_and_show(capsys):
    code, out, _ = run(capsys, "runbook", "list", "--runbooks", str(EXAMPLE_RUNBOOKS))
    assert code == 0
    ids = [line.split()[0] for line in out.splitlines()[1:]]
    assert ids == sorted(ids) and "checkout-availability" in ids and "recommender-freshness" in ids
    code, out, _ = run(capsys, "runbook", "show", "search-latency", "--runbooks", str(EXAMPLE_RUNBOOKS))
    assert code == 0
    assert out.splitlines()[0] == "Search is slow"
    assert "url            https://runbooks.example.com/search/latency" in out
    assert "  1. Scale the search query tier out by two replicas." in out
    assert out.count("     check:  ") == out.count("     revert: ") == 3


def test_runbook_show_unknown_id_lists_known_ones(capsys):
    code, _, err = run(capsys, "runbook", "show", "nope", "--runbooks", str(EXAMPLE_RUNBOOKS))
    assert code == 1 and "no runbook 'nope'" in err and "search-latency" in err


def test_broken_roster_is_reported_without_traceback(tmp_path):
    doc = roster()
    doc["surfaces"][0]["rotation"]["members"].append("bobby")
    path = write(tmp_path, "roster.yaml", doc)
    result = subprocess.run([sys.executable, "-m", "burnwise", "oncall", "who", "--roster", str(path)],
                            capture_output=True, text=True, cwd=REPO, timeout=60)
    assert result.returncode == 1
    assert f"{path}: surfaces[0].rotation.members[3]: unknown person 'bobby'" in result.stderr
    assert "Traceback" not in result.stderr


def test_who_json_is_the_page_roster_entry(capsys):
    import json

    code, out, _ = run(capsys, "oncall", "who", "--roster", str(EXAMPLE_ROSTER), "--surface", "ml-platform",
                       "--at", "2026-11-25T12:00:00Z", "--json")
    assert code == 0
    document = json.loads(out)
    assert document["at"] == "2026-11-25T12:00:00+00:00"
    (entry,) = document["surfaces"]
    assert (entry["surface"], entry["primary"]["id"], entry["backup"]["id"], entry["lead"]["id"]) == (
        "ml-platform", "liam", "mei", "omar")
    assert sorted(entry["smes"]) == ["data/retrieval", "model", "prompt", "provider escalation"]
    assert entry["ack_timeouts_seconds"] == {"sev1": 300, "sev2": 600}
