"""``burnwise oncall validate``: refusals that block a roster change, warnings that inform it.

Refusals: a rotation of fewer than two people, a rotation member (or override stand-in) who has
not passed the training gate as of the day validated (:mod:`burnwise.roster.training`), a surface without a lead, an override or rotation naming an unknown
person, an SLO spec ``owner`` with no surface, and any file that does not load.
Warnings: training that lapses within ``training_policy.warn_days``, a surface with no subject-matter contacts (``smes``), a runbook not reviewed for more than 90 days, time-zone unfairness over the next 12
weeks, and alerts in ``rendered_rules/`` that no runbook matches.

:func:`validate_oncall` is the one entry point, shared by the CLI and ``burnwise check``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from burnwise.roster.fairness import unfair_burdens, unsocial_hours
from burnwise.roster.findings import Finding
from burnwise.roster.load import OncallFileError, load_catalog, load_roster
from burnwise.roster.matching import runbooks_for
from burnwise.roster.model import Roster, RunbookCatalog
from burnwise.roster.references import reference_findings
from burnwise.roster.sources import rendered_alerts, spec_owners
from burnwise.roster.training import gate_expiry, training_gaps

REVIEW_MAX_AGE = timedelta(days=90)
THIN_STAFFING = (
    "Acceptable patterns for a small team: (1) a primary plus an explicit backup - at least two trained "
    "people in rotation.members; (2) a shared rotation with a sibling team - list both teams' trained "
    "people in one rotation; (3) platform on-call as backup - backup_from: <surface> takes the backup "
    "from that surface's rotation"
)


def validate_oncall(
    roster_path: Path | None,
    runbooks_path: Path | None,
    specs_dir: Path | None,
    rules_dir: Path | None,
    now: datetime | None = None,
) -> list[Finding]:
    """Every finding for the roster and catalog; a None path skips the checks that need it."""
    now = now or datetime.now(timezone.utc)
    findings: list[Finding] = []
    roster = catalog = None
    if roster_path is not None:
        try:
            roster = load_roster(Path(roster_path))
        except OncallFileError as exc:
            findings += exc.findings
    if runbooks_path is not None:
        try:
            catalog = load_catalog(Path(runbooks_path))
        except OncallFileError as exc:
            findings += exc.findings
    if roster is not None:
        file = str(roster_path)
        findings += reference_findings(roster, file)
        findings += roster_findings(roster, file, now.date())
        findings += fairness_findings(roster, file, now)
        if specs_dir is not None:
            findings += owner_findings(roster, file, Path(specs_dir))
    if catalog is not None:
        findings += runbook_findings(catalog, str(runbooks_path), roster, now.date())
        if rules_dir is not None:
            findings += unmatched_alert_findings(catalog, str(runbooks_path), Path(rules_dir))
    return findings


def roster_findings(roster: Roster, file: str, today: date | None = None) -> list[Finding]:
    """Rotation size, the training gate and leads, surface by surface."""
    today = today or datetime.now(timezone.utc).date()
    findings: list[Finding] = []
    for s_index, surface in enumerate(roster.surfaces):
        base = f"surfaces[{s_index}]"
        pools = [(f"{base}.rotation.members", surface.rotation.members)]
        pools += [(f"{base}.follow_the_sun[{i}].members", seg.members) for i, seg in enumerate(surface.follow_the_sun)]
        for field, members in pools:
            distinct = list(dict.fromkeys(members))
            if len(distinct) < 2 and not (distinct and surface.backup_from):
                findings.append(Finding(
                    file, field, "refusal",
                    f"surface {surface.name!r} has {len(distinct)} person(s) here: a single-engineer rotation "
                    f"is not a rotation. {THIN_STAFFING}",
                    "rotation-too-small",
                ))
        gated: set[str] = set()
        for field, members in pools:
            for m_index, member in enumerate(members):
                if member not in gated:
                    gated.add(member)
                    findings += _gate(roster, file, f"{field}[{m_index}]", member, surface.name, today)
        if not any(surface.smes.values()):
            findings.append(Finding(
                file, f"{base}.smes", "warning",
                f"surface {surface.name!r} lists no subject-matter contacts: add smes: {{<area>: [<person id>]}} "
                "so a responder knows whom to page for the parts they do not know (database, model, provider ...)",
                "no-smes",
            ))
        borrowed = roster.surface(surface.backup_from) if surface.backup_from else None
        if borrowed is not None and borrowed.name != surface.name:
            for m_index, member in enumerate(borrowed.members()):
                if member not in gated:
                    gated.add(member)
                    gate = _gate(roster, file, f"{base}.backup_from", member, surface.name, today)
                    findings += [Finding(f.file, f.field, f.level, f"{f.message} (backs up {surface.name!r} from "
                                         f"{borrowed.name!r})", f.code) for f in gate]
        lead_rotation = surface.lead_rotation
        if surface.lead is None and surface.lead_from is None and (lead_rotation is None or not lead_rotation.members):
            findings.append(Finding(
                file, f"{base}.lead", "refusal",
                f"surface {surface.name!r} has no lead: set lead: <person id> (or lead_rotation:) so an "
                "unacknowledged page has a last step",
                "no-lead",
            ))
    for o_index, override in enumerate(roster.overrides):
        surface = roster.surface(override.surface)
        if surface is None:
            continue  # reported as an unknown surface
        findings += _gate(roster, file, f"overrides[{o_index}].person", override.person, surface.name, today)
        if override.replaces not in surface.members() and override.replaces != surface.lead:
            findings.append(Finding(
                file, f"overrides[{o_index}].replaces", "warning",
                f"{override.replaces!r} is not on surface {surface.name!r}, so this override changes nothing",
                "override-no-effect",
            ))
    return findings


def _gate(roster: Roster, file: str, field: str, person_id: str, surface: str, today: date) -> list[Finding]:
    person = roster.person(person_id)
    if person is None:
        return []  # reported as an unknown person
    gaps = training_gaps(roster, person, surface, today)
    p_index = roster.people.index(person)
    if not gaps:
        expiry = gate_expiry(roster, person, surface, today)
        left = (expiry - today).days if expiry else None
        if left is not None and left <= roster.training_policy.warn_days:
            return [Finding(
                file, field, "warning",
                f"training of {person_id!r} for surface {surface!r} lapses on {expiry.isoformat()} (in {left} "
                f"day(s)): schedule a drill, walk-through or tooling check under people[{p_index}].training",
                "training-expiring",
            )]
        return []
    return [Finding(
        file, field, "refusal",
        f"{person_id!r} has not passed the training gate for surface {surface!r}: {'; '.join(gaps)}. "
        f"Record the training under people[{p_index}].training or take them off the rotation",
        "untrained",
    )]


def fairness_findings(roster: Roster, file: str, now: datetime) -> list[Finding]:
    findings: list[Finding] = []
    zones = {p.id: p.timezone for p in roster.people}
    policy = roster.fairness
    for s_index, surface in enumerate(roster.surfaces):
        if len(surface.members()) < 2 or any(m not in zones for m in surface.members()):
            continue  # refused already; fairness needs a real rotation
        hours = unsocial_hours(roster, surface, now, policy.weeks)
        for burden in unfair_burdens(hours, policy.ratio, policy.min_excess_hours):
            times = f"{burden.hours / burden.median:.2f}x " if burden.median else ""
            findings.append(Finding(
                file, f"surfaces[{s_index}]", "warning",
                f"{burden.person!r} carries {burden.hours:.0f}h of night/weekend/holiday on-call on surface "
                f"{surface.name!r} over the next {policy.weeks} weeks (in {zones[burden.person]}), {times}the "
                f"rotation median of {burden.median:.0f}h: rebalance with follow_the_sun hours or swaps "
                "(figures: burnwise rotation fairness)",
                "timezone-unfair",
            ))
    return findings


def owner_findings(roster: Roster, file: str, specs_dir: Path) -> list[Finding]:
    surfaces = sorted(s.name for s in roster.surfaces)
    return [
        Finding(
            owner.file, "owner", "refusal",
            f"owner {owner.owner!r} of service {owner.service!r} has no surface in {file}: add a surface "
            f"named {owner.owner!r} or set owner to one of: {', '.join(surfaces)}",
            "owner-without-surface",
        )
        for owner in spec_owners(specs_dir)
        if roster.surface(owner.owner) is None
    ]


def runbook_findings(catalog: RunbookCatalog, file: str, roster: Roster | None, today: date) -> list[Finding]:
    findings: list[Finding] = []
    for r_index, runbook in enumerate(catalog.runbooks):
        age = today - runbook.last_reviewed
        if age > REVIEW_MAX_AGE:
            findings.append(Finding(
                file, f"runbooks[{r_index}].last_reviewed", "warning",
                f"runbook {runbook.id!r} was last reviewed {age.days} days ago (more than "
                f"{REVIEW_MAX_AGE.days}): walk through it, fix what changed, and update last_reviewed",
                "runbook-stale",
            ))
        if roster is not None and roster.surface(runbook.owner) is None:
            findings.append(Finding(
                file, f"runbooks[{r_index}].owner", "warning",
                f"owner {runbook.owner!r} is not a surface in the roster: name the surface that keeps it current",
                "runbook-owner-unknown",
            ))
    return findings


def unmatched_alert_findings(catalog: RunbookCatalog, catalog_file: str, rules_dir: Path) -> list[Finding]:
    findings: list[Finding] = []
    for alert in rendered_alerts(rules_dir):
        labels = {**alert.labels, "alertname": alert.name}
        if runbooks_for(catalog, labels):
            continue
        where = ", ".join(f"{k}={alert.labels[k]}" for k in ("service", "slo") if k in alert.labels)
        findings.append(Finding(
            alert.file, alert.field, "warning",
            f"alert {alert.name!r}{f' ({where})' if where else ''} matches no runbook in {catalog_file}: "
            "add a runbook whose match covers it",
            "alert-without-runbook",
        ))
    return findings
