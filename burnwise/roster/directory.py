"""The small interface the receiver uses to enrich a page: surface, responders, runbooks.

The receiver depends only on this module's types (:class:`Directory`, :class:`Responders`,
:class:`Contact`, :class:`RunbookLink`), never on the roster's file format, so the roster can grow
without touching ingest. ``Directory.empty()`` is the zero-set-up case: no roster configured, every
page goes to the default routing key with no named people.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from burnwise.roster.durations import parse_duration
from burnwise.roster.load import OncallFileError, load_catalog, load_roster
from burnwise.roster.matching import runbooks_for as match_runbooks
from burnwise.roster.matching import surface_for as match_surface
from burnwise.roster.model import Roster, RunbookCatalog
from burnwise.roster.references import reference_findings
from burnwise.roster.schedule import on_call

DEFAULT_ACK_TIMEOUTS: dict[str, timedelta] = {
    "sev1": timedelta(minutes=5),
    "sev2": timedelta(minutes=10),
}


def files_version(*paths: Path | None) -> str | None:
    """A short content hash of the roster (and runbook) files: the roster version pages carry."""
    digest = hashlib.sha256()
    found = False
    for path in paths:
        if path is None:
            continue
        found = True
        digest.update(Path(path).read_bytes() + b"\0")
    return digest.hexdigest()[:12] if found else None


@dataclass(frozen=True)
class Contact:
    """One person as a responder needs them: how to reach them and what time it is for them."""

    id: str
    name: str
    email: str | None = None
    pager_id: str | None = None
    timezone: str = "UTC"

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "pager_id": self.pager_id,
            "timezone": self.timezone,
        }


@dataclass(frozen=True)
class Responders:
    """Who answers for a surface at one instant, and how long each may take to acknowledge."""

    surface: str
    primary: Contact | None
    backup: Contact | None
    lead: Contact | None
    smes: Mapping[str, tuple[Contact, ...]] = field(default_factory=dict)
    ack_timeouts: Mapping[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_ACK_TIMEOUTS))
    routing_key: str | None = None
    #: the content hash of the roster files these responders were read from (None without files)
    roster_version: str | None = None

    def escalation_chain(self) -> list[tuple[str, Contact]]:
        """Primary, then backup, then lead: the order an unacknowledged page walks."""
        chain = [("primary", self.primary), ("backup", self.backup), ("lead", self.lead)]
        return [(role, person) for role, person in chain if person is not None]

    def to_json(self) -> dict:
        return {
            "surface": self.surface,
            "primary": self.primary.to_json() if self.primary else None,
            "backup": self.backup.to_json() if self.backup else None,
            "lead": self.lead.to_json() if self.lead else None,
            "smes": {role: [c.to_json() for c in people] for role, people in sorted(self.smes.items())},
            "ack_timeouts_seconds": {
                sev: int(t.total_seconds()) for sev, t in sorted(self.ack_timeouts.items())
            },
        } | ({"roster_version": self.roster_version} if self.roster_version else {})


@dataclass(frozen=True)
class RunbookLink:
    """A runbook as attached to a page: enough to open it, nothing to keep in sync."""

    id: str
    title: str
    url: str

    def to_json(self) -> dict:
        return {"id": self.id, "title": self.title, "url": self.url}


class Directory:
    """Surface lookup, on-call resolution and runbook matching over a loaded roster and catalog."""

    def __init__(self, roster: Roster | None = None, runbooks: RunbookCatalog | None = None, version: str | None = None) -> None:
        self._roster = roster
        self._runbooks = runbooks
        #: content hash of the files loaded (see :func:`files_version`); pages carry it
        self.version = version

    @classmethod
    def empty(cls) -> "Directory":
        return cls()

    @classmethod
    def load(cls, roster_path: Path | None, runbooks_path: Path | None) -> "Directory":
        """Load and validate the YAML files; raises burnwise.errors.BurnwiseError naming file and field.

        Shape errors and references to unknown people or surfaces refuse to load (a page cannot go
        to somebody the roster does not know). The softer gates (training, fairness, stale
        runbooks) are ``burnwise oncall validate``'s, so a receiver keeps paging while a roster
        change is reviewed. Either path may be None to go without that file.
        """
        roster = load_roster(Path(roster_path)) if roster_path is not None else None
        if roster is not None:
            problems = [f for f in reference_findings(roster, str(roster_path)) if f.is_refusal]
            if problems:
                raise OncallFileError(problems)
        catalog = load_catalog(Path(runbooks_path)) if runbooks_path is not None else None
        return cls(roster, catalog, files_version(roster_path, runbooks_path))

    @property
    def roster(self) -> Roster | None:
        return self._roster

    @property
    def catalog(self) -> RunbookCatalog | None:
        return self._runbooks

    def surfaces(self) -> list[str]:
        """Surface names in roster order (empty without a roster)."""
        return [s.name for s in self._roster.surfaces] if self._roster else []

    def surface_for(self, labels: Mapping[str, str]) -> str | None:
        """The surface whose services/matchers cover these alert labels (``owner`` first, then ``service``)."""
        if self._roster is None:
            return None
        found = match_surface(self._roster, labels)
        return found.name if found else None

    def responders(self, surface: str, at: datetime) -> Responders | None:
        """Primary, backup, lead, SMEs, ack timeouts and routing key for ``surface`` at ``at``."""
        if self._roster is None:
            return None
        entry = self._roster.surface(surface)
        if entry is None:
            return None
        now = on_call(self._roster, entry, at)
        timeouts = dict(DEFAULT_ACK_TIMEOUTS)
        timeouts.update({sev: parse_duration(text) for sev, text in entry.ack_timeouts.items()})
        routing_key = entry.routing_key
        if entry.routing_key_env:
            routing_key = os.environ.get(entry.routing_key_env) or routing_key
        return Responders(
            surface=entry.name,
            primary=self._contact(now.primary),
            backup=self._contact(now.backup),
            lead=self._contact(now.lead),
            smes={
                role: tuple(c for c in (self._contact(pid) for pid in people) if c is not None)
                for role, people in sorted(entry.smes.items())
            },
            ack_timeouts=dict(sorted(timeouts.items())),
            routing_key=routing_key,
            roster_version=self.version,
        )

    def runbooks_for(self, labels: Mapping[str, str]) -> list[RunbookLink]:
        """Runbooks whose alert/service/SLO matchers cover these labels, most specific first."""
        if self._runbooks is None:
            return []
        return [RunbookLink(r.id, r.title, r.url) for r in match_runbooks(self._runbooks, labels)]

    def _contact(self, person_id: str | None) -> Contact | None:
        if person_id is None or self._roster is None:
            return None
        person = self._roster.person(person_id)
        if person is None:
            return None
        return Contact(
            id=person.id,
            name=person.name,
            email=person.email,
            pager_id=person.pager_id,
            timezone=person.timezone,
        )
