"""Which runbook a run uses: the one named, or the most specific one matching the incident's labels.

Why here and not in the runner: the CLI (``--runbook``), the dry run and automatic runs pick the
runbook the same way, with the same refusal when nothing fits - and the pick must come from the
reviewed catalog only, never from anything the incident or the caller supplies beyond an id.
"""

from __future__ import annotations

from burnwise.errors import BurnwiseError
from burnwise.roster.incident_types import LABEL as TYPE_LABEL
from burnwise.roster.incident_types import incident_type
from burnwise.roster.matching import runbooks_for
from burnwise.roster.runbooks import Runbook, RunbookCatalog


class NoRunbook(BurnwiseError):
    """No runbook in the catalog fits the incident (or the one named does not exist)."""


def incident_labels(incident: dict) -> dict[str, str]:
    """The incident's labels plus its service, SLO and first alert name, as runbook matching reads them."""
    labels = dict(incident.get("labels") or {})
    for key in ("service", "slo"):
        if incident.get(key) and key not in labels:
            labels[key] = str(incident[key])
    alerts = incident.get("alerts") or []
    if "alertname" not in labels and alerts and alerts[0].get("alertname"):
        labels["alertname"] = alerts[0]["alertname"]
    labels[TYPE_LABEL] = incident_type(labels, incident.get("timeline") or [])  # triage's word wins over the label
    return labels


def choose_runbook(catalog: RunbookCatalog, incident: dict, runbook_id: str | None = None) -> Runbook:
    if runbook_id is not None:
        runbook = catalog.get(runbook_id)
        if runbook is None:
            known = ", ".join(sorted(r.id for r in catalog.runbooks))
            raise NoRunbook(f"no runbook {runbook_id!r} in the catalog; known ids: {known}")
        return runbook
    found = runbooks_for(catalog, incident_labels(incident))
    if not found:
        raise NoRunbook(
            f"incident {incident.get('id')}: no runbook matches its labels {incident_labels(incident)}; "
            "name one with --runbook"
        )
    return found[0]
