"""Papercuts a new user hit in the first hour (issue 22), each pinned by a test that failed before."""

from __future__ import annotations

from pathlib import Path

import yaml

from burnwise.cli import build_parser, main
from burnwise.generator.proof.backtest import FINE_LIMIT
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import render_outputs, write_outputs
from tests.generator.specs import service_spec, write_spec

REPO = Path(__file__).resolve().parents[2]


def test_naming_a_test_file_runs_only_that_file(promtool_bin, tmp_path, capsys, monkeypatch):
    """22.2: `burnwise test FILE` ran every file under tests/ and then FILE again."""
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    items = load_specs([write_spec(tmp_path, service_spec()), write_spec(tmp_path, service_spec(service="search"), name="search.yaml")])
    out = tmp_path / "out"
    write_outputs(render_outputs(items), out)
    named = out / "tests" / "search.test.yaml"
    data = yaml.safe_load(named.read_text(encoding="utf-8"))
    data["tests"] = data["tests"][:1]  # one group keeps the run short
    named.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    assert main(["test", "--out", str(out), str(named)]) == 0
    printed = capsys.readouterr().out
    assert ": 1 file(s), all passed" in printed
    assert "checkout.test.yaml" not in printed


def test_backtest_help_names_the_interval_switch_the_code_uses(capsys):
    """22.4: the help said 12h while the code switches to 5m evaluation over 16h."""
    parser = build_parser()
    backtest = parser._subparsers._group_actions[0].choices["backtest"]
    text = backtest.format_help().replace("\n", " ")
    assert f"runs over {FINE_LIMIT // 3600}h" in " ".join(text.split())
    docs = (REPO / "docs" / "testing.md").read_text(encoding="utf-8")
    assert f"Runs up to {FINE_LIMIT // 3600} hours (history included) are evaluated every minute" in docs


def test_a_budget_figure_that_rounds_to_zero_has_no_minus_sign():
    """22.6: budget consumed printed as -0.00%."""
    from burnwise.reports.figures import percent

    assert f"{-0.000001:.2%}" == "-0.00%"  # what the reports printed before
    assert percent(-0.000001) == "0.00%"
    assert percent(-0.0001) == "-0.01%"
    assert percent(0.12345, 1) == "12.3%"
