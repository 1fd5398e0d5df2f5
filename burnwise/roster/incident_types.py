"""Incident types: what kind of failure an incident is, from an alert label or the triage entry.

Why a closed list: runbooks match on the type, and reports count incidents by type to show
whether automation is taking over (fewer manual steps beyond the runbook over time). A free-text
type would split the counts on every spelling. The alert may say it (label ``incident_type``,
set in the SLO spec's labels); the person triaging may say it (a ``triage`` entry with
``data: {"type": ...}`` - `burnwise incident note --kind triage --type ...`), and the person's
latest word wins over the label. Anything else is ``other``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

IncidentType = Literal["model-degradation", "data-pipeline", "provider-outage", "serving", "other"]
TYPES: tuple[str, ...] = get_args(IncidentType)
#: the alert label that carries the type (and the key runbook matching reads)
LABEL = "incident_type"


def check_type(value: str) -> str:
    if value not in TYPES:
        raise ValueError(f"unknown incident type {value!r}; known types: {', '.join(TYPES)}")
    return value


def from_timeline(entries: Iterable) -> str | None:
    """The type of the latest triage entry that names one (entries or dicts with kind/data)."""
    found = None
    for entry in entries:
        kind = entry.get("kind") if isinstance(entry, Mapping) else entry.kind
        data = (entry.get("data") if isinstance(entry, Mapping) else entry.data) or {}
        if kind == "triage" and data.get("type") in TYPES:
            found = data["type"]
    return found


def incident_type(labels: Mapping[str, str] | None, timeline: Iterable = ()) -> str:
    """Triage's word, else the alert label's (when it is a known type), else ``other``."""
    triaged = from_timeline(timeline)
    if triaged is not None:
        return triaged
    labelled = (labels or {}).get(LABEL)
    return labelled if labelled in TYPES else "other"
