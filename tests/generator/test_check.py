"""`burnwise check`, the pull-request gate, on a small GitOps repository built from this one.

The copy holds one example spec (search: the cheapest generated unit tests), the roster and
runbooks, and its own freshly generated outputs, so each check run stays a few seconds.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from burnwise.cli import main

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def gitops_copy(tmp_path, monkeypatch, promtool_bin, amtool_bin):
    (tmp_path / "slo_specs").mkdir()
    shutil.copy(REPO / "slo_specs" / "search.yaml", tmp_path / "slo_specs" / "search.yaml")
    shutil.copytree(REPO / "oncall", tmp_path / "oncall")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    monkeypatch.setenv("BURNWISE_AMTOOL", amtool_bin)
    assert main(["generate"]) == 0
    return tmp_path


def test_check_passes_on_generated_files_and_runs_every_step(gitops_copy, capsys):
    capsys.readouterr()
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "ok    rendered_rules/ matches the specs" in out
    assert "ok    promtool check rules" in out
    assert "ok    promtool test rules" in out
    assert "ok    amtool check-config" in out
    assert "ok    on-call roster and runbooks" in out
    assert "FAIL" not in out


def test_check_fails_on_a_hand_edited_rule_file_and_shows_the_diff(gitops_copy, capsys):
    rules = gitops_copy / "rendered_rules" / "search.rules.yaml"
    rules.write_text(rules.read_text().replace("> 14.4", "> 20", 1))
    capsys.readouterr()
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  rendered_rules/search.rules.yaml is changed" in out
    assert "-" in out and "> 20" in out and "+" in out
    assert "run `burnwise generate`" in out


def test_check_fails_when_a_spec_changed_without_regenerating(gitops_copy, capsys):
    spec = gitops_copy / "slo_specs" / "search.yaml"
    spec.write_text(spec.read_text().replace("objective: 99.5", "objective: 99.9"))
    assert main(["check"]) == 1
    assert "search.rules.yaml is changed" in capsys.readouterr().out


def test_check_fails_when_promtool_rejects_a_rendered_file(gitops_copy, capsys):
    rules = gitops_copy / "rendered_rules" / "search.rules.yaml"
    rules.write_text(rules.read_text().replace("(rate(", "(rat(", 1))
    capsys.readouterr()
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  promtool check rules" in out
    assert "search.rules.yaml" in out and "rat(" in out


def test_check_reports_a_deleted_spec_as_stale_output(gitops_copy, capsys):
    spec = gitops_copy / "slo_specs" / "search.yaml"
    spec.rename(gitops_copy / "slo_specs" / "search.yaml.off")
    (gitops_copy / "slo_specs" / "checkout.yaml").write_text((REPO / "slo_specs" / "checkout.yaml").read_text())
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "search.rules.yaml is stale" in out
    assert "checkout.rules.yaml is missing" in out
