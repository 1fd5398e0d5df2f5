"""The catalog refuses runnable steps a reviewer could misread, and still loads the plain ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from burnwise.roster.load import OncallFileError, load_catalog

REPO = Path(__file__).resolve().parents[2]


def _write(tmp_path: Path, step: dict, **runbook) -> Path:
    doc = {"runbooks": [{
        "id": "rb", "title": "T", "url": "https://x", "owner": "payments", "last_reviewed": "2026-11-01",
        "match": {"services": ["checkout"]},
        "steps": [{"action": "Do it.", "revert": "Undo it.", "verify": "Look.", **step}], **runbook,
    }]}
    path = tmp_path / "runbooks.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


def test_the_repository_catalog_loads_and_the_checkout_runbook_runs_http_steps():
    catalog = load_catalog(REPO / "oncall" / "runbooks.yaml")
    steps = catalog.get("checkout-availability").steps
    assert [s.executable.kind for s in steps] == ["http"] * 4
    assert steps[0].run.http.headers["Authorization"] == "Bearer ${CHECKOUT_ADMIN_TOKEN}"
    # a step without run: is a manual step whose instructions are its words
    other = catalog.get("search-latency").steps[0]
    assert other.executable.kind == "manual" and other.executable.manual.instructions == other.action
    assert catalog.settings.automation is True and all(r.auto is None for r in catalog.runbooks)


def test_a_command_needs_the_runbook_to_enable_commands(tmp_path):
    step = {"run": {"command": {"argv": ["true"]}}}
    with pytest.raises(OncallFileError, match="does not enable commands"):
        load_catalog(_write(tmp_path, step))
    assert load_catalog(_write(tmp_path, step, commands=True)).runbooks[0].steps[0].run.command.argv == ["true"]


def test_a_literal_credential_header_is_refused(tmp_path):
    step = {"run": {"http": {"url": "https://flags.example.com/x", "headers": {"Authorization": "Bearer abc123"}}}}
    with pytest.raises(OncallFileError, match=r"carries a credential: write it as \$\{ENV_VAR\}"):
        load_catalog(_write(tmp_path, step))


@pytest.mark.parametrize("step, message", [
    ({"run": {"http": {"url": "https://x"}, "manual": {"instructions": "x"}}}, "exactly one of http, command or manual"),
    ({"run": {"http": {"url": "file:///etc/passwd"}}}, "not an http"),
    ({"class": "cleanup"}, "diagnostic"),
    ({"settle": "soon"}, "settle"),
    ({"run": {"http": {"url": "https://x", "shell": True}}}, "unknown field"),
])
def test_unclear_steps_are_refused_naming_the_field(tmp_path, step, message):
    with pytest.raises(OncallFileError, match=message):
        load_catalog(_write(tmp_path, step))


def test_auto_runs_are_opt_in_per_severity_and_the_switch_is_global(tmp_path):
    path = _write(tmp_path, {}, auto={"severities": ["sev1"], "after": "acknowledge"})
    text = path.read_text(encoding="utf-8")
    path.write_text("settings: {automation: false}\n" + text, encoding="utf-8")
    catalog = load_catalog(path)
    assert catalog.settings.automation is False
    assert catalog.runbooks[0].auto.after == "acknowledge"


def test_runbook_show_lists_what_each_step_runs(capsys):
    from burnwise.cli import main

    assert main(["runbook", "show", "checkout-availability", "--runbooks", str(REPO / "oncall" / "runbooks.yaml")]) == 0
    out = capsys.readouterr().out
    assert "     runs:   [remediation] HTTP POST ${CHECKOUT_ADMIN_URL}/admin/deploys/rollback; settle 2m" in out
    assert "     undo:   HTTP PUT ${CHECKOUT_ADMIN_URL}/admin/zones/b/weight" in out
