"""Issue 21.4: handoffs that carry judgement - annotations, known false positives, the incoming sign-off."""

from __future__ import annotations

import yaml

from tests.reports.conftest import AT


def test_annotate_mark_accept_and_the_next_handoff_shows_it(seeded, run_cli, run_json, tmp_path):
    log = tmp_path / "handoffs.yaml"
    base = ["--surface", "payments", "--roster", str(seeded.roster), "--log", str(log)]
    # the outgoing primary (carla) annotates twice: the handoff is versioned
    code, out, err = run_cli("handoff", "annotate", *base, "--by", "carla", "--at", "2026-11-21T10:00:00Z",
                             "--text", "EU errors on P6 may come back after the provider's maintenance")
    assert code == 0, err
    code, out, _ = run_cli("handoff", "annotate", *base, "--by", "carla", "--at", "2026-11-21T11:00:00Z",
                           "--text", "checkout v43 not yet on all hosts")
    assert "version 2 with 2 annotation(s)" in out
    code, out, _ = run_cli("handoff", "false-positive", *base, "--by", "carla", "--alert", "CheckoutLatencyBudgetBurn",
                           "--ticket", "OPS-123")
    assert code == 0
    note = run_json("handoff", "--surface", "payments", *AT, *seeded.args(), "--log", str(log))
    assert note["handoff_version"] == 2
    assert [(a["text"], a["by"], a["version"]) for a in note["annotations"]] == [
        ("EU errors on P6 may come back after the provider's maintenance", "carla", 1),
        ("checkout v43 not yet on all hosts", "carla", 2)]
    assert note["known_false_positives"]["CheckoutLatencyBudgetBurn"]["ticket"] == "OPS-123"
    assert note["previous_acceptance"] is None
    code, text, _ = run_cli("handoff", "--surface", "payments", *AT, *seeded.args(), "--log", str(log), "--tz", "UTC")
    assert "| CheckoutLatencyBudgetBurn | 2 | 2 | 2 | yes, tuning ticket OPS-123 |" in text
    worries = text.split("## What I would worry about\n")[1]
    assert "- checkout v43 not yet on all hosts (carla, Sat 2026-11-21 11:00 UTC, v2)" in worries
    assert "What would you worry about" not in worries

    # the incoming primary (anna) signs off after the live walkthrough with carla, carrying one item
    code, out, err = run_cli("handoff", "accept", *base, "--by", "anna", "--at", "2026-11-22T09:30:00Z",
                             "--walkthrough-at", "2026-11-22T09:00:00Z", "--with", "carla",
                             "--carry", "watch EU error ratio after maintenance")
    assert code == 0, err
    assert "accepted by anna (version 3); 1 item(s) carried over" in out
    stored = yaml.safe_load(log.read_text())["surfaces"]["payments"]
    assert stored["handoffs"][0]["accepted"]["walkthrough_with"] == ["carla"]

    # the next handoff (a week later) starts empty, shows what was accepted and carried over
    later = run_json("handoff", "--surface", "payments", "--at", "2026-11-28T12:00:00Z", *seeded.args(),
                     "--log", str(log))
    assert later["annotations"] == [] and later["handoff_version"] == 0
    prev = later["previous_acceptance"]
    assert (prev["by"], prev["at"], prev["walkthrough_at"], prev["walkthrough_with"], prev["carried_over"]) == (
        "anna", "2026-11-22T09:30:00Z", "2026-11-22T09:00:00Z", ["carla"], ["watch EU error ratio after maintenance"])
    code, text, _ = run_cli("handoff", "--surface", "payments", "--at", "2026-11-28T12:00:00Z", *seeded.args(),
                            "--log", str(log), "--tz", "UTC")
    last = text.split("## Last handoff\n")[1].split("\n## ")[0]
    assert "Accepted by anna at Sun 2026-11-22 09:30 UTC, after a live walkthrough at Sun 2026-11-22 09:00 UTC with carla." in last
    assert "- watch EU error ratio after maintenance" in last
    assert "> What would you worry about" in text  # nothing annotated yet for this handoff


def test_handoff_actions_refuse_unknown_names_and_impossible_sign_offs(seeded, run_cli, tmp_path):
    log = tmp_path / "handoffs.yaml"
    base = ["--roster", str(seeded.roster), "--log", str(log)]
    code, _, err = run_cli("handoff", "annotate", "--surface", "paymnets", *base, "--by", "carla", "--text", "x")
    assert code == 1 and "known: payments, search" in err
    code, _, err = run_cli("handoff", "accept", "--surface", "payments", *base, "--by", "ana",
                           "--walkthrough-at", "2026-11-22T09:00:00Z", "--with", "carla")
    assert code == 1 and "--by 'ana': no such person in the roster; known: anna, carla" in err
    code, _, err = run_cli("handoff", "accept", "--surface", "payments", *base, "--by", "anna",
                           "--walkthrough-at", "2026-11-22T09:00:00Z", "--with", "karla")
    assert code == 1 and "--with 'karla'" in err
    code, _, err = run_cli("handoff", "accept", "--surface", "payments", *base, "--by", "anna", "--at",
                           "2026-11-22T08:00:00Z", "--walkthrough-at", "2026-11-22T09:00:00Z", "--with", "carla")
    assert code == 1 and "is after the acceptance" in err
    code, _, err = run_cli("handoff", "false-positive", "--surface", "payments", *base, "--by", "anna",
                           "--alert", "X", "--clear")
    assert code == 1 and "is not marked as a known false positive" in err
    assert not log.exists()
    code, _, err = run_cli("handoff", *AT, *seeded.args())
    assert code == 1 and "--surface is required" in err
