"""Plain-text views of the roster and catalog for the terminal: who, schedule, runbooks.

Kept apart from the CLI so the wording can be tested without parsing arguments, and apart from
the models so they stay free of presentation.
"""

from __future__ import annotations

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from burnwise.roster.directory import Contact, Directory
from burnwise.roster.durations import format_duration
from burnwise.roster.model import Roster, Runbook, RunbookCatalog
from burnwise.roster.schedule import Shift, handoff_at, on_call


def local_time(moment: datetime, zone_name: str) -> str:
    """``2026-11-30 Mon 09:00 CET``: date, weekday and clock as the person reads them."""
    local = moment.astimezone(ZoneInfo(zone_name))
    return local.strftime("%Y-%m-%d %a %H:%M ") + (local.tzname() or zone_name)


def table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows)]
    lines = ["  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip()
             for row in [headers, *rows]]
    return "\n".join(lines)


def _contact_line(role: str, contact: Contact | None, at: datetime) -> str:
    if contact is None:
        return f"  {role:<8} (nobody)"
    reach = ", ".join(x for x in (contact.email, f"pager {contact.pager_id}" if contact.pager_id else None) if x)
    return (f"  {role:<8} {contact.name} ({contact.id})  {reach}  "
            f"[{contact.timezone}, local {local_time(at, contact.timezone)}]")


def who_text(directory: Directory, surface: str, at: datetime) -> str:
    """Everything a responder needs for one surface at ``at``, in their own time."""
    roster = directory.roster
    entry = roster.surface(surface) if roster else None
    responders = directory.responders(surface, at)
    if entry is None or responders is None:
        return f"{surface}: no such surface"
    now = on_call(roster, entry, at)
    lines = [f"{surface} at {at.astimezone(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')}"
             + (f" (follow-the-sun segment {now.segment})" if now.segment else "")]
    for role, contact in (("primary", responders.primary), ("backup", responders.backup), ("lead", responders.lead)):
        lines.append(_contact_line(role, contact, at))
    rotation = entry.rotation
    start, end = handoff_at(rotation, now.shift_index), handoff_at(rotation, now.shift_index + 1)
    lines.append(f"  shift    {local_time(start, rotation.timezone)} -> {local_time(end, rotation.timezone)}")
    for role, contacts in responders.smes.items():
        names = ", ".join(f"{c.name} ({c.id}) {c.email or ''}".rstrip() for c in contacts)
        lines.append(f"  sme      {role}: {names}")
    timeouts = ", ".join(f"{sev} {format_duration(t)}" for sev, t in responders.ack_timeouts.items())
    lines.append(f"  ack      {timeouts}")
    return "\n".join(lines)


def schedule_table(roster: Roster, shifts: list[Shift]) -> str:
    """One row per stretch of unchanged responders, each person's times in their own zone."""
    zones = {p.id: p.timezone for p in roster.people}

    def span(person: str | None, shift: Shift) -> str:
        if person is None or person not in zones:
            return "-"
        return f"{local_time(shift.start, zones[person])} -> {local_time(shift.end, zones[person])}"

    rows = [
        [s.surface, s.segment or "-", s.start.strftime("%Y-%m-%d %H:%M"), s.primary or "-", span(s.primary, s),
         s.backup or "-", span(s.backup, s), s.lead or "-"]
        for s in shifts
    ]
    headers = ["SURFACE", "SEGMENT", "START (UTC)", "PRIMARY", "PRIMARY LOCAL TIME", "BACKUP", "BACKUP LOCAL TIME", "LEAD"]
    return table(headers, rows)


def runbook_text(runbook: Runbook) -> str:
    match = runbook.match
    criteria = [f"{name}: {', '.join(values)}" for name, values in
                (("alerts", match.alerts), ("services", match.services), ("slos", match.slos),
                 ("matchers", match.matchers)) if values]
    lines = [
        f"{runbook.title}",
        f"  id             {runbook.id}",
        f"  url            {runbook.url}",
        f"  owner          {runbook.owner}",
        f"  last reviewed  {runbook.last_reviewed.isoformat()}",
        f"  matches        {'; '.join(criteria)}",
        "",
        "Steps (stop at the first one after which the SLI has recovered):",
    ]
    for number, step in enumerate(runbook.steps, start=1):
        lines += [f"  {number}. {step.action}", f"     check:  {step.verify}", f"     revert: {step.revert}"]
        if step.run is not None:  # what `burnwise runbook run` does (secrets stay ${VAR} references)
            lines.append(f"     runs:   [{step.step_class}] {_action_text(step.run)}; settle {step.settle}"
                         + (f"; check {step.check}" if step.check else ""))
        if step.undo is not None:
            lines.append(f"     undo:   {_action_text(step.undo)}")
    return "\n".join(lines)


def _action_text(action) -> str:
    if action.http is not None:
        return f"HTTP {action.http.method} {action.http.url}"
    if action.command is not None:
        return "command " + " ".join(action.command.argv)
    return f"manual: {action.manual.instructions}"


def runbook_list(catalog: RunbookCatalog) -> str:
    rows = []
    for r in sorted(catalog.runbooks, key=lambda r: r.id):
        match = r.match
        criteria = ", ".join(match.alerts + [f"{s}" for s in match.services]
                             + [f"slo={s}" for s in match.slos] + match.matchers)
        rows.append([r.id, r.owner, r.last_reviewed.isoformat(), criteria, r.title])
    return table(["ID", "OWNER", "REVIEWED", "MATCHES", "TITLE"], rows)
