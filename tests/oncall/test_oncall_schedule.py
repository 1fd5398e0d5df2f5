"""Who is on call when: rotations across DST, follow-the-sun, overrides, backup != primary."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from burnwise.roster.model import Roster
from burnwise.roster.schedule import handoff_at, on_call, shift_index, shifts
from tests.oncall.oncall_builders import person, roster

UTC = timezone.utc
HOUR = timedelta(hours=1)


def build(doc: dict) -> Roster:
    return Roster.model_validate(doc)


# Zones and the local dates on which their clocks change in 2026 (spring forward, fall back).
DST_ZONES = {
    "Europe/Berlin": ("2026-03-29", "2026-10-25"),
    "America/New_York": ("2026-03-08", "2026-11-01"),
    "Australia/Sydney": ("2026-10-04", "2026-04-05"),  # southern hemisphere: forward in October
}


@pytest.mark.parametrize("zone_name", sorted(DST_ZONES))
def test_weekly_handoffs_keep_wall_clock_time_through_both_dst_changes(zone_name):
    zone = ZoneInfo(zone_name)
    rotation = build(roster(tz=zone_name)).surfaces[0].rotation
    spring, fall = (datetime.fromisoformat(d).date() for d in DST_ZONES[zone_name])
    lengths = {}
    for index in range(52):
        start, end = handoff_at(rotation, index), handoff_at(rotation, index + 1)
        local = start.astimezone(zone)
        assert (local.weekday(), local.time()) == (0, time(9, 0)), f"shift {index} starts {local}"
        assert end.astimezone(zone).date() - local.date() == timedelta(days=7)
        lengths[local.date()] = (end - start) / HOUR
    week_of = lambda day: max(d for d in lengths if d <= day)  # noqa: E731
    assert lengths[week_of(spring)] == 167, "the week clocks go forward is one real hour shorter"
    assert lengths[week_of(fall)] == 169, "the week clocks go back is one real hour longer"
    others = [h for d, h in lengths.items() if d not in (week_of(spring), week_of(fall))]
    assert set(others) == {168}, "no other shift changes length"


@pytest.mark.parametrize("zone_name", ["Europe/Berlin", "America/New_York"])
def test_primary_changes_exactly_at_local_handoff_across_dst(zone_name):
    zone = ZoneInfo(zone_name)
    doc = roster(tz=zone_name)
    directory_roster = build(doc)
    surface = directory_roster.surfaces[0]
    for day in DST_ZONES[zone_name]:
        monday = datetime.fromisoformat(day).date() + timedelta(days=1)  # both are Sundays
        handoff = datetime.combine(monday, time(9, 0), tzinfo=zone)
        before = on_call(directory_roster, surface, handoff - timedelta(minutes=1))
        after = on_call(directory_roster, surface, handoff)
        assert before.primary != after.primary
        assert after.primary == before.backup, "the backup of one week is the next week's primary"
        # one hour either side of the handoff is still the same shift: no drift after the change
        assert on_call(directory_roster, surface, handoff - HOUR).primary == before.primary
        assert on_call(directory_roster, surface, handoff + HOUR).primary == after.primary


@pytest.mark.parametrize(
    "zone_name, change, handoff_time",
    [
        ("Europe/Berlin", "2026-03-29", time(2, 30)),  # 02:30 does not exist that night
        ("Europe/Berlin", "2026-10-25", time(2, 30)),  # 02:30 happens twice that night
        ("America/New_York", "2026-03-08", time(2, 30)),
        ("America/New_York", "2026-11-01", time(1, 30)),
    ],
)
def test_daily_handoff_inside_dst_gap_or_fold_leaves_no_hole_or_overlap(zone_name, change, handoff_time):
    doc = roster(tz=zone_name)
    doc["surfaces"][0]["rotation"].update({"shift": "1d", "handoff": {"time": handoff_time.isoformat()}})
    built = build(doc)
    surface = built.surfaces[0]
    day = datetime.fromisoformat(change).replace(tzinfo=ZoneInfo(zone_name))
    start, end = day - timedelta(days=2), day + timedelta(days=2)
    result = shifts(built, surface, start, end)
    assert result[0].start == start.astimezone(UTC) and result[-1].end == end.astimezone(UTC)
    for earlier, later in zip(result, result[1:]):
        assert earlier.end == later.start
        assert earlier.primary != later.primary
    start_utc = start.astimezone(UTC)  # step in real time, not wall-clock time
    indexes = [shift_index(surface.rotation, start_utc + timedelta(minutes=10 * i)) for i in range(4 * 24 * 6)]
    assert indexes == sorted(indexes) and set(range(indexes[0], indexes[-1] + 1)) == set(indexes)
    full = [r for r in result[1:-1]]
    assert all(timedelta(hours=23) <= r.end - r.start <= timedelta(hours=25) for r in full)


def test_rotation_order_follows_members_and_wraps():
    built = build(roster(members=("alice", "bob", "carol")))
    surface = built.surfaces[0]
    start = datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    seen = [on_call(built, surface, start + timedelta(weeks=w, hours=1)) for w in range(4)]
    assert [s.primary for s in seen] == ["alice", "bob", "carol", "alice"]
    assert [s.backup for s in seen] == ["bob", "carol", "alice", "bob"]
    before = on_call(built, surface, start - timedelta(minutes=1))
    assert before.primary == "carol", "shifts before the start date continue the cycle backwards"


def test_follow_the_sun_picks_members_by_local_hours():
    doc = roster(members=("alice", "bob", "dan", "eve"))
    doc["people"] = [person(p, "Europe/Berlin") for p in ("alice", "bob")] + [
        person(p, "America/Los_Angeles") for p in ("dan", "eve")] + [person("lena", surface=None)]
    doc["surfaces"][0]["follow_the_sun"] = [
        {"name": "emea", "timezone": "Europe/Berlin", "hours": "08:00-20:00", "members": ["alice", "bob"]},
        {"name": "americas", "timezone": "America/Los_Angeles", "hours": "11:00-23:00", "members": ["dan", "eve"]},
    ]
    built = build(doc)
    surface = built.surfaces[0]
    berlin, la = ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles")
    day = on_call(built, surface, datetime(2026, 1, 7, 10, tzinfo=berlin))
    assert (day.segment, day.primary, day.backup) == ("emea", "alice", "bob")
    night = on_call(built, surface, datetime(2026, 1, 7, 22, tzinfo=la))
    assert (night.segment, night.primary, night.backup) == ("americas", "dan", "eve")
    next_week = on_call(built, surface, datetime(2026, 1, 14, 22, tzinfo=la))
    assert (next_week.primary, next_week.backup) == ("eve", "dan")
    # 2026-03-10: the US has moved its clocks, Europe not yet: 07:30 Berlin is 23:30 in LA -> nobody's
    # segment, so the main rotation answers instead of nobody.
    gap = on_call(built, surface, datetime(2026, 3, 10, 7, 30, tzinfo=berlin))
    assert gap.segment is None and gap.primary in surface.rotation.members


def test_follow_the_sun_hours_may_wrap_midnight():
    doc = roster(members=("alice", "bob", "dan", "eve"))
    doc["surfaces"][0]["follow_the_sun"] = [
        {"name": "night", "timezone": "Europe/Berlin", "hours": "20:00-08:00", "members": ["dan", "eve"]},
    ]
    built = build(doc)
    surface = built.surfaces[0]
    berlin = ZoneInfo("Europe/Berlin")
    assert on_call(built, surface, datetime(2026, 1, 7, 23, tzinfo=berlin)).segment == "night"
    assert on_call(built, surface, datetime(2026, 1, 8, 7, 59, tzinfo=berlin)).segment == "night"
    assert on_call(built, surface, datetime(2026, 1, 8, 8, 0, tzinfo=berlin)).segment is None


def _override(doc, person_id, replaces, start, end):
    doc["overrides"].append({"surface": "web", "person": person_id, "replaces": replaces,
                             "start": start.isoformat(), "end": end.isoformat()})


def test_override_replaces_primary_only_inside_its_window():
    doc = roster(members=("alice", "bob", "carol"))
    doc["people"].append(person("zoe"))
    start, end = datetime(2026, 1, 6, 12, tzinfo=UTC), datetime(2026, 1, 7, 12, tzinfo=UTC)
    _override(doc, "zoe", "alice", start, end)
    built = build(doc)
    surface = built.surfaces[0]
    assert on_call(built, surface, start - timedelta(seconds=1)).primary == "alice"
    inside = on_call(built, surface, start)
    assert (inside.primary, inside.backup) == ("zoe", "bob")
    assert on_call(built, surface, end - timedelta(seconds=1)).primary == "zoe"
    assert on_call(built, surface, end).primary == "alice"
    pieces = shifts(built, surface, datetime(2026, 1, 6, tzinfo=UTC), datetime(2026, 1, 8, tzinfo=UTC))
    assert [(p.primary, p.start, p.end) for p in pieces] == [
        ("alice", datetime(2026, 1, 6, tzinfo=UTC), start),
        ("zoe", start, end),
        ("alice", end, datetime(2026, 1, 8, tzinfo=UTC)),
    ]


def test_override_by_the_backup_moves_backup_to_next_person():
    doc = roster(members=("alice", "bob", "carol"))
    at = datetime(2026, 1, 6, 12, tzinfo=UTC)  # alice primary, bob backup
    _override(doc, "bob", "alice", at - HOUR, at + HOUR)
    built = build(doc)
    now = on_call(built, built.surfaces[0], at)
    assert (now.primary, now.backup) == ("bob", "carol")


def test_override_of_the_lead():
    doc = roster()
    doc["people"].append(person("max", surface=None))
    at = datetime(2026, 1, 6, 12, tzinfo=UTC)
    doc["overrides"].append({"surface": "web", "person": "max", "replaces": "lena",
                             "start": (at - HOUR).isoformat(), "end": (at + HOUR).isoformat()})
    built = build(doc)
    assert on_call(built, built.surfaces[0], at).lead == "max"


def test_lead_rotation_takes_turns():
    doc = roster(lead=None, lead_rotation={"members": ["lena", "max"], "shift": "2w", "timezone": "UTC",
                                           "start": "2026-01-05"})
    doc["people"].append(person("max", surface=None))
    built = build(doc)
    surface = built.surfaces[0]
    leads = [on_call(built, surface, datetime(2026, 1, 6, tzinfo=UTC) + timedelta(weeks=w)).lead for w in range(5)]
    assert leads == ["lena", "lena", "max", "max", "lena"]


def test_backup_is_never_the_primary_with_overrides_and_follow_the_sun():
    rng = random.Random(20261125)
    names = ["alice", "bob", "carol", "dan", "eve", "finn"]
    zones = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kolkata"]
    for case in range(12):
        members = rng.sample(names, rng.randint(2, 5))
        doc = roster(members=members, tz=rng.choice(zones))
        doc["people"] = [person(n, rng.choice(zones)) for n in names] + [person("lena", surface=None)]
        if case % 2:
            half = len(members) // 2 or 1
            doc["surfaces"][0]["follow_the_sun"] = [
                {"name": "a", "timezone": rng.choice(zones), "hours": "06:00-18:00", "members": members[:half] + [members[-1]]},
                {"name": "b", "timezone": rng.choice(zones), "hours": "18:00-06:00", "members": members[half:] + [members[0]]},
            ]
        base = datetime(2026, 3, 1, tzinfo=UTC)
        for _ in range(4):
            start = base + timedelta(hours=rng.randint(0, 24 * 40))
            _override(doc, rng.choice(names), rng.choice(members), start, start + timedelta(hours=rng.randint(1, 200)))
        doc["overrides"] = [o for o in doc["overrides"] if o["person"] != o["replaces"]]
        built = build(doc)
        surface = built.surfaces[0]
        for pieces in shifts(built, surface, base, base + timedelta(weeks=8)):
            assert pieces.primary is not None
            assert pieces.backup != pieces.primary, f"case {case}: {pieces}"


def test_shifts_cover_the_period_without_gaps_and_merge_unchanged_stretches():
    built = build(roster())
    surface = built.surfaces[0]
    start = datetime(2026, 2, 1, tzinfo=UTC)
    result = shifts(built, surface, start, start + timedelta(weeks=3))
    assert result[0].start == start and result[-1].end == start + timedelta(weeks=3)
    assert all(a.end == b.start for a, b in zip(result, result[1:]))
    assert len(result) == 4  # partial week, two full weeks, partial week
    # 2026-02-01 is a Sunday in week 3 of a rotation that began Monday 2026-01-05 (alice, bob, carol)
    assert [r.primary for r in result] == ["alice", "bob", "carol", "alice"]
    assert result[1].start == datetime(2026, 2, 2, 8, tzinfo=UTC)  # Monday 09:00 Berlin


def test_naive_times_are_refused():
    built = build(roster())
    with pytest.raises(ValueError, match="timezone-aware"):
        on_call(built, built.surfaces[0], datetime(2026, 1, 6, 12))


@pytest.mark.parametrize(
    "zone_name, change",
    [("Europe/Berlin", "2026-03-29"), ("Europe/Berlin", "2026-10-25"),
     ("Australia/Sydney", "2026-04-05"), ("Australia/Sydney", "2026-10-04")],
)
def test_shift_list_agrees_with_on_call_minute_by_minute_around_dst(zone_name, change):
    """Segment bounds inside the skipped or repeated hour: the listed shifts still say who answers."""
    doc = roster(members=("alice", "bob", "carol", "dan"), tz=zone_name)
    doc["surfaces"][0]["rotation"].update({"shift": "1d", "handoff": {"time": "02:15"}})
    doc["surfaces"][0]["follow_the_sun"] = [
        {"name": "late", "timezone": zone_name, "hours": "20:00-02:30", "members": ["alice", "bob"]},
        {"name": "early", "timezone": zone_name, "hours": "02:45-09:00", "members": ["carol", "dan"]},
    ]
    built = build(doc)
    surface = built.surfaces[0]
    start = datetime.fromisoformat(change).replace(tzinfo=ZoneInfo(zone_name)).astimezone(UTC) - timedelta(hours=6)
    end = start + timedelta(hours=18)
    listed = shifts(built, surface, start, end)
    moment = start
    while moment < end:
        now = on_call(built, surface, moment)
        covering = next(s for s in listed if s.start <= moment < s.end)
        assert (covering.segment, covering.primary, covering.backup) == (now.segment, now.primary, now.backup), moment
        moment += timedelta(minutes=1)
