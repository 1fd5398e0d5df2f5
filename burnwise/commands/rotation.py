"""`burnwise rotation fairness|health|survey`: how the rotation treats the people on it.

`fairness` prints, per surface and person, the on-call hours as primary over the coming weeks that
fall at night, on a weekend or on a holiday - each on that person's own clock - and flags whoever
carries more than the roster's ``fairness.ratio`` times the rotation median (the same rule
`burnwise oncall validate` warns with). `health` and `survey` are the monthly rotation review.
"""

from __future__ import annotations

import argparse
import json
from datetime import timedelta
from pathlib import Path

from burnwise.commands.oncall import _surfaces, add_file_arguments, parse_time
from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Directory


def run_fairness(args: argparse.Namespace) -> int:
    from burnwise.roster.fairness import hours_by_kind, unfair_burdens

    directory = Directory.load(args.roster, None)
    roster = directory.roster
    start = parse_time(args.start, "--from")
    policy = roster.fairness
    weeks = args.weeks or policy.weeks
    if weeks < 1:
        raise BurnwiseError(f"--weeks {weeks}: give a number of weeks of at least 1")
    document = {"from": start.isoformat(), "weeks": weeks, "ratio": policy.ratio,
                "min_excess_hours": policy.min_excess_hours, "surfaces": []}
    for name in _surfaces(directory, args.surface):
        rows = hours_by_kind(roster, roster.surface(name), start, weeks)
        flagged = {b.person: b for b in unfair_burdens({r.person: r.unsocial for r in rows},
                                                       policy.ratio, policy.min_excess_hours)}
        median = _median([r.unsocial for r in rows])
        document["surfaces"].append({
            "surface": name,
            "median_unsocial_hours": median,
            "people": [
                {"person": r.person, "timezone": r.timezone, "hours": r.total, "night": r.night,
                 "weekend": r.weekend, "holiday": r.holiday, "unsocial": r.unsocial,
                 "ratio_to_median": round(r.unsocial / median, 2) if median else None,
                 "flagged": r.person in flagged}
                for r in rows
            ],
        })
    if args.json:
        print(json.dumps(document, indent=2, sort_keys=True))
        return 0
    print(_fairness_text(document))
    return 0


def _median(values: list[float]) -> float:
    import statistics

    return float(statistics.median(values)) if values else 0.0


def _fairness_text(document: dict) -> str:
    from burnwise.roster.render import table

    blocks = [f"On-call hours as primary over {document['weeks']} week(s) from {document['from']}, each in the "
              f"person's own zone (night 22:00-07:00, weekend, holidays); flagged above "
              f"{document['ratio']:g}x the median and {document['min_excess_hours']:g}h more."]
    for surface in document["surfaces"]:
        rows = [[p["person"], p["timezone"], f"{p['hours']:g}", f"{p['night']:g}", f"{p['weekend']:g}",
                 f"{p['holiday']:g}", f"{p['unsocial']:g}",
                 "-" if p["ratio_to_median"] is None else f"{p['ratio_to_median']:g}x",
                 "WARN: above the fairness limit" if p["flagged"] else ""]
                for p in surface["people"]]
        blocks.append(f"{surface['surface']} (median night/weekend/holiday: {surface['median_unsocial_hours']:g}h)\n"
                      + table(["person", "zone", "hours", "night", "weekend", "holiday", "unsocial", "vs median", ""],
                              rows))
    return "\n\n".join(blocks)


DEFAULT_SURVEYS = "oncall/surveys.yaml"


def run_health(args: argparse.Namespace) -> int:
    from burnwise.commands.report_inputs import emit as _emit, load_directory as _directory, open_store as _store
    from burnwise.reports import queries
    from burnwise.reports.health import HealthReport, surface_health
    from burnwise.reports.health_render import render_markdown
    from burnwise.reports.known import check_surface
    from burnwise.reports.timing import iso, parse_instant, parse_window
    from burnwise.roster.surveys import load_surveys

    at = parse_instant(args.at)
    since = at - parse_window(args.since, "--since")
    fatigue = parse_window(args.fatigue_window, "--fatigue-window")
    options = dict(response_sla=parse_window(args.response_sla, "--response-sla"), sla_target=args.sla_target,
                   drill_window=parse_window(args.drill_window, "--drill-window"), fatigue_window=fatigue)
    store, directory = _store(args), _directory(args)
    logged = queries.logged_surfaces(store)
    if args.surface:
        names = [check_surface(args.surface, directory, [], logged)]
    else:
        names = directory.surfaces() if directory and directory.roster else logged
    surveys = load_surveys(args.surveys)
    health = []
    for name in names:
        incidents = queries.incidents_opened(store, name, since, at)
        ids = [i.id for i in incidents]
        recent = [i for i in queries.incidents_opened(store, name, at - fatigue, at) if i.severity == "sev1"]
        health.append(surface_health(name, incidents, queries.pages_of(store, ids), queries.timeline_of(store, ids),
                                     since, at, directory, surveys, recent, **options))
    report = HealthReport(since=iso(since), until=iso(at), month=(at - timedelta(seconds=1)).strftime("%Y-%m"),
                          surfaces=health)
    return _emit(report, render_markdown(report), args.json)


def run_survey(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    from burnwise.reports.known import check_person, check_surface
    from burnwise.roster.surveys import SurveyRecord, record_survey

    directory = Directory.load(args.roster, None)
    check_person(args.person, directory)
    check_surface(args.surface, directory, [], [])
    try:
        record = SurveyRecord(person=args.person, surface=args.surface, month=args.month,
                              satisfaction=args.satisfaction, load=args.load, review=args.review)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BurnwiseError(f"--{first['loc'][0]} {first.get('input')!r}: {first['msg'].removeprefix('Value error, ')}") from None
    records = record_survey(args.surveys, record)
    print(f"recorded {record.person}'s {record.month} survey for {record.surface} in {args.surveys} "
          f"({len(records)} record(s))")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    rotation = subparsers.add_parser("rotation", help="rotation fairness, health review and surveys")
    commands = rotation.add_subparsers(dest="rotation_command", metavar="SUBCOMMAND")
    rotation.set_defaults(func=lambda args: (rotation.print_help(), 2)[1])

    fairness = commands.add_parser("fairness", help="night/weekend/holiday hours per person, in their own zone")
    add_file_arguments(fairness)
    fairness.add_argument("--surface", help="only this surface (default: all)")
    fairness.add_argument("--weeks", type=int, default=None, help="weeks ahead to count (default: the roster's fairness.weeks, 12)")
    fairness.add_argument("--from", dest="start", help="ISO 8601 start time with offset (default: now)")
    fairness.add_argument("--json", action="store_true", help="print JSON")
    fairness.set_defaults(func=run_fairness)

    health = commands.add_parser("health", help="monthly rotation-health review per surface (Markdown or --json)")
    health.add_argument("--since", default="30d", help="window to look back over (default 30d)")
    health.add_argument("--at", default=None, help="end of the window, ISO time (default: now)")
    health.add_argument("--surface", default=None, help="only this surface")
    health.add_argument("--roster", type=Path, default=None, help="roster file (default: the receiver's, else oncall/roster.yaml)")
    health.add_argument("--surveys", type=Path, default=Path(DEFAULT_SURVEYS), help=f"survey records (default {DEFAULT_SURVEYS})")
    health.add_argument("--response-sla", default="15m", help="initial response expected within (default 15m)")
    health.add_argument("--sla-target", type=float, default=90.0, help="percent of incidents within SLA expected (default 90)")
    health.add_argument("--drill-window", default="90d", help="drill participation counts drills within (default 90d)")
    health.add_argument("--fatigue-window", default="24h",
                        help="paged for a sev1 this long before --at and primary again this long after it (default 24h)")
    health.add_argument("--database-url", default=None, help="the receiver's database (default: from its config)")
    health.add_argument("--config", type=Path, default=None, help="receiver config file (default ./receiver.yaml when present)")
    health.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    health.set_defaults(func=run_health)

    survey = commands.add_parser("survey", help="record one person's monthly on-call survey")
    add_file_arguments(survey)
    survey.add_argument("--surveys", type=Path, default=Path(DEFAULT_SURVEYS), help=f"survey records (default {DEFAULT_SURVEYS})")
    survey.add_argument("--person", required=True, help="roster person id")
    survey.add_argument("--surface", required=True, help="the surface they were on call for")
    survey.add_argument("--month", required=True, help="YYYY-MM")
    survey.add_argument("--satisfaction", type=int, required=True, help="1 (burning out) to 5 (sustainable)")
    survey.add_argument("--load", type=int, required=True, help="1 (too light) to 5 (too heavy)")
    survey.add_argument("--review", default=None, help="notes from the on-call experience review")
    survey.set_defaults(func=run_survey)
