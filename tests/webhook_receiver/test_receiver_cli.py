"""`burnwise incident` and `burnwise serve` as a user runs them, against a real receiver."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from burnwise.receiver.config import ENV_OVERRIDES

from burnwise.cli import main as burnwise
from tests.webhook_receiver.receiver_testlib import (
    REPO_ROOT,
    TOKEN,
    alert,
    free_port,
    notification,
)

pytestmark = pytest.mark.integration


def test_incident_commands_round_trip(start_receiver, pager, tmp_path, capsys, monkeypatch):
    receiver = start_receiver(
        {"database_url": f"sqlite:///{tmp_path / 'cli.db'}", "auth_token": TOKEN, "pagerduty_url": pager.enqueue_url,
         "role_routing_keys": {"lead": "L" * 32}}  # only the lead has a route: the primary's page has none
    )
    incident_id = receiver.post(notification("cli", [alert()])).json()["opened"][0]
    monkeypatch.setenv("BURNWISE_URL", receiver.url)
    monkeypatch.setenv("BURNWISE_AUTH_TOKEN", TOKEN)

    assert burnwise(["incident", "list", "--status", "open"]) == 0
    out = capsys.readouterr().out
    assert f"#{incident_id}" in out and "checkout" in out
    assert burnwise(["incident", "note", str(incident_id), "--kind", "mitigation", "--text", "rolled back", "--by", "ana"]) == 0
    assert burnwise(["incident", "resolve", str(incident_id), "--by", "ana"]) == 0
    capsys.readouterr()
    assert burnwise(["incident", "show", str(incident_id), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "resolved" and shown["resolved_by"] == "ana"
    assert [(e["kind"], e["actor"]) for e in shown["timeline"]] == [
        ("detect", "alertmanager"),
        ("note", "burnwise"),  # no routing key configured: the unsent page is on the timeline
        ("mitigation", "ana"),
        ("resolve", "ana"),
    ]
    assert "no routing key" in shown["timeline"][1]["text"]
    assert burnwise(["incident", "show", "424242"]) == 1
    assert "HTTP 404" in capsys.readouterr().err
    assert burnwise(["incident", "list", "--token", "wrong"]) == 1
    assert "token refused" in capsys.readouterr().err


def test_incident_command_without_receiver_says_what_to_do(capsys):
    assert burnwise(["incident", "list", "--url", f"http://127.0.0.1:{free_port()}"]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the receiver" in err and "burnwise serve" in err and "Traceback" not in err


@pytest.mark.parametrize(
    "config, env, expected",
    [
        ("listen: nowhere\n", {}, "key 'listen'"),
        ("retry:\n  base_seconds: -1\n", {}, "key 'retry.base_seconds'"),
        ("databse_url: sqlite:///x.db\n", {}, "key 'databse_url': unknown key"),
        ("listen: [\n", {}, "not valid YAML"),
        ("{}\n", {"BURNWISE_DATABASE_URL": "mysql://x"}, "BURNWISE_DATABASE_URL"),
        ("roster: missing/roster.yaml\n", {}, "key 'roster'"),
    ],
)
def test_serve_reports_config_errors_with_key_and_file(tmp_path, monkeypatch, capsys, config, env, expected):
    for name in ENV_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "receiver.yaml"
    path.write_text(config)
    assert burnwise(["serve", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert expected in err and str(path) in err and "Traceback" not in err


def test_serve_config_error_in_a_real_process_has_no_traceback(tmp_path):
    path = tmp_path / "receiver.yaml"
    path.write_text("max_body_bytes: lots\n")
    result = subprocess.run(
        [sys.executable, "-m", "burnwise", "serve", "--config", str(path)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "key 'max_body_bytes'" in result.stderr and "Traceback" not in result.stderr


def test_serve_refuses_a_broken_roster_naming_the_file(tmp_path, monkeypatch, capsys):
    for name in ENV_OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "roster.yaml").write_text("people: 3\n")
    path = tmp_path / "receiver.yaml"
    path.write_text("roster: roster.yaml\n")
    assert burnwise(["serve", "--config", str(path)]) == 1
    err = capsys.readouterr().err
    assert "roster.yaml" in err and "people" in err and "Traceback" not in err
