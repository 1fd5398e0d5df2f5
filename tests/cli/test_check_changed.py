"""`burnwise check --changed-since REF` runs only the promtool tests whose files changed, in a real
git repository with real promtool; the lazy CLI registers the gate commands from one module."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from bench.spec_corpus import write_corpus
from burnwise.cli import GATE_COMMANDS, build_parser, main
from burnwise.commands.changed import select_changed_tests

pytestmark = pytest.mark.integration


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def repo(tmp_path, monkeypatch) -> Path:
    write_corpus(tmp_path / "slo_specs", files=3, slos_per_file=1)
    monkeypatch.chdir(tmp_path)
    assert main(["generate"]) == 0
    git(tmp_path, "init", "-q")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.test", "add", "-A")
    git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@example.test", "commit", "-qm", "base")
    return tmp_path


def test_only_the_changed_specs_tests_run(repo, capsys, promtool_bin, monkeypatch):
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    spec = repo / "slo_specs" / "svc001.yaml"
    spec.write_text(spec.read_text().replace("objective: 99.9", "objective: 99.5"))
    assert main(["generate"]) == 0
    capsys.readouterr()
    files = sorted((repo / "rendered_rules" / "tests").glob("*.yaml"))
    assert [p.name for p in select_changed_tests(files, repo / "rendered_rules", "HEAD")] == ["svc001.test.yaml"]
    code = main(["check", "--changed-since", "HEAD"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "ok    promtool test rules: 1 file(s) changed since HEAD (2 of 3 unchanged, not run)" in out


def test_a_new_untracked_test_file_runs_and_nothing_changed_runs_nothing(repo, capsys, promtool_bin, monkeypatch):
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    files = sorted((repo / "rendered_rules" / "tests").glob("*.yaml"))
    assert select_changed_tests(files, repo / "rendered_rules", "HEAD") == []
    new = repo / "rendered_rules" / "tests" / "regressions" / "case.yaml"
    new.parent.mkdir()
    new.write_text("rule_files:\n- ../../svc000.rules.yaml\ntests: []\n")
    assert select_changed_tests(files + [new], repo / "rendered_rules", "HEAD") == [new]


def test_an_unknown_ref_is_a_clear_error(repo, capsys):
    assert main(["check", "--changed-since", "no-such-ref"]) == 1
    assert "--changed-since: git rev-parse" in capsys.readouterr().err


def test_each_gate_command_is_registered_by_the_module_the_lazy_cli_imports():
    for command, module in GATE_COMMANDS.items():
        parser = build_parser(module)
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        assert command in sub.choices, (command, module)
    full = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    assert set(GATE_COMMANDS) <= set(full.choices)
