"""`generate` checks PromQL before writing, like `validate`; one problem per field, at the user's column (issue 17 item 3, issue 22 item 3)."""

from __future__ import annotations

import pytest
from burnwise.cli import main

from tests.generator.specs import service_spec, slo, write_spec

TOTAL = 'sum(rate(http_requests_total{job="checkout"}[{{.window}}])'  # one `)` missing
BROKEN = slo(
    name="latency",
    sli={"events": {"error_query": 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))', "total_query": TOTAL}},
)


@pytest.fixture
def broken_spec(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    specs = tmp_path / "specs"
    specs.mkdir()
    return write_spec(specs, service_spec(slos=[slo(), BROKEN]))


def _problem_lines(err: str) -> list[str]:
    return [line.strip() for line in err.splitlines() if line.startswith("  ")]


@pytest.mark.parametrize("command", ["generate", "validate"])
def test_unclosed_parenthesis_fails_once_against_the_field(command, broken_spec, tmp_path, promtool_bin, monkeypatch, capsys):
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    out = tmp_path / "out"
    extra = ["--out", str(out)] if command == "generate" else []
    assert main([command, str(broken_spec), *extra]) == 1
    err = capsys.readouterr().err
    assert "1 problem in SLO specs" in err, err
    [line] = _problem_lines(err)
    assert line.startswith("specs/checkout.yaml: slos[1] (latency): sli.events.total_query: invalid PromQL at line 1, column ")
    assert f"column {len(TOTAL) + 1} of the query: unclosed left parenthesis" in line  # the end of the query
    assert "Traceback" not in err
    if command == "generate":
        assert not out.exists() or not any(out.iterdir()), "nothing may be written when PromQL is invalid"


def test_column_is_the_column_in_the_users_query(broken_spec, promtool_bin, monkeypatch, capsys):
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    bad = slo(name="latency", sli={"events": {"error_query": "sum(rate(x[{{.window}}])) + y{a=}", "total_query": "sum(rate(x[{{.window}}]))"}})
    path = write_spec(broken_spec.parent, service_spec(slos=[bad]), "other.yaml")
    assert main(["validate", str(path)]) == 1
    [line] = _problem_lines(capsys.readouterr().err)
    # the stray `}` is the 33rd character of what the user wrote, counting {{.window}} as written
    assert 'sli.events.error_query: invalid PromQL at line 1, column 33 of the query: unexpected "}" in label matching' in line, line


def test_without_promtool_the_parser_still_refuses(broken_spec, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no promtool anywhere
    monkeypatch.delenv("BURNWISE_PROMTOOL", raising=False)
    out = tmp_path / "out"
    assert main(["generate", str(broken_spec), "--out", str(out)]) == 1
    captured = capsys.readouterr()
    [line] = _problem_lines(captured.err)
    assert line.startswith("specs/checkout.yaml: slos[1] (latency): sli.events.total_query: invalid PromQL: unclosed left parenthesis")
    assert "PromQL checked without promtool" in captured.out
    assert not out.exists()


def test_valid_specs_still_generate(tmp_path, promtool_bin, monkeypatch):
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    path = write_spec(tmp_path, service_spec(slos=[slo(), slo(name="latency", sli={"latency": {"metric": "h", "selector": '{handle="/cart"}', "threshold": 0.3}})]))
    out = tmp_path / "out"
    assert main(["generate", str(path), "--out", str(out)]) == 0
    assert (out / "checkout.rules.yaml").exists()
