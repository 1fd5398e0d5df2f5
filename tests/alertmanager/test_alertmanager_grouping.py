"""A real Alertmanager, configured from a grouped SLO (`group_by: [cluster]`), notifies per cluster.

Posts cluster-a's sev1 and sev2 and cluster-b's sev2 of the same SLO, and checks what reaches a
webhook sink: cluster-a's page and cluster-b's page in notifications of their own (distinct
`groupKey`, so the receiver opens an incident, and pages, per cluster), cluster-a's sev2 muted by
its sev1, and cluster-b's sev2 not muted by the other cluster's sev1.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from burnwise.generator.alertmanager import Options, build_config
from burnwise.generator.loader import load_specs

from tests.alertmanager.am_testlib import running_alertmanager, webhook_sink

pytestmark = pytest.mark.integration

GROUPED = Path(__file__).parents[1] / "generator" / "data" / "grouped.yaml"


def _alert(cluster: str, severity: str) -> dict:
    now = datetime.now(timezone.utc)
    return {
        "labels": {
            "alertname": "EdgeAvailabilityBudgetBurn",
            "service": "edge",
            "slo": "availability",
            "owner": "edge-team",
            "severity": severity,
            "burnwise_tier": "page",
            "cluster": cluster,
        },
        "annotations": {"summary": f"edge availability (cluster={cluster})"},
        "startsAt": now.isoformat(),
        "endsAt": (now + timedelta(hours=1)).isoformat(),
    }


def _firing(delivery) -> list[tuple[str, str]]:
    return [(a["labels"]["cluster"], a["labels"]["severity"]) for a in delivery.body["alerts"] if a["status"] == "firing"]


def test_each_failing_cluster_is_its_own_notification_and_inhibits_only_itself(alertmanager_bin, tmp_path):
    with webhook_sink() as sink:
        options = Options(receiver_url=sink.url, credentials_file=None).with_timing(group_wait=1, group_interval=1)
        config = tmp_path / "alertmanager.yaml"
        config.write_text(yaml.safe_dump(build_config(load_specs([GROUPED]), options=options)), encoding="utf-8")
        with running_alertmanager(alertmanager_bin, config, tmp_path) as am:
            am.post_alerts([_alert("cluster-a", "sev1"), _alert("cluster-a", "sev2"), _alert("cluster-b", "sev2")])
            sink.wait_for(lambda ds: any(("cluster-a", "sev1") in _firing(d) for d in ds) and any(("cluster-b", "sev2") in _firing(d) for d in ds))
            time.sleep(3)  # a few group intervals: a muted alert that was going out would have gone by now
            got = sink.snapshot()
    pages = [d for d in got if d.path == "/v1/alertmanager"]
    a_keys = {d.body["groupKey"] for d in pages if ("cluster-a", "sev1") in _firing(d)}
    b_keys = {d.body["groupKey"] for d in pages if ("cluster-b", "sev2") in _firing(d)}
    assert a_keys and b_keys and not a_keys & b_keys, "the two clusters' pages shared one notification group"
    assert all(len({c for c, _s in _firing(d)}) == 1 for d in pages), "a notification mixed clusters"
    assert not any(("cluster-a", "sev2") in _firing(d) for d in got), "cluster-a's sev2 was not muted by its sev1"
