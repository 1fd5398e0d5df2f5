"""burnwise against Sloth's own generated rules, on the same series, for every example in the corpus.

For each example: import the spec, render burnwise's rules, and run them beside Sloth's `_gen`
output in `promtool test rules` through six scenarios (full outage; sustained burns at 15.7x,
8.9x, 4.3x, 1.63x the budget; a 4-minute blip at 23.3x), each after a healthy hour (longer
lead-ins cost quadratically in promtool). Asserted per SLO and per page/ticket, with no tolerance:

* every minute Sloth fires, burnwise fires too (so it fires no later and resets no sooner);
* every burnwise page overlaps a Sloth page (it never pages where Sloth stays quiet);
* Sloth itself pages in the outage for examples with page alerts (the comparison is not vacuous);
* no scenario puts a window exactly on a tier's threshold (Sloth's float thresholds sit a hair
  below the budget, so an exact tie is a float artefact, not a difference in the rules).

Both rule sets are evaluated at the same instants (every minute), recording groups before alert
groups (:func:`tests.interop.conformance.evaluation_order`): without that order promtool picks
one at random per run, and Sloth's alerts, kept in a group apart from its recordings, then read
the previous minute's values in some runs and fire and reset one evaluation late (which an
earlier version of this test mistook for burnwise resetting one evaluation early).

Why burnwise can match Sloth exactly: windows longer than 1h of a rate-based SLI are sums of
recorded windows that meet end to end (`burnwise.generator.windows.tile`), which add up to the increase
Sloth's `rate(x[W])` sees; raw SLIs and windowed queries that are not rates (the wifi examples'
sums of points) run their own query over every window, as Sloth does.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import pytest
from burnwise.generator.promtool.runner import Promtool

from tests.interop import conformance
from tests.interop.corpus import corpus_dir, example_names, load_example, render_example


def _budgets(specs) -> list:
    """Distinct error budgets of SLOs that alert (scenarios are stated as multiples of a budget)."""
    budgets = set()
    for spec in specs:
        for slo in spec.slos:
            if not (slo.alerting.page.disable and slo.alerting.ticket.disable):
                budgets.add(slo.error_budget)
    return sorted(budgets)


#: scenario suffix when each SLO's metrics burn at a multiple of that SLO's own budget
OWN_BUDGET = "own"


def _family_budgets(specs) -> dict[str, Decimal] | None:
    """Metric family -> the budget of the alerting SLOs reading it, when no family is shared by
    SLOs of different budgets (then one run burns every SLO at its own multiple); else None."""
    budgets: dict[str, set] = {}
    for spec in specs:
        for slo in spec.slos:
            if slo.alerting.page.disable and slo.alerting.ticket.disable:
                continue
            for family in conformance.families(slo.sli.model_dump_json()):
                budgets.setdefault(family, set()).add(slo.error_budget)
    if len({b for values in budgets.values() for b in values}) < 2 or any(len(v) > 1 for v in budgets.values()):
        return None
    return {family: values.pop() for family, values in budgets.items()}


def _groups(example_text: str, budgets, family_budgets: dict[str, Decimal] | None = None) -> list[dict]:
    """One test group per scenario and budget (identical series run once); examples without
    alerts get the outage only."""
    candidates = []
    clients = conformance.gauge_clients(example_text)
    if clients:
        # whole clients cannot burn a small budget gently: every burn of the 99.9% wifi SLO would
        # be the same 333x outage; the largest budget gives distinct burns (and the outage covers both)
        budgets = budgets[-1:]
    for scenario in conformance.scenarios():
        if family_budgets and scenario.name != "outage":
            ratios_by_family = {f: conformance.error_ratios(scenario, b) for f, b in family_budgets.items()}
            candidates.append((f"{scenario.name}@budget={OWN_BUDGET}", ratios_by_family, scenario.minutes))
            continue
        for budget in (budgets[:1] or [Decimal(1)]) if scenario.name == "outage" else budgets:
            ratios = conformance.error_ratios(scenario, budget, clients)
            name = "outage" if scenario.name == "outage" else f"{scenario.name}@budget={budget}"
            candidates.append((name, ratios, scenario.minutes))
    if clients:
        # With three clients several sustained burns round to the same level; run that level once,
        # in the last (slowest) scenario that reaches it. Sloth's subquery SLIs make these costly.
        level = {name: max(ratios) for name, ratios, _m in candidates}
        sustained = [name for name, _r, _m in candidates if name.startswith("burn-")]
        keep = {name for i, name in enumerate(sustained) if all(level[name] != level[later] for later in sustained[i + 1:])}
        candidates = [c for c in candidates if not c[0].startswith("burn-") or c[0] in keep]
    return [
        conformance.test_group(name, conformance.input_series(example_text, ratios), minutes)
        for name, ratios, minutes in candidates
    ]


def _run(promtool: Promtool, test_file: Path):
    return promtool.test_rules([test_file], timeout=240)


@pytest.fixture(scope="module")
def conformance_runs(tmp_path_factory, request):
    """Run every example once (two promtool processes at a time); tests then read the timelines."""
    from tests.conftest import find_binary

    promtool = Promtool.at(find_binary("promtool"))
    examples = corpus_dir()
    work = tmp_path_factory.mktemp("sloth-conformance")
    jobs = {}
    for name in example_names():
        path = examples / name
        text = path.read_text(encoding="utf-8")
        specs = load_example(path)
        stem = path.stem
        full_rules = work / f"{stem}.burnwise.full.yaml"
        full_rules.write_text(render_example(specs, f"sloth corpus {name}"), encoding="utf-8")
        burnwise_rules, sloth_rules = work / f"{stem}.burnwise.rules.yaml", work / f"{stem}.sloth.rules.yaml"
        conformance.alert_closure(full_rules, burnwise_rules)
        conformance.alert_closure(examples / "_gen" / name, sloth_rules)
        groups = _groups(text, _budgets(specs), _family_budgets(specs))
        test_file = work / f"{stem}.test.yaml"
        conformance.build_test_file(test_file, [str(sloth_rules), str(burnwise_rules)], groups)
        jobs[name] = (test_file, [g["name"] for g in groups], specs)
    # Two promtool processes at a time, costliest first so the two workers finish together
    # (size of the test file; Sloth's subquery SLIs of the gauge examples cost about 4x more).
    def cost(name: str) -> int:
        weight = 4 if conformance.gauge_clients((examples / name).read_text(encoding="utf-8")) else 1
        return jobs[name][0].stat().st_size * weight

    order = sorted(jobs, key=lambda name: -cost(name))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run, promtool, jobs[name][0]) for name in order}
        results = {name: future.result() for name, future in futures.items()}
    return {name: (results[name], jobs[name][1], jobs[name][2]) for name in jobs}


@pytest.mark.parametrize("example", example_names())
def test_burnwise_fires_no_later_and_resets_no_sooner_than_sloth(conformance_runs, example):
    result, group_names, specs = conformance_runs[example]
    assert not result.timed_out, result.format()
    lines = conformance.timelines(result, group_names)
    problems = []
    for (scenario, ruleset, service, slo, kind), minutes in sorted(lines.items()):
        if ruleset != "sloth":
            continue
        ours = set(lines.get((scenario, "burnwise", service, slo, kind), []))
        late = [m for m in minutes if m not in ours]
        if late:
            problems.append(
                f"{scenario} {service}/{slo} {kind}: Sloth fires at {conformance.intervals(minutes)}, "
                f"burnwise at {conformance.intervals(sorted(ours))}; burnwise quiet at minutes {conformance.intervals(late)}"
            )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("example", example_names())
def test_burnwise_never_pages_where_sloth_is_quiet(conformance_runs, example):
    result, group_names, _specs = conformance_runs[example]
    lines = conformance.timelines(result, group_names)
    problems = []
    for (scenario, ruleset, service, slo, kind), minutes in sorted(lines.items()):
        if ruleset != "burnwise" or kind != "page":
            continue
        theirs = set(lines.get((scenario, "sloth", service, slo, "page"), []))
        for first, last in conformance.intervals(minutes):
            if not theirs.intersection(range(first, last + 1)):
                problems.append(f"{scenario} {service}/{slo}: burnwise pages at {first}m-{last}m, Sloth never pages then")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("example", example_names())
def test_the_comparison_is_not_vacuous(conformance_runs, example):
    """Where Sloth has page alerts, it pages in the outage and tickets in the slow burn, and a
    blip does not page the SLO whose budget the blip is measured against."""
    result, group_names, specs = conformance_runs[example]
    lines = conformance.timelines(result, group_names)
    budget_of = {(spec.service, slo.name): slo.error_budget for spec in specs for slo in spec.slos}
    pages = any(not slo.alerting.page.disable for spec in specs for slo in spec.slos)
    sloth_kinds = {(key[0].split("@")[0], key[4]) for key in lines if key[1] == "sloth"}
    if pages:
        assert ("outage", "page") in sloth_kinds
        assert ("burn-1.63x", "ticket") in sloth_kinds
        blip_pages = [
            key for key in lines
            if key[0].startswith("blip@") and key[4] == "page"
            and key[0] in (f"blip@budget={budget_of[(key[2], key[3])]}", f"blip@budget={OWN_BUDGET}")
        ]
        assert not blip_pages, f"a 4-minute blip paged: {blip_pages}"
    else:
        assert not any(key[1] == "burnwise" for key in lines), "burnwise alerts where every Sloth alert is disabled"


@pytest.mark.parametrize("example", example_names())
def test_no_scenario_ties_a_threshold(example):
    """Counter examples: no window of any scenario lands exactly on any alerting SLO's threshold
    (every run's series against every budget of the example, since SLOs sharing a metric see it)."""
    path = corpus_dir() / example
    specs = load_example(path)
    if conformance.gauge_clients(path.read_text(encoding="utf-8")):
        pytest.skip("gauge examples quantize their ratios to whole clients (conformance.quantized checks ties)")
    budgets = _budgets(specs)
    found = []
    for scenario in conformance.scenarios():
        for run_budget in budgets:
            for threshold_budget in budgets:
                ties = conformance.tie_minutes(conformance.error_ratios(scenario, run_budget), threshold_budget)
                found += [(scenario.name, run_budget, threshold_budget, tie) for tie in ties]
    assert not found, found
