"""Cross-references inside the roster: every person and surface a record names must exist.

Unknown people and override surfaces are refusals both for ``burnwise oncall validate`` and for
:meth:`Directory.load`: a page cannot be routed to somebody the roster does not know. A
walk-through for an unknown surface only warns: it harms nobody, it just counts for nothing.
"""

from __future__ import annotations

from burnwise.roster.findings import Finding
from burnwise.roster.model import Roster, Rotation


def reference_findings(roster: Roster, file: str) -> list[Finding]:
    known = {p.id for p in roster.people}
    surfaces = {s.name for s in roster.surfaces}
    findings: list[Finding] = []

    def person(field: str, person_id: str, what: str = "person") -> None:
        if person_id not in known:
            findings.append(Finding(
                file, field, "refusal",
                f"unknown {what} {person_id!r}: add them under people: or fix the id (known: "
                f"{', '.join(sorted(known))})", "unknown-person",
            ))

    def rotation(prefix: str, rot: Rotation) -> None:
        for i, member in enumerate(rot.members):
            person(f"{prefix}.members[{i}]", member)

    for s_index, surface in enumerate(roster.surfaces):
        base = f"surfaces[{s_index}]"
        rotation(f"{base}.rotation", surface.rotation)
        for g_index, segment in enumerate(surface.follow_the_sun):
            for m_index, member in enumerate(segment.members):
                person(f"{base}.follow_the_sun[{g_index}].members[{m_index}]", member)
        if surface.lead is not None:
            person(f"{base}.lead", surface.lead)
        if surface.lead_rotation is not None:
            rotation(f"{base}.lead_rotation", surface.lead_rotation)
        for key in ("backup_from", "lead_from"):
            other = getattr(surface, key)
            if other is None:
                continue
            if other == surface.name or other not in surfaces:
                findings.append(Finding(
                    file, f"{base}.{key}", "refusal",
                    f"{key} {other!r} must name another surface: one of "
                    f"{', '.join(sorted(surfaces - {surface.name})) or 'none'}",
                    "unknown-surface",
                ))
            elif (cycle := _cycle(roster, surface.name, key)) is not None:
                findings.append(Finding(
                    file, f"{base}.{key}", "refusal",
                    f"{key} goes round in a circle ({' -> '.join(cycle)}): one of these surfaces must have its "
                    "own backup or lead",
                    "borrow-cycle",
                ))
        for role, people in sorted(surface.smes.items()):
            for m_index, member in enumerate(people):
                person(f"{base}.smes.{role}[{m_index}]", member)

    for o_index, override in enumerate(roster.overrides):
        base = f"overrides[{o_index}]"
        if override.surface not in surfaces:
            findings.append(Finding(
                file, f"{base}.surface", "refusal",
                f"unknown surface {override.surface!r}: use one of {', '.join(sorted(surfaces))}",
                "unknown-surface",
            ))
        person(f"{base}.person", override.person)
        person(f"{base}.replaces", override.replaces)

    for d_index, drill in enumerate(roster.drills):
        base = f"drills[{d_index}]"
        if drill.surface not in surfaces:
            findings.append(Finding(
                file, f"{base}.surface", "warning",
                f"unknown surface {drill.surface!r} for this drill record: use one of "
                f"{', '.join(sorted(surfaces))}",
                "unknown-surface",
            ))
        for i, part in enumerate(drill.participants):
            person(f"{base}.participants[{i}].person", part.person)

    for p_index, entry in enumerate(roster.people):
        for w_index, walk in enumerate(entry.training.walkthroughs):
            if walk.surface not in surfaces:
                findings.append(Finding(
                    file, f"people[{p_index}].training.walkthroughs[{w_index}].surface", "warning",
                    f"unknown surface {walk.surface!r}: this walk-through counts for no surface; use one of "
                    f"{', '.join(sorted(surfaces))}",
                    "unknown-surface",
                ))
    return findings


def _cycle(roster: Roster, start: str, key: str) -> list[str] | None:
    """The chain of ``key`` (backup_from or lead_from) from ``start`` when it comes back to a surface."""
    seen = [start]
    current = roster.surface(start)
    while current is not None and getattr(current, key):
        name = getattr(current, key)
        if name in seen:
            return seen + [name]
        seen.append(name)
        current = roster.surface(name)
    return None
