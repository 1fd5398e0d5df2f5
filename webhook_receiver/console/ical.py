"""iCalendar feeds (RFC 5545) of on-call shifts, per surface and per person, for calendar apps.

Why written by hand: a feed is a handful of VEVENTs with UTC times; the format's rules that matter
(CRLF line ends, escaped text, lines folded at 75 octets, a stable UID per shift so a re-fetch
updates events instead of duplicating them) fit in this module. Tests read the feed back with
the ``icalendar`` package.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from burnwise.roster.model import Roster
from burnwise.roster.schedule import Shift, shifts

FEED_DAYS = 56


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\r", "").replace("\n", "\\n")


def _stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    data = line.encode("utf-8")
    parts: list[str] = []
    while len(data) > 75:
        cut = 75 if not parts else 74
        while cut and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode("utf-8"))
        data = data[cut:]
    parts.append(data.decode("utf-8"))
    return "\r\n ".join(parts)


def _event(shift: Shift, role: str, who: str, now: datetime) -> list[str]:
    uid = f"{shift.surface}-{role}-{who}-{_stamp(shift.start)}@burnwise"
    return [
        "BEGIN:VEVENT",
        f"UID:{_text(uid)}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(shift.start)}",
        f"DTEND:{_stamp(shift.end)}",
        f"SUMMARY:{_text(f'{shift.surface} on-call {role}: {who}')}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]


def feed(roster: Roster, now: datetime, *, surface: str | None = None, person: str | None = None, days: int = FEED_DAYS) -> str:
    """The shifts of one surface (every role) or one person (every surface) over ``days``."""
    now = now.astimezone(timezone.utc)
    # from the Monday (UTC) a week before this one: the one shift the window cuts short lies in the
    # past and stays the same all week, so every event keeps its UID from one fetch to the next
    monday = datetime.combine(now.date() - timedelta(days=now.weekday() + 7), datetime.min.time(), tzinfo=timezone.utc)
    end = now + timedelta(days=days)
    name = f"burnwise on-call: {surface or person}"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//burnwise//console//EN", "CALSCALE:GREGORIAN",
             f"X-WR-CALNAME:{_text(name)}"]
    for entry in roster.surfaces:
        if surface is not None and entry.name != surface:
            continue
        for shift in shifts(roster, entry, monday, end):
            for role in ("primary", "backup"):
                who = getattr(shift, role)
                if who and (person is None or who == person):
                    lines += _event(shift, role, who, now)
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
