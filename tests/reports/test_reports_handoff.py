"""The handoff note for payments as of Saturday 2026-11-21 12:00 UTC, over the seeded history."""

from __future__ import annotations

from tests.reports.conftest import AT


def test_handoff_sections_from_the_history(seeded, run_json):
    note = run_json("handoff", "--surface", "payments", *AT, *seeded.args())
    ids = seeded.ids

    # open: only P6 (sev2, acknowledged by carla, opened Fri 08:00 -> 28h old)
    [item] = note["open_incidents"]
    assert item["id"] == ids["P6"] and item["severity"] == "sev2" and item["status"] == "acknowledged"
    assert item["age_seconds"] == 28 * 3600
    assert item["owner"] == "Carla Mendes"
    assert item["last_entry"]["kind"] == "triage" and item["last_entry"]["text"] == "errors only from the EU region"
    assert item["runbooks"] == ["https://runbooks.example.test/checkout/availability"]

    # resolved in the window with a follow-up still open: P5 (the other follow-up was marked done)
    assert note["resolved_with_follow_ups"] == [
        {"id": ids["P5"], "title": note["resolved_with_follow_ups"][0]["title"], "resolved_at": "2026-11-18T14:30:00Z",
         "follow_ups": ["add a canary for payment-provider timeouts"]}
    ]

    # mitigations and deploys of the last 72h: P5's two; P2's deploy (9 days ago) is too old
    assert [(c["incident"], c["kind"], c["text"]) for c in note["recent_changes"]] == [
        (ids["P5"], "mitigation", "raised the connection pool"),
        (ids["P5"], "deploy", "checkout v43 with pool fix"),
    ]

    # noisy: the latency alert fired twice in the week, cleared in 3-4 minutes, never acknowledged
    assert note["noisy_alerts"] == [
        {"alertname": "CheckoutLatencyBudgetBurn", "fired": 2, "self_resolved_quickly": 2, "never_acknowledged": 2}
    ]

    # no Prometheus given: said plainly
    assert note["watch"]["available"] is False and "not given" in note["watch"]["note"]

    # next shift: Sunday 09:00 UTC, index 20 -> anna primary, carla backup, lena lead; anna's drill that day
    nxt = note["next_on_call"]
    assert (nxt["start"], nxt["end"]) == ("2026-11-22T09:00:00Z", "2026-11-23T09:00:00Z")
    assert [(r["role"], r["person"]) for r in nxt["responders"]] == [("primary", "anna"), ("backup", "carla"), ("lead", "lena")]
    assert [(d["person"], d["date"], d["role"]) for d in nxt["drills"]] == [("anna", "2026-11-22", "primary")]

    # the worry section is a prompt, never filled in
    assert note["worries"].startswith("What would you worry about")


def test_quick_threshold_and_window_change_the_noise(seeded, run_json):
    # alerts fired 2m before the incident opened: P4 lasted 5m, P3 6m; with --quick 5m only P4 is quick
    note = run_json("handoff", "--surface", "payments", "--quick", "5m", *AT, *seeded.args())
    assert note["noisy_alerts"][0]["self_resolved_quickly"] == 1
    # over 14 days the availability alert fired 4 times (P1, P2, P5, P6): frequent, though always acknowledged
    note = run_json("handoff", "--surface", "payments", "--since", "14d", *AT, *seeded.args())
    names = {a["alertname"]: a for a in note["noisy_alerts"]}
    assert names["CheckoutAvailabilityBudgetBurn"]["fired"] == 4
    assert names["CheckoutAvailabilityBudgetBurn"]["never_acknowledged"] == 0


def test_markdown_and_unreachable_prometheus(seeded, run_cli):
    from tests.conftest import free_port

    code, text, _ = run_cli("handoff", "--surface", "payments", "--prometheus", f"http://127.0.0.1:{free_port()}",
                            *AT, *seeded.args())
    assert code == 0
    for heading in ("## Open incidents", "## Resolved with open follow-ups", "## Mitigations and deploys (last 3d)",
                    "## Noisy alerts", "## Watch items (from Prometheus)", "## On call next", "## What I would worry about"):
        assert heading in text
    assert "not reachable" in text.split("## Watch items")[1].split("##")[0]
    assert "- primary: Anna Becker (Europe/Berlin)" in text


def test_handoff_for_a_quiet_surface_without_roster(seeded, run_json, tmp_path, monkeypatch):
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")  # no roster, no specs, no receiver.yaml here
    monkeypatch.delenv("BURNWISE_ROSTER", raising=False)
    note = run_json("handoff", "--surface", "search", "--since", "1d", *AT, "--database-url", seeded.url)
    assert note["open_incidents"] == [] and note["noisy_alerts"] == []
    assert note["next_on_call"]["available"] is False
    assert note["watch"]["available"] is False and "no SLO specs" in note["watch"]["note"]


def test_times_are_in_the_incoming_primarys_zone_with_utc_beside(seeded, run_cli, run_json):
    # issue 22.7: the next primary is anna (Europe/Berlin): her shift starts 10:00 CET, 09:00 UTC
    code, text, _ = run_cli("handoff", "--surface", "payments", *AT, *seeded.args())
    assert code == 0
    assert "Times are in Europe/Berlin." in text
    assert "Next shift Sun 2026-11-22 10:00 CET (09:00 UTC) to Mon 2026-11-23 10:00 CET (09:00 UTC):" in text
    assert "Written Sat 2026-11-21 13:00 CET (12:00 UTC)" in text
    changes = text.split("## Mitigations and deploys")[1].split("\n## ")[0]
    assert "Wed 2026-11-18 15:10 CET" in changes and "14:10:00Z" not in changes
    # --tz chooses the reader's zone; a date that differs in UTC is spelled out
    code, text, _ = run_cli("handoff", "--surface", "payments", "--tz", "Asia/Tokyo", *AT, *seeded.args())
    assert "Next shift Sun 2026-11-22 18:00 JST (09:00 UTC)" in text
    assert "Written Sat 2026-11-21 21:00 JST (12:00 UTC)" in text
    # the JSON stays in UTC and names the zone the Markdown used
    note = run_json("handoff", "--surface", "payments", *AT, *seeded.args())
    assert note["timezone"] == "Europe/Berlin" and note["next_on_call"]["start"] == "2026-11-22T09:00:00Z"


def test_unknown_time_zone_is_a_clear_error(seeded, run_cli):
    code, _, err = run_cli("handoff", "--surface", "payments", "--tz", "Mars/Olympus", *AT, *seeded.args())
    assert code == 1 and "--tz 'Mars/Olympus': not an IANA time zone" in err


def test_unknown_surface_is_an_error_listing_the_known_ones(seeded, run_cli):
    # issue 21.3: `handoff --surface <typo>` used to print an empty note and exit 0
    code, out, err = run_cli("handoff", "--surface", "paymnets", *AT, *seeded.args())
    assert code == 1 and out == ""
    assert "--surface 'paymnets': no such surface in the roster; known: payments, search" in err


def test_drill_records_of_the_surface_show_in_the_next_shift(seeded, run_json):
    # issue 21.1: drills are records of their own; a scheduled one shows up for the shift it falls in
    import yaml

    doc = yaml.safe_load(seeded.roster.read_text())
    doc["drills"] = [
        {"date": "2026-11-22", "surface": "payments", "scenario": "provider timeout",
         "participants": [{"person": "carla", "role": "observer"}], "outcome": "scheduled"},
        {"date": "2026-11-22", "surface": "search", "scenario": "index rebuild",
         "participants": [{"person": "farah", "role": "primary"}], "outcome": "scheduled"},
    ]
    seeded.roster.write_text(yaml.safe_dump(doc))
    note = run_json("handoff", "--surface", "payments", *AT, *seeded.args())
    assert [(d["person"], d["role"], d["scenario"], d["outcome"]) for d in note["next_on_call"]["drills"]] == [
        ("anna", "primary", None, None), ("carla", "observer", "provider timeout", "scheduled")]
