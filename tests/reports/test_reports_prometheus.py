"""SLO figures from Prometheus: a real `prometheus` process serving burnwise's recorded series.

The rule file records the series the reports read (``slo:burnwise_error_budget_remaining:ratio``,
``slo:burnwise_burn_rate:rate6h``) with values the test chooses, so every expected figure is known:
availability's budget falls by 1% a second from the test's start (so the budget consumed between
two instants is their distance / 100), latency has 10% budget left and burns at 3x over 6h (above
1, under the 6x paging factor of its slowest paging tier).
"""

from __future__ import annotations

import subprocess
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
import yaml
from burnwise.receiver.models import Notification
from burnwise.receiver.store import Store

from burnwise.reports.prometheus import PrometheusUnavailable, parse_vector
from burnwise.roster.directory import Directory
from tests.conftest import free_port, stop_process
from tests.reports.conftest import AT
from tests.reports.history import POLICY, burn_alert
from tests.webhook_receiver.receiver_testlib import notification

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def prometheus(prometheus_bin, tmp_path):
    t0 = time.time()
    rules = {"groups": [{"name": "reports-test", "interval": "1s", "rules": [
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": f"vector(1 - (time() - {t0:.3f}) / 100)",
         "labels": {"service": "checkout", "slo": "availability"}},
        {"record": "slo:burnwise_burn_rate:rate6h", "expr": "vector(0.5)",
         "labels": {"service": "checkout", "slo": "availability"}},
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(0.1)",
         "labels": {"service": "checkout", "slo": "latency"}},
        {"record": "slo:burnwise_burn_rate:rate6h", "expr": "vector(3)",
         "labels": {"service": "checkout", "slo": "latency"}},
    ]}]}
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rules))
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({"global": {"evaluation_interval": "1s"},
                                                              "rule_files": ["rules.yaml"]}))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "prometheus.log", "wb")
    proc = subprocess.Popen(
        [prometheus_bin, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'data'}",
         f"--web.listen-address=127.0.0.1:{port}"],
        stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                answer = requests.get(f"{url}/api/v1/query", params={"query": "slo:burnwise_burn_rate:rate6h"}, timeout=1)
                if answer.ok and len(answer.json()["data"]["result"]) == 2:
                    break
            except requests.RequestException:
                pass
            assert proc.poll() is None, (tmp_path / "prometheus.log").read_text()
            time.sleep(0.2)
        else:
            raise AssertionError("prometheus did not record the series:\n" + (tmp_path / "prometheus.log").read_text())
        yield url
    finally:
        log.close()
        stop_process(proc)


def test_watch_items_and_budget_consumed_from_a_real_prometheus(prometheus, seeded, run_json, tmp_path):
    specs = tmp_path / "specs"
    specs.mkdir()
    (specs / "checkout.yaml").write_text((REPO / "slo_specs" / "checkout.yaml").read_text())
    note = run_json("handoff", "--surface", "payments", "--prometheus", prometheus, "--specs", str(specs),
                    *seeded.args())
    watch = note["watch"]
    assert watch["available"] is True and watch["checked"] == 2
    [item] = watch["items"]  # availability: budget ~100%, burn 0.5x -> nothing to watch
    assert (item["service"], item["slo"]) == ("checkout", "latency")
    assert item["budget_remaining"] == 0.1 and item["burn_rate"] == 3 and item["burn_window"] == "6h"
    assert item["paging_factor"] == 6
    assert len(item["reasons"]) == 2

    # an incident inside Prometheus' lifetime: budget consumed = seconds between alert start and resolve / 100
    store = Store.from_url(seeded.url)
    start = datetime.now(timezone.utc)  # after the first evaluation (the fixture waited for it)
    payload = notification("live", [burn_alert("CheckoutAvailabilityBudgetBurn", "checkout", "availability", "sev1",
                                               start, 20.0)])
    incident = store.ingest(Notification.model_validate(payload), Directory.load(seeded.roster, None), POLICY).opened[0]
    time.sleep(3)
    store.resolve(incident, "api", POLICY)
    end = store.get_incident(incident).resolved_at
    store.engine.dispose()
    time.sleep(1.5)  # let the rule evaluate past the resolve time
    pm = run_json("postmortem", str(incident), "--prometheus", prometheus, "--specs", str(specs),
                  "--database-url", seeded.url)
    budget = pm["impact"]["budget"]
    assert budget["available"] is True, budget
    expected = (end - start).total_seconds() / 100
    assert abs(budget["consumed"] - expected) <= 0.015, (budget, expected)


def test_unreachable_prometheus_is_said_plainly(seeded, run_json):
    note = run_json("handoff", "--surface", "payments", "--prometheus", f"http://127.0.0.1:{free_port()}", *AT,
                    *seeded.args())
    assert note["watch"]["available"] is False and "not reachable" in note["watch"]["note"]
    pm = run_json("postmortem", str(seeded.ids["P2"]), "--prometheus", f"http://127.0.0.1:{free_port()}",
                  "--database-url", seeded.url)
    assert pm["impact"]["budget"]["available"] is False and "not reachable" in pm["impact"]["budget"]["note"]


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"status": "success", "data": {"resultType": "vector", "result": [
            {"metric": {"slo": "b", "service": "s"}, "value": [1, "0.5"]},
            {"metric": {"slo": "a", "service": "s"}, "value": [1, "NaN"]},
            {"metric": {"slo": "a", "service": "r"}, "value": [1, "+Inf"]}]}},
         [({"service": "r", "slo": "a"}, float("inf")), ({"service": "s", "slo": "b"}, 0.5)]),
        ({"status": "success", "data": {"resultType": "scalar", "result": [1, "2"]}}, [({}, 2.0)]),
    ],
)
def test_parse_vector_reads_prometheus_answers(document, expected):
    assert [(s.labels, s.value) for s in parse_vector(document)] == expected


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({"status": "error", "errorType": "bad_data", "error": "parse error"}, "bad_data: parse error"),
        ({"status": "success", "data": {"resultType": "matrix", "result": []}}, "instant vector"),
        ({"status": "success", "data": {"resultType": "vector", "result": [{"value": [1]}]}}, "format"),
        ({"status": "success"}, "data.result"),
        (["not", "an", "object"], "JSON object"),
    ],
)
def test_parse_vector_refuses_what_is_not_a_query_result(document, message):
    with pytest.raises(PrometheusUnavailable, match=message):
        parse_vector(document)
