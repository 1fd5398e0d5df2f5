"""The demo's story with the runbook: 50% errors page, the checkout runbook recovers in three steps.

Runs :class:`Scenario.run` - exactly what `make demo` plays - on the fast stack settings, with the
real Prometheus, Alertmanager, receiver and pager, and checks what it prints and records.
"""

from __future__ import annotations

import re

import pytest
import requests

from burnwise.demo.scenario import Scenario
from burnwise.demo.stack import Stack
from tests.conftest import find_binary
from tests.integration.chainlib import fast_settings

pytestmark = pytest.mark.integration


def test_demo_story_recovers_in_three_verified_steps_and_skips_the_fourth(tmp_path):
    for name in ("prometheus", "alertmanager", "promtool"):
        find_binary(name)
    lines: list[str] = []
    with Stack(fast_settings(tmp_path)) as stack:
        stack.start()
        scenario = Scenario(stack, out=lines.append, poll_seconds=0.5)
        final = scenario.run(page_timeout=90, resolve_timeout=90)
        calls = [path for _method, path, _cleared in stack.service.control_calls]
        # the web console shows the incident and reads the SLO from the demo's Prometheus
        auth = {"Authorization": f"Bearer {stack.token}"}
        incident_page = requests.get(f"{stack.console_url}/{final['id']}", headers=auth, timeout=10)
        slo_page = requests.get(f"{stack.receiver_url}/ui/slos", headers=auth, timeout=30)
    text = "\n".join(lines)
    console = text.split("==> Final timeline")[0]
    healthy = [float(m) for m in re.findall(r"step \d/4 \[remediation\][^\n]*-> ([\d.]+)% healthy", console)]
    assert len(healthy) == 3, text
    assert re.search(r"started runbook checkout-availability \(4 steps\) for incident #\d+; SLI (4\d|5[0-3])\.\d% healthy",
                     console), console
    assert 82 <= healthy[0] <= 88 and 93 <= healthy[1] <= 97 and healthy[2] == 100.0, healthy
    assert "result: recovered: SLI recovered after step 3 of 4; steps 4 not needed (applied: 1, 2, 3; not needed: 4)" in text
    assert calls == ["/admin/deploys/rollback", "/admin/flags/checkout.provider_failover", "/admin/zones/b/weight"]
    assert stack.service_token not in text
    kinds = [e["kind"] for e in final["timeline"]]
    # the resolve may land while step 3 settles (its alert clears first): then it sits before step 3
    assert kinds[:2] == ["detect", "acknowledge"] and kinds.count("resolve") == 1, kinds
    steps = [e["text"] for e in final["timeline"] if re.search(r"step \d/4 \[", e["text"])]
    assert len(steps) == 3 and "check holds: recovered" in steps[2], steps
    assert "Final timeline" in text
    assert f"in the web console: {stack.receiver_url}/ui/incidents/{final['id']}" in text
    assert incident_page.status_code == 200 and f"#{final['id']}" in incident_page.text and "resolved" in incident_page.text
    assert slo_page.status_code == 200 and "Prometheus: ok" in slo_page.text
    checkout = slo_page.text.split('data-slo="checkout/availability"')[1].split("</tr>")[0]
    assert re.search(r'class="budget">-?\d+\.\d%<', checkout), checkout
