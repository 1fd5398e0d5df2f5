"""On-call load over the seeded two weeks: every figure worked out by hand from history.py.

Payments, 2026-11-07 12:00 to 2026-11-21 12:00 (two weeks), primary per incident from the daily
rotation: P1 carla, P2 anna (escalated to carla), P3 anna, P4 carla, P5 anna, P6 carla.
"""

from __future__ import annotations

import pytest

from tests.reports.conftest import AT, seed


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def history(request, tmp_path):
    if request.param == "sqlite":
        return seed(f"sqlite:///{tmp_path / 'incidents.db'}", tmp_path)
    return seed(request.getfixturevalue("postgres_url"), tmp_path)


def by_name(items, key="surface"):
    return {item[key]: item for item in items}


def test_load_figures_match_the_hand_count(history, run_json):
    report = run_json("report", "load", "--since", "14d", *AT, *history.args())
    assert [s["surface"] for s in report["surfaces"]] == ["payments", "search"]
    payments = by_name(report["surfaces"])["payments"]
    assert payments["incidents"] == 6 and payments["incidents_per_week"] == 3
    # pages: P1 carla, P2 anna + carla (escalation), P3 anna, P4 carla, P5 anna, P6 carla
    assert payments["pages"] == 7
    # out of hours on the paged person's clock: P1 (NY 22:00 Mon), P3 (Berlin 00:30 Sun), P4 (NY Sun), P6 (NY 03:00)
    assert payments["out_of_hours_pages"] == 4
    # TTA of acknowledged incidents: P1 3m, P2 8m, P5 1m, P6 10m -> sorted 60,180,480,600
    ack = payments["ack"]
    assert ack["acknowledged"] == 4
    assert ack["tta_median_seconds"] == 180 and ack["tta_p90_seconds"] == 600
    # SLA: P1 met (3m <= 5m), P2 missed (8m > 5m), P5 met, P6 met (10m <= 15m); P3/P4 cleared before their timeout
    assert (ack["sla_met"], ack["sla_missed"], ack["sla_percent"]) == (3, 1, 75.0)
    assert payments["escalations_to_backup"] == 1

    people = by_name(payments["people"], "person")
    anna, carla = people["anna"], people["carla"]
    assert (anna["pages"], anna["out_of_hours_pages"], anna["primary_incidents"]) == (3, 1, 3)
    assert (carla["pages"], carla["out_of_hours_pages"], carla["primary_incidents"]) == (4, 3, 3)
    assert anna["timezone"] == "Europe/Berlin" and carla["timezone"] == "America/New_York"
    # anna as primary: P2 (480s, missed, escalated), P3 (no ack, not counted), P5 (60s, met)
    assert (anna["ack"]["tta_median_seconds"], anna["ack"]["tta_p90_seconds"]) == (60, 480)
    assert (anna["ack"]["sla_met"], anna["ack"]["sla_missed"], anna["ack"]["sla_percent"]) == (1, 1, 50.0)
    assert anna["escalated_to_backup"] == 1 and carla["escalated_to_backup"] == 0
    # carla as primary: P1 180s, P4 no ack, P6 600s
    assert (carla["ack"]["tta_median_seconds"], carla["ack"]["tta_p90_seconds"]) == (180, 600)
    assert carla["ack"]["sla_percent"] == 100.0

    fairness = payments["fairness"]
    assert fairness["members"] == ["anna", "carla"]
    assert (fairness["pages_min"], fairness["pages_max"], fairness["pages_spread"]) == (3, 4, 1)
    assert fairness["pages_max_over_mean"] == round(4 / 3.5, 2)
    assert (fairness["out_of_hours_min"], fairness["out_of_hours_max"], fairness["out_of_hours_spread"]) == (1, 3, 2)

    search = by_name(report["surfaces"])["search"]
    # S1 kenji (Tokyo 05:00, out of hours) escalated to farah (Berlin 21:05, in hours); S2 kenji (Tokyo 21:00)
    assert (search["incidents"], search["pages"], search["out_of_hours_pages"]) == (2, 3, 1)
    assert (search["ack"]["tta_median_seconds"], search["ack"]["tta_p90_seconds"]) == (120, 420)
    assert search["ack"]["sla_percent"] == 50.0
    kenji, farah = by_name(search["people"], "person")["kenji"], by_name(search["people"], "person")["farah"]
    assert (kenji["pages"], kenji["out_of_hours_pages"], kenji["escalated_to_backup"]) == (2, 1, 1)
    assert (farah["pages"], farah["out_of_hours_pages"], farah["primary_incidents"]) == (1, 0, 0)


def test_surface_filter_and_a_shorter_window(seeded, run_json):
    # the last 7 days hold only S2 for search: kenji paged once at Tokyo 21:00, acked in 2m
    report = run_json("report", "load", "--since", "7d", "--surface", "search", *AT, *seeded.args())
    assert [s["surface"] for s in report["surfaces"]] == ["search"]
    search = report["surfaces"][0]
    assert (search["incidents"], search["pages"], search["out_of_hours_pages"]) == (1, 1, 0)
    assert search["ack"]["tta_median_seconds"] == 120 and search["ack"]["sla_percent"] == 100.0
    assert search["fairness"]["pages_spread"] == 1  # farah 0, kenji 1: the roster's members count with zero


def test_markdown_is_deterministic_and_readable(seeded, run_cli):
    first = run_cli("report", "load", "--since", "14d", *AT, *seeded.args())
    second = run_cli("report", "load", "--since", "14d", *AT, *seeded.args())
    assert first == second and first[0] == 0
    text = first[1]
    assert "## payments" in text and "## search" in text
    assert "| Carla Mendes | America/New_York | 4 | 3 | 3 | 3m | 10m | 100% (2/2) | 0 |" in text


def test_mistakes_are_one_line_errors(seeded, run_cli, tmp_path):
    code, _, err = run_cli("report", "load", "--since", "fortnight", *seeded.args())
    assert code == 1 and "--since 'fortnight'" in err and "Traceback" not in err
    code, _, err = run_cli("report", "load", "--database-url", f"sqlite:///{tmp_path / 'missing.db'}")
    assert code == 1 and "does not exist" in err
    code, _, err = run_cli("report", "load", "--at", "yesterday", *seeded.args())
    assert code == 1 and "ISO time" in err


def test_unknown_surface_is_an_error_listing_the_known_ones(seeded, run_cli, tmp_path, monkeypatch):
    # issue 21.3: a typo used to print an empty report and exit 0
    code, out, err = run_cli("report", "load", "--surface", "paymnets", *AT, *seeded.args())
    assert code == 1 and out == ""
    assert "--surface 'paymnets': no such surface in the roster; known: payments, search" in err
    # without a roster the incident log and the specs say which surfaces exist
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path / "empty")
    monkeypatch.delenv("BURNWISE_ROSTER", raising=False)
    code, _, err = run_cli("report", "load", "--surface", "serch", *AT, "--database-url", seeded.url)
    assert code == 1 and "no such surface in the SLO specs or the incident log" in err
    assert "known: payments, search" in err
