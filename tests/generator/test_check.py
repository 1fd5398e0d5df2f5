"""`burnwise check`, the pull-request gate, on a copy of this repository's GitOps files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from burnwise.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def gitops_copy(tmp_path, monkeypatch, promtool_bin, amtool_bin):
    for name in ("slo_specs", "rendered_rules", "oncall"):
        shutil.copytree(REPO / name, tmp_path / name)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    monkeypatch.setenv("BURNWISE_AMTOOL", amtool_bin)
    return tmp_path


def test_check_passes_on_the_committed_files(gitops_copy, capsys):
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "ok    rendered_rules/ matches the specs" in out
    assert "ok    promtool check rules" in out
    assert "FAIL" not in out


def test_check_fails_on_a_hand_edited_rule_file_and_shows_the_diff(gitops_copy, capsys):
    rules = gitops_copy / "rendered_rules" / "checkout.rules.yaml"
    rules.write_text(rules.read_text().replace("> 14.4", "> 20", 1))
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  rendered_rules/checkout.rules.yaml is changed" in out
    assert "-" in out and "> 20" in out and "+" in out
    assert "run `burnwise generate`" in out


def test_check_fails_when_a_spec_changed_without_regenerating(gitops_copy, capsys):
    spec = gitops_copy / "slo_specs" / "search.yaml"
    spec.write_text(spec.read_text().replace("objective: 99.5", "objective: 99.9"))
    assert main(["check"]) == 1
    assert "search.rules.yaml is changed" in capsys.readouterr().out


def test_check_fails_when_promtool_rejects_a_rendered_file(gitops_copy, capsys):
    rules = gitops_copy / "rendered_rules" / "checkout.rules.yaml"
    rules.write_text(rules.read_text().replace("avg_over_time", "avg_over_tim", 1).replace("sum_over_time", "sum_over_tim", 1))
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  promtool check rules" in out
    assert "checkout.rules.yaml" in out


def test_check_reports_a_deleted_spec_as_stale_output(gitops_copy, capsys):
    (gitops_copy / "slo_specs" / "search.yaml").unlink()
    assert main(["check"]) == 1
    assert "search.rules.yaml is stale" in capsys.readouterr().out
