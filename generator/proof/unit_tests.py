"""Generated promtool unit tests: for every SLO, proof that its alerts fire when they must.

`burnwise generate` writes ``tests/<service>.test.yaml`` next to the rule files. Each SLO gets a
few test groups, each a synthetic scenario from :mod:`burnwise.generator.proof.scenarios` after healthy history
(an hour; two before the blip): quiet times (healthy traffic, a 10-minute blip at 10x the budget,
zero traffic), a full outage with recovery, a sustained burn above the sev2 factor, one above the
ticket's lowest factor, a low-traffic outage (`min_events`) and missing data (`no_data_for`).
Every group starts a fresh Prometheus, so the test files stay independent and readable.

What each test expects is derived from the spec, never typed in: :class:`BurnModel` computes,
minute by minute, the burn rate of every window the alerts read (the window arithmetic of
:mod:`burnwise.generator.rules`: raw windows up to an hour, longer ones summed from recorded boxes) and so
which tiers fire. promtool then checks the real rules against that. Checks are placed only where
every condition is clear of its threshold by :data:`MARGIN` (a check on a knife's edge would test
float rounding, not the rules), and as close as possible to the claim they prove (e.g. "sev1
pages within the Workbook detection time + one evaluation interval + one scrape interval").
The model runs once per kind of SLO: SLOs that differ only in names, labels and queries
(:data:`MODEL_BLIND_FIELDS`) share its results, which is most of a fleet.

Assertions use promql_expr_test on the ``ALERTS`` series, not alert_rule_test: promtool compares
annotations in alert tests, and burnwise's annotations print the live burn rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from burnwise.layout import rule_file_from_tests, unit_test_file_name
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.promtool.rule_tests import (
    RuleTestFile,
    RuleTestGroup,
)
from burnwise.generator.render import header
from burnwise.generator.proof.scenarios import ScenarioError
from burnwise.generator.proof.series import testable
from burnwise.generator.proof.budget_case import budget_exhausted_group
from burnwise.generator.proof.group_case import default_group_labels, one_group_fails
from burnwise.generator.proof.cases import Case, Planned, SloContext, build_group, cases_for, no_data_group, plan_group, slo_context
from burnwise.generator.spec import SLO, ServiceSpec
from burnwise.generator.windows import tiers_for


# --------------------------------------------------------------------------------------------
# One model run per kind of SLO
# --------------------------------------------------------------------------------------------

#: Spec fields that name, label, describe or select and never reach the model; blanked in the
#: model's view of an SLO (below), so SLOs that differ only in them share one model run. The memo
#: key is the SLO without these fields and the model computes on the view, where they are
#: constants, so the key fixes everything the model can see: a field added to the spec later is
#: part of the key until it is listed here, and a listed field the model starts to read shows up
#: as wrong expected values for every SLO, not only for memo hits.
MODEL_BLIND_FIELDS: dict[tuple[str, ...], object] = {
    ("name",): "memo-slo",
    ("description",): "",
    ("labels",): {},
    ("sli", "events", "error_query"): "memo_errors[{{.window}}]",
    ("sli", "events", "total_query"): "memo_events[{{.window}}]",
    ("sli", "latency", "metric"): "memo_histogram",
    ("sli", "latency", "selector"): "",
    ("sli", "latency", "threshold"): Decimal(1),
    ("sli", "raw", "error_ratio_query"): "memo_ratio[{{.window}}]",
    ("sli", "raw", "test_series", "healthy"): {},
    ("sli", "raw", "test_series", "failing"): {},
    ("alerting", "name"): None,
    ("alerting", "labels"): {},
    ("alerting", "annotations"): {},
    ("alerting", "runbook_url"): None,
    ("alerting", "no_data_for"): None,  # the no-data group is built outside the model
    **{("alerting", cls, part): {} for cls in ("page", "ticket") for part in ("labels", "annotations")},
    **{("alerting", "tiers", tier, part): {} for tier in ("sev1", "sev2", "sev3") for part in ("labels", "annotations")},
}
_MEMO_LIMIT = 4096
_memo: dict[str, SloPlan] = {}


def _replaced(model, path: tuple[str, ...], value: object):
    """``model`` with the field at ``path`` set to ``value`` (unchanged where the path is absent)."""
    head, rest = path[0], path[1:]
    if rest:
        inner = getattr(model, head)
        if inner is None:
            return model
        value = _replaced(inner, rest, value)
    return model.model_copy(update={head: value})


def _model_view(slo: SLO) -> SLO:
    """The SLO as the model sees it: :data:`MODEL_BLIND_FIELDS` blanked."""
    for path, value in MODEL_BLIND_FIELDS.items():
        slo = _replaced(slo, path, value)
    return slo


@dataclass(frozen=True)
class SloPlan:
    """The model's results for one kind of SLO: the cases, and per case its planned checks (or
    why it was left out) and notes. Notes begin with ``name``, the name the model saw."""

    name: str
    notes: tuple[str, ...]
    cases: tuple[tuple[Case, Planned | str, tuple[str, ...]], ...]

    def notes_for(self, name: str, notes: tuple[str, ...]) -> list[str]:
        """``notes`` as written for the SLO called ``name``."""
        prefix = f"{self.name}: "
        if not all(note.startswith(prefix) for note in notes):
            raise AssertionError(f"a model note does not start with the SLO name: {notes}")
        return [f"{name}: {note[len(prefix):]}" for note in notes]


def _plan_slo(slo: SLO) -> SloPlan:
    """Run the model for every case of ``slo`` (its view: nothing here may name the service)."""
    ctx = SloContext(spec=None, slo=slo, tiers=tiers_for(slo), alert_name="", tier_labels=[])  # type: ignore[arg-type]
    cases = cases_for(ctx)
    before = tuple(ctx.notes)
    planned: list[tuple[Case, Planned | str, tuple[str, ...]]] = []
    for case in cases:
        start = len(ctx.notes)
        try:
            result: Planned | str = plan_group(ctx, case)
        except ScenarioError as exc:
            result = str(exc)
        planned.append((case, result, tuple(ctx.notes[start:])))
    return SloPlan(slo.name, before, tuple(planned))


def _exclude(paths) -> dict:
    """Pydantic's nested ``exclude`` argument for a set of field paths."""
    tree: dict = {}
    for path in paths:
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = True
    return tree


_BLIND_EXCLUDE = _exclude(MODEL_BLIND_FIELDS)


def _slo_plan(slo: SLO) -> SloPlan:
    """:func:`_plan_slo` of the SLO's model view, computed once per distinct view.

    The key is the SLO without its blind fields, which the view replaces by constants: one key,
    one view (and serialising once is cheaper than building the view for every SLO)."""
    key = slo.model_dump_json(exclude=_BLIND_EXCLUDE)
    plan = _memo.get(key)
    if plan is None:
        if len(_memo) >= _MEMO_LIMIT:
            _memo.clear()
        plan = _memo[key] = _plan_slo(_model_view(slo))
    return plan


def slo_test_groups(spec: ServiceSpec, slo: SLO) -> tuple[list[RuleTestGroup], list[str]]:
    """The test groups of one SLO and notes on anything left out (and why)."""
    reason = testable(slo)
    if reason is not None:
        return [], [f"{slo.name}: no generated tests: {reason}"]
    ctx = slo_context(spec, slo)
    ctx.tier_labels = [{**labels, **default_group_labels(slo)} for labels in ctx.tier_labels]
    groups = []
    if ctx.tiers:
        plan = _slo_plan(slo)
        ctx.notes.extend(plan.notes_for(slo.name, plan.notes))
        for case, planned, notes in plan.cases:
            ctx.notes.extend(plan.notes_for(slo.name, notes))
            try:
                if isinstance(planned, str):
                    raise ScenarioError(planned)
                group = build_group(ctx, case, planned)
            except ScenarioError as exc:  # e.g. a raw hook whose notation cannot be read
                ctx.notes.append(f"{slo.name}: {case.key}: left out: {exc}")
                continue
            if group is not None:
                groups.append(group)
            if case.key == "outage" and not isinstance(planned, str):
                grouped = one_group_fails(ctx, case, planned)  # grouped SLOs only
                if grouped is not None:
                    groups.append(grouped)
    no_data = no_data_group(ctx)
    if no_data is not None:
        groups.append(no_data)
    exhausted = budget_exhausted_group(ctx)  # opt-in BudgetExhausted ticket
    if exhausted is not None:
        groups.append(exhausted)
    return groups, ctx.notes


def render_test_file(item: LoadedSpec) -> str:
    spec = item.spec
    groups: list[RuleTestGroup] = []
    notes: list[str] = []
    for slo in sorted(spec.slos, key=lambda s: s.name):
        slo_groups, slo_notes = slo_test_groups(spec, slo)
        groups += slo_groups
        notes += slo_notes
    test_file = RuleTestFile(rule_files=[rule_file_from_tests(spec.service)], evaluation_interval="1m", tests=groups)
    comment = "".join(f"# note: {note}\n" for note in notes)
    return header(item.source) + comment + test_file.to_yaml()


def unit_test_files(specs: list[LoadedSpec]) -> dict[str, str]:
    """``{"tests/<service>.test.yaml": text}`` for every spec (picked up by the pipeline)."""
    return {unit_test_file_name(item.spec.service): render_test_file(item) for item in specs}
