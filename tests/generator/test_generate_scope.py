"""`generate ONE_SPEC` leaves other services' files alone; `--prune` and whole directories prune; `--period` for Sloth (issue 17 item 6)."""

from __future__ import annotations

import pytest
import yaml
from burnwise.cli import main
from burnwise.generator.loader import load_specs

from tests.generator.specs import service_spec, write_spec

SLOTH = {
    "version": "prometheus/v1",
    "service": "cart",
    "slos": [
        {
            "name": "availability",
            "objective": 99.5,
            "sli": {
                "events": {
                    "error_query": 'sum(rate(http_requests_total{job="cart",code=~"5.."}[{{.window}}]))',
                    "total_query": 'sum(rate(http_requests_total{job="cart"}[{{.window}}]))',
                }
            },
            "alerting": {"name": "cart-availability", "page_alert": {}, "ticket_alert": {}},
        }
    ],
}


@pytest.fixture
def repo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    specs = tmp_path / "specs"
    specs.mkdir()
    write_spec(specs, service_spec(), "checkout.yaml")
    write_spec(specs, service_spec(service="search"), "search.yaml")
    assert main(["generate", "specs", "--out", "out", "--no-promql"]) == 0
    return tmp_path


def test_generating_one_spec_keeps_other_services_files(repo, capsys):
    capsys.readouterr()
    before = {p.relative_to(repo / "out").as_posix(): p.read_text() for p in (repo / "out").rglob("*") if p.is_file()}
    assert "search.rules.yaml" in before and "alertmanager.yaml" in before
    assert main(["generate", "specs/checkout.yaml", "--out", "out", "--no-promql"]) == 0
    printed = capsys.readouterr().out
    after = {p.relative_to(repo / "out").as_posix(): p.read_text() for p in (repo / "out").rglob("*") if p.is_file()}
    assert after == before, "generating one spec changed or removed other files"
    assert "removed" not in printed.replace("0 removed", "")
    assert "kept out/alertmanager.yaml: it covers every service" in printed
    assert "left 2 other generated file(s) in out/ untouched" in printed


def test_prune_with_one_spec_removes_and_says_what(repo, capsys):
    capsys.readouterr()
    assert main(["generate", "specs/checkout.yaml", "--out", "out", "--no-promql", "--prune"]) == 0
    printed = capsys.readouterr().out
    assert "removed stale out/search.rules.yaml" in printed
    assert "removed stale out/tests/search.test.yaml" in printed
    assert not (repo / "out" / "search.rules.yaml").exists()
    assert (repo / "out" / "checkout.rules.yaml").exists()


def test_whole_directory_still_prunes_a_deleted_spec(repo, capsys):
    (repo / "specs" / "search.yaml").unlink()
    capsys.readouterr()
    assert main(["generate", "specs", "--out", "out", "--no-promql"]) == 0
    assert "removed stale out/search.rules.yaml" in capsys.readouterr().out


def test_generate_period_sets_the_period_of_sloth_specs(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "cart.yml"
    path.write_text(yaml.safe_dump(SLOTH), encoding="utf-8")
    [loaded] = load_specs([path], sloth_period=7 * 86400)
    assert loaded.spec.slos[0].period == 7 * 86400
    assert main(["generate", "cart.yml", "--out", "out", "--period", "7d", "--no-promql"]) == 0
    assert "Objective 99.5% over 7d." in (tmp_path / "out" / "cart.rules.yaml").read_text()
    assert main(["generate", "cart.yml", "--out", "out", "--period", "soon"]) == 1
    assert "--period" in capsys.readouterr().err
