"""The configuration as data: what routes, receivers and inhibit rules the specs and roster give.

Pure and fast; what Alertmanager makes of the output is tested with amtool and a live process
in the neighbouring files.
"""

from __future__ import annotations

import re
import shutil

import pytest
import yaml
from burnwise.generator.alertmanager import (
    DEFAULT_CREDENTIALS_FILE,
    OUTPUT_FILE,
    AlertmanagerConfigError,
    Options,
    SurfaceClaim,
    alertmanager_files,
    build_config,
    render_config,
)
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import find_drift, render_outputs, write_outputs

from burnwise.cli import main
from burnwise.commands.roster_claims import default_roster_claims
from tests.alertmanager.am_testlib import (
    REPO,
    roster_doc,
    slo_doc,
    spec_doc,
    write_yaml,
)


def specs_from(tmp_path, *docs):
    paths = [write_yaml(tmp_path / "specs" / f"{doc['service']}.yaml", doc) for doc in docs]
    return load_specs(paths)


def child_routes(config: dict, receiver_prefix: str) -> dict[str, tuple[str, str]]:
    """severity -> (receiver, group_wait) under the first route whose receiver starts with prefix."""
    route = next(r for r in config["route"]["routes"] if r["receiver"].startswith(receiver_prefix))
    return {
        child["matchers"][0].split("=", 1)[1].strip('"'): (child["receiver"], child["group_wait"])
        for child in route["routes"]
    }


def test_pages_go_to_the_page_endpoint_and_tickets_to_the_ticket_endpoint(tmp_path):
    config = build_config(specs_from(tmp_path, spec_doc(owner="web-team")), options=Options(receiver_url="http://rx:9/"))
    assert child_routes(config, "web-team") == {
        "sev1": ("web-team-page", "30s"),
        "sev2": ("web-team-page", "1m"),
        "sev3": ("web-team-ticket", "5m"),
    }
    urls = {r["name"]: r["webhook_configs"][0]["url"] for r in config["receivers"]}
    assert urls == {
        "default-page": "http://rx:9/v1/alertmanager",
        "default-ticket": "http://rx:9/v1/alertmanager/ticket",
        "web-team-page": "http://rx:9/v1/alertmanager",
        "web-team-ticket": "http://rx:9/v1/alertmanager/ticket",
    }
    for receiver in config["receivers"]:
        [hook] = receiver["webhook_configs"]
        assert hook["send_resolved"] is True and hook["max_alerts"] == 0
    assert config["route"]["group_by"] == ["alertname", "service", "slo"]


def test_the_token_is_referenced_by_file_never_inline(tmp_path):
    specs = specs_from(tmp_path, spec_doc())
    text = render_config(specs, options=Options(credentials_file="/run/secrets/rx-token"))
    for receiver in yaml.safe_load(text)["receivers"]:
        assert receiver["webhook_configs"][0]["http_config"] == {
            "authorization": {"type": "Bearer", "credentials_file": "/run/secrets/rx-token"}
        }
    assert "credentials:" not in text
    bare = yaml.safe_load(render_config(specs, options=Options(credentials_file=None)))
    assert all("http_config" not in r["webhook_configs"][0] for r in bare["receivers"])


def test_inhibition_faster_tier_mutes_slower_tiers_of_the_same_slo(tmp_path):
    rules = build_config(specs_from(tmp_path, spec_doc()))["inhibit_rules"]
    assert rules == [
        {
            "source_matchers": ['burnwise_tier="page"', 'severity="sev1"'],
            "target_matchers": ['severity=~"sev2|sev3"'],
            "equal": ["service", "slo"],
        },
        {
            "source_matchers": ['burnwise_tier="page"', 'severity="sev2"'],
            "target_matchers": ['severity="sev3"'],
            "equal": ["service", "slo"],
        },
    ]


def test_severity_overrides_get_their_tier_timing_and_inhibition(tmp_path):
    specs = specs_from(tmp_path, spec_doc(slos=[slo_doc(tiers={"sev1": {"severity": "critical"}})]))
    config = build_config(specs)
    routes = child_routes(config, "web")
    assert routes["critical"] == ("web-page", "30s")  # sev1's timing
    assert list(routes) == ["critical", "sev1", "sev2", "sev3"]  # most urgent first, defaults kept
    sources = {r["source_matchers"][1]: r["target_matchers"] for r in config["inhibit_rules"]}
    assert sources['severity="critical"'] == ['severity=~"sev2|sev3"']


def test_a_severity_used_for_a_page_and_a_ticket_is_refused_with_its_place(tmp_path):
    specs = specs_from(tmp_path, spec_doc(slos=[slo_doc(tiers={"sev3": {"severity": "sev2"}})]))
    with pytest.raises(AlertmanagerConfigError) as error:
        build_config(specs)
    message = str(error.value)
    assert "web.yaml: slos[0] (availability): alerting.tiers.sev3" in message
    assert "'sev2' is a ticket" in message and "different severity labels" in message


def test_severities_ordered_differently_in_two_specs_are_refused(tmp_path):
    swapped = {"sev1": {"severity": "sev2"}, "sev2": {"severity": "sev1"}}
    specs = specs_from(tmp_path, spec_doc(slos=[slo_doc(tiers=swapped)]))
    with pytest.raises(AlertmanagerConfigError, match="each would inhibit the other"):
        build_config(specs)


def test_routes_follow_the_receivers_lookup_order_owner_service_matchers(tmp_path):
    specs = specs_from(tmp_path, spec_doc(service="web", owner="edge"), spec_doc(service="api", owner="core"))
    roster = [SurfaceClaim("edge", services=("cdn",), matchers=('team="edge"',)), SurfaceClaim("ops")]
    routes = build_config(specs, roster)["route"]["routes"]
    surface_routes = [(r["receiver"], r["matchers"]) for r in routes if "group_by" in r]
    assert surface_routes == [
        ("edge-page", ['owner="edge"']),
        ("ops-page", ['owner="ops"']),
        ("core-page", ['owner="core"']),  # only in the specs: after the roster's surfaces
        ("edge-page", ['service=~"cdn|web"']),
        ("core-page", ['service="api"']),
        ("edge-page", ['team="edge"']),
    ]
    fallback = [r["receiver"] for r in routes if "group_by" not in r]
    assert fallback == ["default-page", "default-page", "default-ticket"]


def test_a_service_claimed_by_an_earlier_surface_is_not_claimed_again(tmp_path):
    specs = specs_from(tmp_path, spec_doc(service="web", owner="late"))
    roster = [SurfaceClaim("early", services=("web",)), SurfaceClaim("late")]
    routes = build_config(specs, roster)["route"]["routes"]
    assert [r["receiver"] for r in routes if r["matchers"] == ['service="web"']] == ["early-page"]


def test_surface_named_default_is_refused(tmp_path):
    with pytest.raises(AlertmanagerConfigError, match="reserved"):
        build_config(specs_from(tmp_path, spec_doc()), [SurfaceClaim("default")])


def test_timings_can_be_shortened_for_every_severity(tmp_path):
    options = Options().with_timing(group_wait=1, group_interval=2)
    config = build_config(specs_from(tmp_path, spec_doc()), options=options)
    route = config["route"]["routes"][0]
    for r in [config["route"], route, *route["routes"]]:
        assert (r["group_wait"], r["group_interval"]) == ("1s", "2s")
    assert [c["repeat_interval"] for c in route["routes"]] == ["1h", "4h", "1d"]


def test_output_is_byte_identical_whatever_the_order_of_inputs(tmp_path):
    a = write_yaml(tmp_path / "a" / "web.yaml", spec_doc(owner="edge"))
    b = write_yaml(tmp_path / "a" / "api.yaml", spec_doc(service="api", owner="core"))
    first = render_config(load_specs([a, b]))
    second = render_config(load_specs([b, a]))
    assert first == second
    assert first.startswith("# Generated by burnwise from ")


def test_committed_copy_is_produced_by_the_pipeline_and_drift_is_found(tmp_path, monkeypatch):
    work = tmp_path / "repo"
    shutil.copytree(REPO / "slo_specs", work / "slo_specs")
    write_yaml(work / "oncall" / "roster.yaml", roster_doc([{"name": "payments", "services": ["checkout"]}]))
    monkeypatch.chdir(work)
    specs = load_specs([work / "slo_specs"])
    roster = default_roster_claims()  # the CLI reads the roster; the pipeline gets it as data
    outputs = render_outputs(specs, roster=roster)
    assert outputs[OUTPUT_FILE] == alertmanager_files(specs, roster)[OUTPUT_FILE]
    text = outputs[OUTPUT_FILE]
    assert "oncall/roster.yaml. DO NOT EDIT." in text.splitlines()[0]
    assert DEFAULT_CREDENTIALS_FILE in text and "http://127.0.0.1:9095/v1/alertmanager" in text
    out = work / "rendered_rules"
    write_outputs(outputs, out)
    assert find_drift(render_outputs(specs, roster=roster), out) == []
    committed = out / OUTPUT_FILE
    committed.write_text(committed.read_text().replace("group_wait: 30s", "group_wait: 10m"))
    [drift] = find_drift(render_outputs(specs, roster=roster), out)
    assert drift.path == OUTPUT_FILE and drift.kind == "changed"
    assert re.search(r"^\+ +group_wait: 30s$", drift.diff, re.M) and re.search(r"^- +group_wait: 10m$", drift.diff, re.M)
    # a roster change is drift too: the routes come from it
    (work / "oncall" / "roster.yaml").unlink()
    write_outputs(render_outputs(specs, roster=default_roster_claims()), out)
    assert "Generated by burnwise from" in committed.read_text() and "roster.yaml" not in committed.read_text().splitlines()[0]


def test_committed_copy_matches_the_example_specs_and_roster(monkeypatch):
    monkeypatch.chdir(REPO)
    expected = alertmanager_files(load_specs([REPO / "slo_specs"]), default_roster_claims())[OUTPUT_FILE]
    assert (REPO / "rendered_rules" / OUTPUT_FILE).read_text(encoding="utf-8") == expected, (
        "rendered_rules/alertmanager.yaml is stale: run `burnwise generate`"
    )


def test_cli_writes_fragment_or_whole_file_and_reports_mistakes(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no oncall/roster.yaml here
    write_yaml(tmp_path / "slo_specs" / "web.yaml", spec_doc(owner="edge"))
    assert main(["alertmanager-config", "--no-credentials"]) == 0
    fragment = yaml.safe_load(capsys.readouterr().out)
    assert set(fragment) == {"routes", "receivers", "inhibit_rules"}
    assert [r["name"] for r in fragment["receivers"]] == ["edge-page", "edge-ticket"]

    out = tmp_path / "am" / "alertmanager.yml"
    args = ["alertmanager-config", "--full", "--out", str(out), "--receiver-url", "https://rx.example:8443"]
    assert main(args) == 0
    assert "wrote" in capsys.readouterr().out
    assert yaml.safe_load(out.read_text())["route"]["receiver"] == "default-page"
    assert main(args) == 0
    assert "unchanged" in capsys.readouterr().out

    assert main(["alertmanager-config", "--receiver-url", "127.0.0.1:9095"]) == 1
    assert "is not an http(s) base URL" in capsys.readouterr().err
    assert main(["alertmanager-config", "--roster", "missing.yaml"]) == 1
    assert "--roster missing.yaml: no such file" in capsys.readouterr().err
    write_yaml(tmp_path / "bad-roster.yaml", {"people": [], "surfaces": [{"name": "x", "rotaton": {}}]})
    assert main(["alertmanager-config", "--roster", "bad-roster.yaml"]) == 1
    err = capsys.readouterr().err
    assert "bad-roster.yaml" in err and "rotaton" in err and "Traceback" not in err


def test_pipeline_reads_no_roster_from_the_working_directory(tmp_path, monkeypatch):
    """The roster is data the caller passes: a roster file in the working directory changes nothing
    unless the CLI loads it (`burnwise generate` does)."""
    work = tmp_path / "repo"
    shutil.copytree(REPO / "slo_specs", work / "slo_specs")
    write_yaml(work / "oncall" / "roster.yaml", roster_doc([{"name": "payments", "services": ["checkout"]}]))
    monkeypatch.chdir(work)
    specs = load_specs([work / "slo_specs"])
    without = render_outputs(specs)[OUTPUT_FILE]
    assert "roster.yaml" not in without.splitlines()[0]
    assert render_outputs(specs, roster=default_roster_claims())[OUTPUT_FILE] != without
    assert main(["generate"]) == 0
    assert "oncall/roster.yaml. DO NOT EDIT." in (work / "rendered_rules" / OUTPUT_FILE).read_text().splitlines()[0]
