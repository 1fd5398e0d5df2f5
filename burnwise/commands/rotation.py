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
