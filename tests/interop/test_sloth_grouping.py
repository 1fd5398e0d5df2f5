"""Grouped Sloth SLIs (`... by (cluster_id)`) import as `group_by`: per-group rules and alerts, as in Sloth.

Before, the importer wrapped such a query in one more `sum()`, so one failing cluster was diluted
by the healthy ones and alerts lost `cluster_id` (issue 17, item 1). The promtool test runs the
generated per-group proof against the imported spec's rules.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from burnwise.generator.errors import SpecError
from burnwise.generator.importers import sloth
from burnwise.generator.loader import load_specs, validate_document
from burnwise.generator.pipeline import render_outputs, write_outputs
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.rules import recording_rules

SPEC = Path(__file__).parent / "data" / "sloth-grouped.yml"


def _doc() -> dict:
    return yaml.safe_load(SPEC.read_text())


def test_by_and_sum_by_become_group_by_and_are_not_collapsed():
    conversion = sloth.convert(_doc(), "sloth-grouped.yml")
    slos = conversion.documents[0]["slos"]
    assert slos[0]["group_by"] == ["cluster_id"]
    assert slos[1]["group_by"] == ["request_host"]
    assert any("group by (cluster_id)" in str(note) for note in conversion.notes)
    spec = validate_document(conversion.documents[0], "sloth-grouped.yml")
    exprs = [r.expr for r in recording_rules(spec, spec.slos[0])]
    # the queries are kept as written: no sum(...) around them that would merge the clusters
    assert exprs[0].startswith('(sum(rate(gateway_requests_total{code=~"(5..|429)"}[5m])) by (cluster_id) or (0 * sum(rate(')
    assert exprs[1] == "sum(rate(gateway_requests_total[5m])) by (cluster_id)"
    assert not any(e.startswith("sum(sum(") for e in exprs)


@pytest.mark.parametrize(
    ("error_query", "total_query", "field", "reason"),
    [
        (
            "sum(rate(x{code=\"5\"}[{{.window}}])) by (cluster_id)",
            "sum(rate(x[{{.window}}]))",
            "total_query",
            "must group by the same labels",
        ),
        (
            "sum(rate(x{code=\"5\"}[{{.window}}])) by (cluster_id)",
            "sum(rate(x[{{.window}}])) by (region)",
            "total_query",
            "must group by the same labels",
        ),
        (
            "sum without (instance) (rate(x{code=\"5\"}[{{.window}}]))",
            "sum without (instance) (rate(x[{{.window}}]))",
            "error_query",
            "labels left are unknown",
        ),
    ],
)
def test_mismatched_grouping_is_refused_naming_file_slo_and_field(error_query, total_query, field, reason):
    doc = _doc()
    doc["slos"][0]["sli"]["events"] = {"error_query": error_query, "total_query": total_query}
    with pytest.raises(SpecError) as caught:
        sloth.to_burnwise(doc, "sloth-grouped.yml")
    problem = caught.value.problems[0]
    assert problem.file == "sloth-grouped.yml"
    assert problem.where == f"slos[0] (requests-availability).sli.events.{field}"
    assert reason in problem.message


def test_ungrouped_sloth_queries_stay_one_series():
    doc = _doc()
    for slo in doc["slos"]:
        for key, query in slo["sli"]["events"].items():
            slo["sli"]["events"][key] = query.replace(" by (cluster_id)", "").replace(" by (request_host)", "")
    assert all("group_by" not in slo for slo in sloth.to_burnwise(doc, "x.yml")[0]["slos"])


def test_imported_grouped_spec_pages_per_cluster_in_promtool(tmp_path):
    specs = load_specs([SPEC])
    outputs = render_outputs(specs)
    tests = yaml.safe_load(outputs["tests/gateway.test.yaml"])
    per_group = [t for t in tests["tests"] if ": per group: " in t["name"]]
    assert [t["name"].split(":")[0] for t in per_group] == ["gateway/host-availability", "gateway/requests-availability"]
    labels = [s["labels"] for t in per_group for case in t["promql_expr_test"] for s in case["exp_samples"]]
    assert any('cluster_id="cluster_id-a"' in text and 'severity="critical"' in text for text in labels)
    assert not any("cluster_id-b" in text or "request_host-b" in text for text in labels)
    write_outputs(outputs, tmp_path)
    result = Promtool.find().test_rules([tmp_path / "tests" / "gateway.test.yaml"], timeout=300)
    assert result.ok, "\n".join(f.format() for f in result.failures)
