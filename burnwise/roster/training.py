"""The training gate: nobody carries a pager for a surface they have not practised on.

Passing means at least two drills with at least one taken as primary or backup, a runbook
walk-through for that very surface, and a tooling check (pager app, dashboards, access).
"""

from __future__ import annotations

from burnwise.roster.model import Person

MIN_DRILLS = 2


def training_gaps(person: Person, surface: str) -> list[str]:
    """What ``person`` still lacks to be on call for ``surface`` (empty when they pass)."""
    record = person.training
    gaps: list[str] = []
    if len(record.drills) < MIN_DRILLS:
        gaps.append(f"{len(record.drills)} drill(s) taken, {MIN_DRILLS} needed")
    if not any(d.role in ("primary", "backup") for d in record.drills):
        gaps.append("no drill taken as primary or backup")
    if not any(w.surface == surface for w in record.walkthroughs):
        gaps.append(f"no runbook walk-through for surface {surface!r}")
    if record.tooling_check is None:
        gaps.append("no tooling check")
    return gaps
