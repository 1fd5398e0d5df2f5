"""`burnwise handoff|postmortem|regression|report load`: reports from the receiver's incident log.

Why read the database directly (unlike `burnwise incident`, which goes through the receiver's
HTTP API): reports change nothing, need history the API does not page through, and must work
when the receiver is down - the time a postmortem is written is often exactly then.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from burnwise.commands.report_inputs import emit, load_directory, open_store
from burnwise.errors import BurnwiseError

DEFAULT_SPECS = Path("slo_specs")
DEFAULT_RULES = Path("rendered_rules")
DEFAULT_REGRESSIONS = DEFAULT_RULES / "tests" / "regressions"
DEFAULT_HANDOFF_LOG = Path("oncall/handoffs.yaml")


def _common(parser: argparse.ArgumentParser, *, prometheus: bool = False, json_output: bool = True) -> None:
    parser.add_argument(
        "--database-url",
        default=None,
        help="SQLAlchemy URL of the receiver's database (default: the receiver config's database_url, "
        "$BURNWISE_DATABASE_URL, else sqlite:///burnwise.db)",
    )
    parser.add_argument("--config", type=Path, default=None, help="receiver config file (default ./receiver.yaml when present)")
    parser.add_argument("--specs", type=Path, default=DEFAULT_SPECS, help="SLO specs folder (default: slo_specs)")
    if prometheus:
        parser.add_argument("--prometheus", default=None, metavar="URL", help="Prometheus base URL for SLO figures")
    if json_output:
        parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")


def register(subparsers) -> None:
    p = subparsers.add_parser("handoff", help="draft the handoff note for the next primary of a surface")
    _register_handoff_actions(p)
    p.add_argument("--surface", help="roster surface (e.g. payments); required")
    p.add_argument("--since", default="7d", help="window to look back over (default 7d)")
    p.add_argument("--at", default=None, help="write the note as of this ISO time (default: now)")
    p.add_argument("--roster", type=Path, default=None, help="roster file (default: the receiver's, else oncall/roster.yaml)")
    p.add_argument("--quick", default="10m", help="an alert that resolves on its own within this is noisy (default 10m)")
    p.add_argument("--tz", default=None, metavar="ZONE",
                   help="print times in this IANA zone (default: the incoming primary's zone, else UTC)")
    p.add_argument("--log", type=Path, default=DEFAULT_HANDOFF_LOG,
                   help=f"handoff log with annotations and sign-offs (default {DEFAULT_HANDOFF_LOG.as_posix()})")
    _common(p, prometheus=True)
    p.set_defaults(func=run_handoff)

    p = subparsers.add_parser("postmortem", help="draft a blameless postmortem from an incident's timeline")
    p.add_argument("incident", type=int, metavar="INCIDENT_ID")
    p.add_argument("--roster", type=Path, default=None,
                   help="roster file, for owners' names and people named in quotes (default: the receiver's)")
    _common(p, prometheus=True)
    p.set_defaults(func=run_postmortem)

    p = subparsers.add_parser("regression", help="write a promtool test that reproduces an incident's page")
    p.add_argument("incident", type=int, metavar="INCIDENT_ID")
    p.add_argument("--out", type=Path, default=DEFAULT_REGRESSIONS, help=f"folder for the test (default {DEFAULT_REGRESSIONS.as_posix()})")
    p.add_argument("--rules", type=Path, default=DEFAULT_RULES, help="folder of the rendered rule files (default rendered_rules)")
    p.add_argument("--no-verify", action="store_true", help="do not run promtool on the written test")
    _common(p, prometheus=True, json_output=False)
    p.set_defaults(func=run_regression)

    p = subparsers.add_parser("report", help="reports over the incident log (load)")
    kinds = p.add_subparsers(dest="report", metavar="REPORT")
    q = kinds.add_parser("load", help="on-call load per surface and person")
    q.add_argument("--since", default="30d", help="window to look back over (default 30d)")
    q.add_argument("--at", default=None, help="end of the window, ISO time (default: now)")
    q.add_argument("--surface", default=None, help="only this surface")
    q.add_argument("--roster", type=Path, default=None, help="roster file, for rotation members in the fairness figure")
    _common(q)
    q.set_defaults(func=run_load)


def _register_handoff_actions(parser: argparse.ArgumentParser) -> None:
    from burnwise.commands.handoff_actions import register_actions

    register_actions(parser, DEFAULT_HANDOFF_LOG)


# --- commands ----------------------------------------------------------------------------------
def run_handoff(args: argparse.Namespace) -> int:
    from burnwise.reports import handoff, queries
    from burnwise.reports.next_shift import next_shift
    from burnwise.reports.noisy import noisy_alerts
    from burnwise.reports.prometheus import Prometheus
    from burnwise.reports.signals import signal_items
    from burnwise.reports.slos import load_catalog, slos_of_surface
    from burnwise.reports.timing import parse_instant, parse_window, parse_zone
    from burnwise.reports.watch import watch_items

    from burnwise.reports.known import check_surface

    from burnwise.reports.handoff_log import load_log

    if not args.surface:
        raise BurnwiseError("--surface is required: name the roster surface the handoff is for (e.g. payments)")
    zone = parse_zone(args.tz) if args.tz else None
    at = parse_instant(args.at)
    since = at - parse_window(args.since, "--since")
    quick = parse_window(args.quick, "--quick")
    store, directory = open_store(args), load_directory(args)
    catalog = load_catalog(args.specs)
    check_surface(args.surface, directory, catalog, queries.logged_surfaces(store))
    incidents = queries.incidents_touching(store, args.surface, since, at)
    timelines = queries.timeline_of(store, [i.id for i in incidents])
    changes = queries.timeline_entries(store, args.surface, ("mitigation", "deploy"), at - handoff.RECENT_CHANGES, at)
    opened = [i for i in incidents if i.opened_at >= since]
    noisy = noisy_alerts(opened, queries.alerts_of(store, [i.id for i in opened]), quick)
    roster = directory.roster if directory else None
    entry = roster.surface(args.surface) if roster else None
    refs = slos_of_surface(catalog, args.surface, entry.services if entry else None)
    watch = watch_items(Prometheus(args.prometheus), refs, at)
    signals = signal_items(Prometheus(args.prometheus), entry.watch if entry else [], since, at)
    from burnwise.reports.deploy_records import deploys_in
    from burnwise.reports.policy_breaches import breaches_in
    from burnwise.reports.runbook_runs import runs_in_progress

    services = sorted({r.spec.service for r in refs} | set(entry.services if entry and entry.services else [])
                      | {i.service for i in incidents if i.service})
    live = [i.id for i in incidents if i.status in ("open", "acknowledged")]
    note = handoff.handoff_note(args.surface, at, since, incidents, timelines, changes, noisy, watch,
                                next_shift(directory, args.surface, at), zone, signals,
                                load_log(args.log).surfaces.get(args.surface),
                                runbook_runs=runs_in_progress(store, timelines, live),
                                deploys=deploys_in(store, at - handoff.RECENT_CHANGES, at, services),
                                breaches=breaches_in(store, since, at, args.surface))
    return emit(note, handoff.render_markdown(note), args.json)


def _plan(detail, catalog):
    from burnwise.reports.regression import paging_alert, plan_regression
    from burnwise.reports.slos import find_slo

    alert = paging_alert(detail)
    ref = find_slo(catalog, alert.labels.get("service"), alert.labels.get("slo"))
    return plan_regression(detail, ref), ref


def run_postmortem(args: argparse.Namespace) -> int:
    from burnwise.reports import postmortem, queries
    from burnwise.reports.prometheus import Prometheus
    from burnwise.reports.slos import find_slo, load_catalog
    from burnwise.reports.watch import budget_consumed

    from burnwise.reports.deploy_records import BEFORE_INCIDENT, deploys_in

    store = open_store(args)
    detail = queries.incident_detail(store, args.incident)
    catalog = load_catalog(args.specs)
    ref = find_slo(catalog, detail.service, detail.slo)
    start = min((a.starts_at for a in detail.alerts), default=detail.opened_at)
    end = detail.resolved_at or max((a.last_seen_at for a in detail.alerts), default=detail.opened_at)
    budget = budget_consumed(Prometheus(args.prometheus), ref, start, end)
    command = f"burnwise regression {detail.id}"
    try:
        plan, _ = _plan(detail, catalog)
        section = postmortem.RegressionSection(available=True, command=command, plan=plan)
    except BurnwiseError as exc:
        section = postmortem.RegressionSection(available=False, command=command, note=str(exc))
    objective = float(ref.slo.objective) if ref else None
    directory = load_directory(args)
    people = [(p.id, p.name) for p in directory.roster.people] if directory and directory.roster else []
    deploys = deploys_in(store, detail.opened_at - BEFORE_INCIDENT, end if detail.resolved_at else _now(),
                         [detail.service] if detail.service else None)
    report = postmortem.postmortem(detail, objective, budget, section, people, deploys)
    return emit(report, postmortem.render_markdown(report), args.json)


def _now():
    from datetime import datetime, timezone

    return datetime.now(timezone.utc)


def run_regression(args: argparse.Namespace) -> int:
    from burnwise.generator.promtool import Promtool, PromtoolNotFound
    from burnwise.reports import queries
    from burnwise.reports.prometheus import Prometheus, PrometheusUnavailable
    from burnwise.reports.regression import plan_from_prometheus, write_case
    from burnwise.reports.slos import load_catalog

    detail = queries.incident_detail(open_store(args), args.incident)
    plan, ref = _plan(detail, load_catalog(args.specs))
    if args.prometheus:
        try:
            measured = plan_from_prometheus(detail, ref, Prometheus(args.prometheus))
        except PrometheusUnavailable as exc:
            print(f"note: {exc}; shaping the case from the alert's value and duration instead")
        else:
            if measured is None:
                print("note: Prometheus has no error-ratio data for the incident's time; "
                      "shaping the case from the alert's value and duration instead")
            else:
                plan = measured
    path = write_case(plan, ref, args.out, args.rules)
    print(f"wrote {path.as_posix()}: {plan.alertname} must fire again at {plan.severity}")
    if plan.noisy:
        print(f"flagged: {plan.noisy}")
    if args.no_verify:
        return 0
    try:
        promtool = Promtool.find()
    except PromtoolNotFound as exc:
        print(f"not verified: {exc}")
        return 0
    result = promtool.test_rules([path])
    if not result.ok:
        raise BurnwiseError(
            f"{path.as_posix()} does not pass against the rules in {args.rules.as_posix()}:\n{result.format()}\n"
            "the reconstruction does not page with the current rules; check the SLI queries or edit the case by hand"
        )
    print(f"verified with promtool against {args.rules.as_posix()}: passes")
    return 0


def run_load(args: argparse.Namespace) -> int:
    from burnwise.reports import queries
    from burnwise.reports.load import load_report, render_markdown
    from burnwise.reports.timing import parse_instant, parse_window

    at = parse_instant(args.at)
    since = at - parse_window(args.since, "--since")
    store, directory = open_store(args), load_directory(args)
    if args.surface is not None:
        from burnwise.reports.known import check_surface
        from burnwise.reports.slos import load_catalog

        check_surface(args.surface, directory, load_catalog(args.specs), queries.logged_surfaces(store))
    incidents = queries.incidents_opened(store, args.surface, since, at)
    ids = [i.id for i in incidents]
    report = load_report(incidents, queries.pages_of(store, ids), queries.timeline_of(store, ids), since, at,
                         args.surface, directory)
    return emit(report, render_markdown(report), args.json)
