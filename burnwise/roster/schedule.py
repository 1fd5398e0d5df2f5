"""Who is on call at any instant, and the list of shifts over a period.

Handoffs are wall-clock times in the rotation's zone ("Monday 09:00 Europe/Berlin"), computed per
shift with zoneinfo, so a DST change moves no handoff: the shift spanning the change is simply an
hour shorter or longer in absolute time, and every other shift keeps its exact length. The
primary is the member of the current shift (after overrides); the backup is the next member who is
not the primary, so the two are never the same person.

A surface may borrow its backup (``backup_from``) or lead (``lead_from``) from another surface:
the backup is then that surface's primary at the same instant (its backup, should that be this
surface's primary), so a small team's single engineer has the platform on-call behind them.
References are checked for cycles when the roster loads (:mod:`burnwise.roster.references`);
``_depth`` only keeps an unchecked roster from recursing forever.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from burnwise.roster.model import FollowTheSunSegment, Roster, Rotation, Surface


@dataclass(frozen=True)
class OnCall:
    """The resolved responders for one surface at one instant (person ids)."""

    surface: str
    segment: str | None
    primary: str | None
    backup: str | None
    lead: str | None
    shift_index: int


@dataclass(frozen=True)
class Shift:
    """A stretch of time during which the same people answer for a surface (UTC bounds)."""

    surface: str
    segment: str | None
    primary: str | None
    backup: str | None
    lead: str | None
    start: datetime
    end: datetime


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("time must be timezone-aware (e.g. 2026-03-29T09:00:00+02:00)")
    return at.astimezone(timezone.utc)


def handoff_at(rotation: Rotation, index: int) -> datetime:
    """Start of shift ``index`` (UTC): the handoff wall-clock time on its local date.

    A handoff time that does not exist that day (inside a spring-forward gap) resolves as zoneinfo
    does for fold=0, i.e. the same absolute instant as on the day before the change.
    """
    local_date = rotation.anchor + timedelta(days=index * rotation.shift_days)
    local = datetime.combine(local_date, rotation.handoff.time, tzinfo=rotation.zone)
    return local.astimezone(timezone.utc)


def shift_index(rotation: Rotation, at: datetime) -> int:
    """Index of the shift running at ``at`` (negative before the anchor date)."""
    at = _require_aware(at)
    local = at.astimezone(rotation.zone)
    days = (local.date() - rotation.anchor).days
    if local.time().replace(tzinfo=None) < rotation.handoff.time:
        days -= 1
    index = days // rotation.shift_days
    # The estimate above is in wall-clock terms; settle it against real instants so a handoff in a
    # DST gap or fold still yields back-to-back shifts with no hole and no overlap.
    while handoff_at(rotation, index) > at:
        index -= 1
    while handoff_at(rotation, index + 1) <= at:
        index += 1
    return index


def rotation_member(rotation: Rotation, at: datetime) -> str:
    return rotation.members[shift_index(rotation, at) % len(rotation.members)]


def active_segment(surface: Surface, at: datetime) -> FollowTheSunSegment | None:
    """The first follow-the-sun segment whose local hours cover ``at``, or None (main rotation)."""
    for segment in surface.follow_the_sun:
        if segment.covers(at.astimezone(segment.zone).time().replace(tzinfo=None)):
            return segment
    return None


def _replacements(roster: Roster, surface: str, at: datetime) -> dict[str, str]:
    """Active overrides for the surface as replaced -> replacement (the first listed wins)."""
    swaps: dict[str, str] = {}
    for override in roster.overrides:
        if override.surface == surface and override.active(at) and override.replaces not in swaps:
            swaps[override.replaces] = override.person
    return swaps


def _borrowed(roster: Roster, name: str | None, at: datetime, depth: int) -> OnCall | None:
    other = roster.surface(name) if name else None
    if other is None or depth > len(roster.surfaces):
        return None
    return on_call(roster, other, at, depth + 1)


def on_call(roster: Roster, surface: Surface, at: datetime, _depth: int = 0) -> OnCall:
    """Primary, backup and lead for ``surface`` at ``at``."""
    at = _require_aware(at)
    index = shift_index(surface.rotation, at)
    segment = active_segment(surface, at)
    pool = segment.members if segment else surface.rotation.members
    swaps = _replacements(roster, surface.name, at)
    ordered = [pool[(index + step) % len(pool)] for step in range(len(pool))] if pool else []
    # Should an override leave fewer than two distinct people in the pool, anyone else on the
    # surface can back up rather than nobody.
    ordered += [m for m in surface.members() if m not in ordered]
    chain = list(dict.fromkeys(swaps.get(member, member) for member in ordered))
    lead = surface.lead
    if surface.lead_rotation is not None and surface.lead_rotation.members:
        lead = rotation_member(surface.lead_rotation, at)
    if lead is not None:
        lead = swaps.get(lead, lead)
    primary = chain[0] if chain else None
    backup = chain[1] if len(chain) > 1 else None
    if (platform := _borrowed(roster, surface.backup_from, at, _depth)) is not None:
        backup = platform.primary if platform.primary != primary else platform.backup
    if (leads := _borrowed(roster, surface.lead_from, at, _depth)) is not None:
        lead = leads.primary
    return OnCall(
        surface=surface.name,
        segment=segment.name if segment else None,
        primary=primary,
        backup=backup,
        lead=lead,
        shift_index=index,
    )


def _utc_offset_changes(zone, start: datetime, end: datetime) -> list[datetime]:
    """Instants in [start, end] where ``zone`` changes its UTC offset (DST), to the second."""
    changes: list[datetime] = []
    low = start.replace(microsecond=0)  # zones change on whole seconds
    while low < end:
        high = min(low + timedelta(days=1), end)
        if low.astimezone(zone).utcoffset() != high.astimezone(zone).utcoffset():
            before, after = low, high
            while after - before > timedelta(seconds=1):
                middle = before + timedelta(seconds=int((after - before).total_seconds()) // 2)
                if middle.astimezone(zone).utcoffset() == before.astimezone(zone).utcoffset():
                    before = middle
                else:
                    after = middle
            changes.append(after)
        low = high
    return changes


def _change_points(roster: Roster, surface: Surface, start: datetime, end: datetime, _depth: int = 0) -> list[datetime]:
    """Every instant in [start, end) where the answer of :func:`on_call` may change."""
    points = {start}
    for name in dict.fromkeys(n for n in (surface.backup_from, surface.lead_from) if n):
        other = roster.surface(name)
        if other is not None and _depth <= len(roster.surfaces):
            points.update(_change_points(roster, other, start, end, _depth + 1))
    rotations = [surface.rotation] + ([surface.lead_rotation] if surface.lead_rotation else [])
    for rotation in rotations:
        index = shift_index(rotation, start) + 1
        while (moment := handoff_at(rotation, index)) < end:
            points.add(moment)
            index += 1
    for segment in surface.follow_the_sun:
        # A segment starts or ends where the local clock crosses one of its bounds: at the bound's
        # instant (both of them on the night a time happens twice) or, when the clock jumps over
        # the bound, at the jump itself.
        points.update(t for t in _utc_offset_changes(segment.zone, start, end) if start < t < end)
        day = start.astimezone(segment.zone).date() - timedelta(days=1)
        while datetime.combine(day, time(0), tzinfo=segment.zone) <= end:
            for bound in segment.hour_range:
                for fold in (0, 1):
                    local = datetime.combine(day, bound, tzinfo=segment.zone).replace(fold=fold)
                    moment = local.astimezone(timezone.utc)
                    if start < moment < end:
                        points.add(moment)
            day += timedelta(days=1)
    for override in roster.overrides:
        if override.surface == surface.name:
            for moment in (override.start, override.end):
                if start < moment < end:
                    points.add(moment.astimezone(timezone.utc))
    return sorted(points)


def shifts(roster: Roster, surface: Surface, start: datetime, end: datetime) -> list[Shift]:
    """The stretches of unchanged responders covering [start, end), in time order.

    The first and last stretch are cut at ``start`` and ``end``; use :func:`handoff_at` for the
    full bounds of a rotation shift.
    """
    start, end = _require_aware(start), _require_aware(end)
    result: list[Shift] = []
    points = _change_points(roster, surface, start, end) + [end]
    for begin, finish in zip(points, points[1:]):
        now = on_call(roster, surface, begin)
        last = result[-1] if result else None
        if last and (last.segment, last.primary, last.backup, last.lead) == (
            now.segment, now.primary, now.backup, now.lead
        ):
            result[-1] = Shift(last.surface, last.segment, last.primary, last.backup, last.lead, last.start, finish)
        else:
            result.append(Shift(surface.name, now.segment, now.primary, now.backup, now.lead, begin, finish))
    return result
