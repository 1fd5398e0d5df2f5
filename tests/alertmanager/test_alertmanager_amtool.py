"""The generated configuration through the real amtool: it loads, and label sets route where meant.

Routing is checked with `amtool config routes test` against the example specs and roster (the
same inputs as the committed `rendered_rules/alertmanager.yaml`), plus small specs and rosters
that exercise severity overrides and matcher quoting.
"""

from __future__ import annotations

import pytest
import yaml
from burnwise.commands.roster_claims import load_surface_claims
from burnwise.generator.alertmanager import Options, render_config
from burnwise.generator.loader import load_specs

from tests.alertmanager.am_testlib import (
    REPO,
    check_config,
    roster_doc,
    routes_test,
    slo_doc,
    spec_doc,
    write_yaml,
)

EXAMPLE_SURFACES = {"payments": "checkout", "search": "search", "ml-platform": "recommender"}


@pytest.fixture
def example_config(tmp_path):
    specs = load_specs([REPO / "slo_specs"])
    claims = load_surface_claims(REPO / "oncall" / "roster.yaml")
    path = tmp_path / "alertmanager.yaml"
    path.write_text(render_config(specs, claims, Options(full=True), "oncall/roster.yaml"), encoding="utf-8")
    return path


def test_committed_configuration_passes_amtool(amtool_bin):
    done = check_config(amtool_bin, REPO / "rendered_rules" / "alertmanager.yaml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout


def test_amtool_refuses_a_broken_configuration(amtool_bin, example_config):
    """The check above means something: the same file with a dangling receiver is refused."""
    data = yaml.safe_load(example_config.read_text())
    data["receivers"] = [r for r in data["receivers"] if r["name"] != "search-ticket"]
    example_config.write_text(yaml.safe_dump(data))
    done = check_config(amtool_bin, example_config)
    assert done.returncode != 0 and "search-ticket" in done.stdout + done.stderr


@pytest.mark.parametrize("surface", sorted(EXAMPLE_SURFACES))
@pytest.mark.parametrize(("severity", "kind"), [("sev1", "page"), ("sev2", "page"), ("sev3", "ticket")])
def test_each_severity_of_each_surface_lands_on_its_receiver(amtool_bin, example_config, surface, severity, kind):
    labels = {
        "alertname": "BudgetBurn",
        "owner": surface,
        "service": EXAMPLE_SURFACES[surface],
        "slo": "availability",
        "severity": severity,
        "burnwise_tier": kind,
    }
    assert routes_test(amtool_bin, example_config, labels) == f"{surface}-{kind}"


def test_alerts_without_owner_route_by_service_then_roster_matchers(amtool_bin, example_config):
    assert routes_test(amtool_bin, example_config, {"service": "checkout", "severity": "sev1"}) == "payments-page"
    assert routes_test(amtool_bin, example_config, {"service": "recommender", "severity": "sev3"}) == "ml-platform-ticket"
    # the roster claims team="payments" and namespace=~"ml-serving-.*" for alerts without owner/service
    assert routes_test(amtool_bin, example_config, {"team": "payments", "severity": "sev2"}) == "payments-page"
    assert routes_test(amtool_bin, example_config, {"namespace": "ml-serving-eu", "severity": "sev3"}) == "ml-platform-ticket"
    # owner wins over service, as in the receiver's own surface lookup
    assert routes_test(amtool_bin, example_config, {"owner": "search", "service": "checkout", "severity": "sev1"}) == "search-page"


def test_unknown_service_falls_back_to_the_default_route(amtool_bin, example_config):
    assert routes_test(amtool_bin, example_config, {"service": "billing", "severity": "sev1"}) == "default-page"
    assert routes_test(amtool_bin, example_config, {"service": "billing", "severity": "sev3"}) == "default-ticket"
    assert routes_test(amtool_bin, example_config, {"service": "billing", "owner": "nobody", "severity": "sev2"}) == "default-page"


def test_unknown_severity_on_a_surface_pages_like_the_receiver_treats_it(amtool_bin, example_config):
    assert routes_test(amtool_bin, example_config, {"owner": "payments", "severity": "warning"}) == "payments-page"


def test_severity_overridden_in_a_spec_routes_by_its_tier(amtool_bin, tmp_path):
    spec = write_yaml(
        tmp_path / "specs" / "web.yaml",
        spec_doc(owner="web-team", slos=[slo_doc(tiers={"sev1": {"severity": "critical"}, "sev3": {"severity": "low"}})]),
    )
    config = tmp_path / "am.yaml"
    config.write_text(render_config(load_specs([spec]), options=Options(full=True)), encoding="utf-8")
    assert check_config(amtool_bin, config).returncode == 0
    assert routes_test(amtool_bin, config, {"owner": "web-team", "severity": "critical"}) == "web-team-page"
    assert routes_test(amtool_bin, config, {"owner": "web-team", "severity": "low"}) == "web-team-ticket"
    assert routes_test(amtool_bin, config, {"service": "web", "severity": "low"}) == "web-team-ticket"
    assert routes_test(amtool_bin, config, {"service": "other", "severity": "low"}) == "default-ticket"


def test_roster_matchers_mean_in_alertmanager_what_they_mean_in_the_roster(amtool_bin, tmp_path):
    """Backslashes and quotes survive the trip into Alertmanager's matcher syntax: for each label
    set, Alertmanager picks the surface exactly when the roster's own matchers all hold."""
    from burnwise.roster.load import load_roster
    from burnwise.roster.matchers import all_match

    roster_path = write_yaml(
        tmp_path / "roster.yaml",
        roster_doc([{"name": "edge", "matchers": [r'zone=~"eu\.west-[0-9]+"', 'team=say "hi"', r'path="C:\dir"']}]),
    )
    matchers = load_roster(roster_path).surfaces[0].parsed_matchers
    spec = write_yaml(tmp_path / "specs" / "web.yaml", spec_doc())
    config = tmp_path / "am.yaml"
    config.write_text(render_config(load_specs([spec]), load_surface_claims(roster_path), Options(full=True)))
    assert check_config(amtool_bin, config).returncode == 0
    good = {"zone": "eu.west-1", "team": 'say "hi"', "path": r"C:\dir", "severity": "sev1"}
    cases = [
        good,
        {**good, "zone": "euXwest-1"},  # the dot is a literal dot
        {**good, "team": "say hi"},
        {**good, "path": r"C:\\dir"},
        {key: value for key, value in good.items() if key != "team"},  # every matcher must hold
    ]
    results = []
    for labels in cases:
        expected = "edge-page" if all_match(matchers, labels) else "default-page"
        results.append((routes_test(amtool_bin, config, labels), expected))
    assert [got for got, _ in results] == [expected for _, expected in results]
    assert [expected for _, expected in results] == ["edge-page"] + ["default-page"] * 4


def test_fragment_merges_into_a_hand_written_configuration(amtool_bin, tmp_path):
    """The fragment's routes go first under the team's own route; their default keeps the rest."""
    specs = load_specs([REPO / "slo_specs"])
    fragment = yaml.safe_load(render_config(specs, options=Options(full=False)))
    assert set(fragment) == {"routes", "receivers", "inhibit_rules"}
    base = {
        "route": {"receiver": "team-email", "routes": [{"receiver": "team-email", "matchers": ['team="infra"']}]},
        "receivers": [{"name": "team-email", "webhook_configs": [{"url": "http://127.0.0.1:1/hook"}]}],
        "inhibit_rules": [],
    }
    base["route"]["routes"] = fragment["routes"] + base["route"]["routes"]
    base["receivers"] += fragment["receivers"]
    base["inhibit_rules"] += fragment["inhibit_rules"]
    config = write_yaml(tmp_path / "merged.yaml", base)
    done = check_config(amtool_bin, config)
    assert done.returncode == 0, done.stdout + done.stderr
    assert routes_test(amtool_bin, config, {"owner": "payments", "severity": "sev3"}) == "payments-ticket"
    assert routes_test(amtool_bin, config, {"service": "billing", "severity": "sev1"}) == "team-email"
