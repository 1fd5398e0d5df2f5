"""Alert labels -> surface, and alert labels -> runbooks: pure functions over the loaded models."""

from __future__ import annotations

from collections.abc import Mapping

from burnwise.roster.incident_types import LABEL as TYPE_LABEL
from burnwise.roster.matchers import all_match, parse_matcher
from burnwise.roster.model import Roster, Runbook, RunbookCatalog, Surface


def surface_for(roster: Roster, labels: Mapping[str, str]) -> Surface | None:
    """The surface answering for these labels.

    The SLO's ``owner`` label names a surface directly and wins; then a surface listing the
    ``service``; then the first surface (file order) whose label matchers all hold.
    """
    owner = labels.get("owner")
    if owner:
        found = roster.surface(owner)
        if found is not None:
            return found
    service = labels.get("service")
    if service:
        for surface in roster.surfaces:
            if service in surface.services:
                return surface
    for surface in roster.surfaces:
        if surface.matchers and all_match(surface.parsed_matchers, labels):
            return surface
    return None


def runbook_matches(runbook: Runbook, labels: Mapping[str, str]) -> bool:
    """Every criterion the runbook gives must hold; criteria it leaves empty do not constrain."""
    match = runbook.match
    if match.alerts and labels.get("alertname") not in match.alerts:
        return False
    if match.services and labels.get("service") not in match.services:
        return False
    if match.slos and labels.get("slo") not in match.slos:
        return False
    if match.types and labels.get(TYPE_LABEL, "other") not in match.types:
        return False
    return all_match([parse_matcher(m) for m in match.matchers], labels)


def specificity(runbook: Runbook) -> tuple[int, int, int, int]:
    """An alert-name runbook beats an SLO runbook beats a service runbook; types, then matchers break ties."""
    match = runbook.match
    return (bool(match.alerts), bool(match.slos), bool(match.services), len(match.matchers) + bool(match.types))


def runbooks_for(catalog: RunbookCatalog, labels: Mapping[str, str]) -> list[Runbook]:
    """Matching runbooks, most specific first, then by id for a stable order."""
    found = [r for r in catalog.runbooks if runbook_matches(r, labels)]
    return sorted(found, key=lambda r: (tuple(-x for x in specificity(r)), r.id))
