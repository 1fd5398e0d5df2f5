"""Grafana dashboards: valid JSON, a panel set per SLO, queries promtool accepts, thresholds at factors."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from burnwise.generator.dashboard import slo_queries
from burnwise.generator.loader import load_specs
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.windows import tiers_for

from burnwise.cli import main
from tests.interop.corpus import REPO_ROOT


def _write_dashboards(tmp_path: Path, monkeypatch) -> Path:
    monkeypatch.chdir(REPO_ROOT)
    out = tmp_path / "dashboards"
    assert main(["dashboard", "--out", str(out)]) == 0
    return out


def test_one_dashboard_per_service_with_a_panel_set_per_slo(tmp_path, monkeypatch):
    out = _write_dashboards(tmp_path, monkeypatch)
    specs = {item.spec.service: item.spec for item in load_specs([Path("slo_specs")])}
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{s}.dashboard.json" for s in specs)
    for path in out.iterdir():
        board = json.loads(path.read_text())
        spec = specs[path.name.split(".")[0]]
        assert board["uid"] == f"burnwise-{spec.service}"
        variables = board["templating"]["list"]
        assert [(v["name"], v["type"], v["query"]) for v in variables] == [("datasource", "datasource", "prometheus")]
        rows = [p for p in board["panels"] if p["type"] == "row"]
        assert [r["title"].split(":")[0] for r in rows] == sorted(s.name for s in spec.slos)
        panels = [p for p in board["panels"] if p["type"] != "row"]
        assert len(panels) == 4 * len(spec.slos)
        assert all(p["datasource"]["uid"] == "${datasource}" for p in panels)
        assert len({p["id"] for p in board["panels"]}) == len(board["panels"])


def test_burn_rate_panel_draws_every_tier_factor(tmp_path, monkeypatch):
    out = _write_dashboards(tmp_path, monkeypatch)
    spec = next(item.spec for item in load_specs([Path("slo_specs/recommender.yaml")]))
    board = json.loads((out / "recommender.dashboard.json").read_text())
    for slo in spec.slos:
        [panel] = [p for p in board["panels"] if p["title"] == f"{slo.name}: Burn rate"]
        lines = {step["value"] for step in panel["fieldConfig"]["defaults"]["thresholds"]["steps"][1:]}
        assert lines == {float(c.factor) for t in tiers_for(slo) for c in t.conditions}
    # freshness has sev1 disabled: its 14.4x line is not drawn
    [fresh] = [p for p in board["panels"] if p["title"] == "freshness: Burn rate"]
    assert 14.4 not in {s["value"] for s in fresh["fieldConfig"]["defaults"]["thresholds"]["steps"]}


def test_every_query_is_valid_promql_for_promtool(tmp_path, monkeypatch, promtool_bin):
    monkeypatch.chdir(REPO_ROOT)
    rules = []
    for item in load_specs([Path("slo_specs")]):
        for slo in item.spec.slos:
            for title, queries in sorted(slo_queries(item.spec, slo).items()):
                for expr, _legend in queries:
                    rules.append({"record": f"dashboard:query_{len(rules)}:check", "expr": expr})
    path = tmp_path / "dashboard-queries.rules.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard-queries", "rules": rules}]}))
    result = Promtool.at(promtool_bin).check_rules([path], lint=False)
    assert result.ok, result.format()
    assert len(rules) > 20


def test_dashboard_output_is_deterministic(tmp_path, monkeypatch):
    first = _write_dashboards(tmp_path / "a", monkeypatch)
    second = _write_dashboards(tmp_path / "b", monkeypatch)
    for path in first.iterdir():
        assert (second / path.name).read_text() == path.read_text()
