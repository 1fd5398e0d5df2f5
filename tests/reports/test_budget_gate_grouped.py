"""`burnwise budget gate` on a grouped SLO (`group_by: [cluster]`): the worst cluster decides.

A real Prometheus records one budget per cluster: eu keeps 40%, us is past its budget. Reading
only the first series (as the gate did) would open or close the gate by whichever cluster
Prometheus listed first; the gate must close and name the cluster.
"""

from __future__ import annotations

import pytest
import yaml

from tests.reports.prometheus_server import prometheus_with_rules

pytestmark = pytest.mark.integration

SPEC = {
    "version": "burnwise/v1",
    "service": "edge",
    "owner": "edge-team",
    "slos": [
        {
            "name": "availability",
            "objective": 99.9,
            "group_by": ["cluster"],
            "sli": {"events": {"error_query": 'rate(x{code="5"}[{{.window}}])', "total_query": "rate(x[{{.window}}])"}},
        }
    ],
}


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    rules = [
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(0.4)",
         "labels": {"service": "edge", "slo": "availability", "cluster": "eu"}},
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(-0.1)",
         "labels": {"service": "edge", "slo": "availability", "cluster": "us"}},
    ]
    with prometheus_with_rules(tmp_path_factory.mktemp("prometheus"), rules,
                               "slo:burnwise_error_budget_remaining:ratio", 2) as url:
        yield url


def test_the_worst_group_closes_the_gate_and_is_named(prometheus, run_cli, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "edge.yaml").write_text(yaml.safe_dump(SPEC), encoding="utf-8")
    code, out, err = run_cli("budget", "gate", "edge/availability", "--prometheus", prometheus,
                             "--specs", str(specs), "--roster", str(tmp_path / "no-roster.yaml"))
    assert code != 0, out + err
    assert "error budget exhausted (-10.00% left) (worst group: cluster=us)" in out
