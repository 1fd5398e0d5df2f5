"""Issue 21.8: `burnwise budget gate` against a real Prometheus with a burning and a healthy SLO.

The rule file records ``slo:burnwise_error_budget_remaining:ratio`` for checkout's two SLOs:
availability keeps 40% of its budget (healthy), latency is past its budget and still burning
(-5% and falling). The specs are the repository's checkout spec (owner: payments).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.reports.prometheus_server import prometheus_with_rules

pytestmark = pytest.mark.integration
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory):
    t0 = time.time()
    rules = [
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": "vector(0.4)",
         "labels": {"service": "checkout", "slo": "availability"}},
        {"record": "slo:burnwise_error_budget_remaining:ratio", "expr": f"vector(-0.05 - (time() - {t0:.3f}) / 10000)",
         "labels": {"service": "checkout", "slo": "latency"}},
    ]
    with prometheus_with_rules(tmp_path_factory.mktemp("prometheus"), rules,
                               "slo:burnwise_error_budget_remaining:ratio", 2) as url:
        yield url


@pytest.fixture
def specs(tmp_path):
    folder = tmp_path / "specs"
    folder.mkdir()
    (folder / "checkout.yaml").write_text((REPO / "slo_specs" / "checkout.yaml").read_text())
    return folder


@pytest.fixture
def gate(run_cli, specs, tmp_path):
    def run(*argv: str):
        return run_cli("budget", "gate", *argv, "--specs", str(specs), "--roster", str(tmp_path / "no-roster.yaml"))
    return run


def test_healthy_slo_opens_the_gate(prometheus, gate):
    code, out, err = gate("checkout/availability", "--prometheus", prometheus)
    assert code == 0, err
    assert "open: every SLO has error budget above the policy threshold" in out
    assert "ok     checkout/availability (objective 99.9%): error budget 40.00% left" in out


def test_burning_slo_closes_the_gate_with_the_slos_budget_and_policy(prometheus, gate):
    code, out, _ = gate("checkout", "--prometheus", prometheus)
    assert code == 3
    assert "closed: 1 SLO(s) frozen by the error-budget policy; only reliability changes may ship" in out
    assert "policy (default): freeze below 0%, allow while frozen: reliability" in out
    assert "FROZEN checkout/latency (objective 99%): error budget exhausted (-5." in out
    assert "ok     checkout/availability" in out
    # reliability work still ships, and says why
    code, out, _ = gate("checkout", "--prometheus", prometheus, "--change", "reliability")
    assert code == 0 and "open for 'reliability' changes only" in out


def test_threshold_from_the_roster_or_the_command_line(prometheus, run_cli, specs, tmp_path):
    from tests.oncall.oncall_builders import roster, write

    doc = roster()
    doc["surfaces"][0].update(name="payments", services=["checkout"], budget_policy={"freeze_below": "50%", "allow": []})
    path = write(tmp_path, "roster.yaml", doc)
    argv = ["budget", "gate", "checkout/availability", "--prometheus", prometheus, "--specs", str(specs)]
    code, out, _ = run_cli(*argv, "--roster", str(path))
    assert code == 3 and "policy (roster surface 'payments'): freeze below 50%, allow while frozen: none" in out
    assert "error budget 40.00% left is under the 50% policy threshold" in out
    code, out, _ = run_cli(*argv, "--roster", str(path), "--freeze-below", "25%")
    assert code == 0 and "overridden on the command line" in out


def test_json_for_automation(prometheus, gate):
    code, out, _ = gate("checkout", "--prometheus", prometheus, "--json")
    assert code == 3
    result = json.loads(out)
    assert result["open"] is False and result["policy"] == {"allow": ["reliability"], "freeze_below": 0.0,
                                                             "source": "default"}
    slos = {s["slo"]: s for s in result["slos"]}
    assert slos["availability"]["budget_remaining"] == 0.4 and slos["availability"]["frozen"] is False
    assert slos["latency"]["budget_remaining"] < -0.05 and slos["latency"]["frozen"] is True


def test_unknown_service_slo_or_unreachable_prometheus_is_exit_1(prometheus, gate):
    code, _, err = gate("chekout", "--prometheus", prometheus)
    assert code == 1 and "SERVICE 'chekout': no such service in the SLO specs or the roster; known: checkout" in err
    code, _, err = gate("checkout/availabilty", "--prometheus", prometheus)
    assert code == 1 and "has no SLO 'availabilty'; known: availability, latency" in err
    code, _, err = gate("checkout", "--prometheus", f"http://127.0.0.1:{free_port()}")
    assert code == 1 and "not reachable" in err and "cannot decide" in err
    code, _, err = gate("checkout", "--prometheus", prometheus, "--freeze-below", "ten")
    assert code == 1 and "--freeze-below 'ten'" in err


def _spec_with_policy(specs: Path, service_policy: dict | None, latency_policy: dict | None) -> None:
    import yaml

    path = specs / "checkout.yaml"
    doc = yaml.safe_load(path.read_text())
    if service_policy is not None:
        doc["policy"] = service_policy
    for slo in doc["slos"]:
        if slo["name"] == "latency" and latency_policy is not None:
            slo["policy"] = latency_policy
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def test_the_spec_policy_wins_over_the_roster_and_an_slo_policy_over_the_service(prometheus, run_cli, specs, tmp_path):
    from tests.oncall.oncall_builders import roster, write

    doc = roster()
    doc["surfaces"][0].update(name="payments", services=["checkout"], budget_policy={"freeze_below": "0%", "allow": []})
    roster_path = str(write(tmp_path, "roster.yaml", doc))
    _spec_with_policy(specs, {"freeze_below": "50%", "allow": ["reliability"]},
                      {"freeze_below": "0%", "allow": ["security"]})
    argv = ["budget", "gate", "checkout", "--prometheus", prometheus, "--specs", str(specs), "--roster", roster_path]
    code, out, _ = run_cli(*argv, "--json")
    result = json.loads(out)
    assert code == 3 and result["open"] is False
    slos = {s["slo"]: s for s in result["slos"]}
    assert (slos["availability"]["frozen"], slos["availability"]["policy"]["source"]) == (True, "spec service checkout")
    assert "under the 50% policy threshold" in slos["availability"]["reason"]
    assert slos["latency"]["policy"] == {"freeze_below": 0.0, "allow": ["security"], "source": "spec checkout/latency"}
    # a security fix: latency allows it, availability (service policy: reliability only) does not
    code, out, _ = run_cli(*argv, "--change", "security")
    assert code == 3 and "closed: 2 SLO(s) frozen" in out and "[policy (spec checkout/latency)" in out
    # only the SLO policy allows security: gating just latency lets it through
    code, out, _ = run_cli("budget", "gate", "checkout/latency", "--prometheus", prometheus, "--specs", str(specs),
                           "--roster", roster_path, "--change", "security")
    assert code == 0 and "open for 'security' changes only" in out
    assert "policy (spec checkout/latency): freeze below 0%, allow while frozen: security" in out


def test_a_bad_policy_in_the_spec_names_the_file_slo_and_field(run_cli, specs):
    _spec_with_policy(specs, None, {"freeze_below": "150%"})
    code, _, err = run_cli("validate", str(specs / "checkout.yaml"))
    assert code == 1
    assert "checkout.yaml" in err and "latency" in err and "policy" in err and "150%" in err


def test_the_receiver_records_breaches_on_the_surface_and_its_open_incidents(prometheus, run_cli, specs, tmp_path):
    # design (docs/reports.md): the gate reports each frozen SLO to the receiver, which names the
    # surface from its roster, keeps the record, and notes it on the SLO's unresolved incidents
    import requests

    from tests.oncall.oncall_builders import roster, write
    from tests.webhook_receiver.receiver_testlib import TOKEN, ReceiverProcess, alert, notification

    doc = roster()
    doc["surfaces"][0].update(name="payments", services=["checkout"])
    roster_path = write(tmp_path, "roster.yaml", doc)
    database = f"sqlite:///{tmp_path / 'breaches.db'}"
    receiver = ReceiverProcess(tmp_path, {"database_url": database, "auth_token": TOKEN, "roster": str(roster_path),
                                          "pagerduty_url": "http://127.0.0.1:9/unused", "paging": False, "log_level": "info"})
    try:
        receiver.start()
        latency = alert("CheckoutLatencyBudgetBurn", slo="latency")
        incident = receiver.post(notification("latency", [latency])).json()["opened"][0]
        argv = ["budget", "gate", "checkout", "--prometheus", prometheus, "--specs", str(specs), "--roster", str(roster_path),
                "--receiver", receiver.url, "--token", TOKEN, "--by", "deploy-pipeline"]
        code, out, err = run_cli(*argv)
        assert code == 3 and "warning" not in err
        code, _, err = run_cli(*argv, "--change", "reliability")
        assert code == 0 and "warning" not in err
        listed = requests.get(receiver.url + "/v1/budget/breaches?surface=payments", headers=receiver.headers(), timeout=5).json()
        assert [(b["surface"], b["slo"], b["change"], b["blocked"], b["by"]) for b in listed] == [
            ("payments", "latency", "feature", True, "deploy-pipeline"),
            ("payments", "latency", "reliability", False, "deploy-pipeline")]
        notes = [e for e in receiver.incident(incident)["timeline"] if (e["data"] or {}).get("event") == "budget-breach"]
        assert len(notes) == 2 and notes[0]["actor"] == "deploy-pipeline"
        assert "checkout/latency is frozen" in notes[0]["text"] and "'feature' change was refused" in notes[0]["text"]
        assert "'reliability' change passed (allowed while frozen)" in notes[1]["text"]
        code, out, err = run_cli("handoff", "--surface", "payments", "--database-url", database, "--roster", str(roster_path),
                                 "--specs", str(specs), "--json")
        assert code == 0, err
        [line] = json.loads(out)["budget_breaches"]
        assert (line["slo"], line["reports"], line["refused"], line["freeze_below"]) == ("latency", 2, 1, 0.0)
    finally:
        receiver.stop()
    # a receiver that is gone: the verdict stands, and the lost record is said on stderr
    code, _, err = run_cli(*argv)
    assert code == 3 and "was NOT recorded" in err
