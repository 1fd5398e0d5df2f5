"""The incident side of a run: read the incident, write its timeline, escalate - as an interface.

Why an interface: the CLI and the demo reach incidents through the receiver's HTTP API (the
receiver owns side effects like paging), while the receiver itself, running a runbook
automatically, will hand the runner an adapter over its own store. The runner only sees
:class:`Incidents`. :class:`ReceiverClient` is the HTTP implementation; it writes timeline
entries of kind ``runbook`` with the step's facts as data and, talking to an older receiver that
does not accept that kind, falls back to ``mitigation`` with a ``runbook:`` prefix (logged once)
so no step ever goes unrecorded. :class:`burnwise.receiver.runbook_hook.StoreIncidents` is the
receiver's own implementation for automatic runs.
"""

from __future__ import annotations

import logging
from typing import Protocol

import requests

from burnwise.errors import BurnwiseError

log = logging.getLogger("burnwise.runbooks")
TIMELINE_KIND = "runbook"
FALLBACK_KIND = "mitigation"


class IncidentUnavailable(BurnwiseError):
    """The incident cannot be read or written (unknown id, receiver down, token refused)."""


class Incidents(Protocol):
    def get(self, incident_id: int) -> dict:
        """The incident as the receiver's API shows it (status, severity, labels, service, slo, opened_at, escalation_chain, escalation_step)."""

    def add_timeline(self, incident_id: int, text: str, by: str, data: dict | None = None) -> None:
        """Append one ``runbook`` entry (with its facts as ``data``) to the incident's timeline."""

    def escalate(self, incident_id: int, reason: str, by: str) -> str:
        """Page the next role if possible; returns one sentence saying what happened."""


def next_role(incident: dict) -> str | None:
    """``backup Bea Berg`` - who the escalation chain names after the current step, if anyone."""
    chain = incident.get("escalation_chain") or []
    step = int(incident.get("escalation_step") or 0)
    if step + 1 >= len(chain):
        return None
    entry = chain[step + 1]
    contact = entry.get("contact") or {}
    return f"{entry.get('role', 'next role')} {contact.get('name') or contact.get('id') or ''}".strip()


class ReceiverClient:
    """:class:`Incidents` over the receiver's HTTP API (the same calls `burnwise incident` makes)."""

    def __init__(self, base_url: str, token: str | None, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.http = requests.Session()
        if token:
            self.http.headers["Authorization"] = f"Bearer {token}"
        self.kind_fallback = False

    def _call(self, method: str, path: str, body: dict | None = None) -> requests.Response:
        try:
            return self.http.request(method, self.base_url + path, json=body, timeout=self.timeout)
        except requests.RequestException as exc:
            raise IncidentUnavailable(f"cannot reach the receiver at {self.base_url} ({type(exc).__name__})") from None

    @staticmethod
    def _error(response: requests.Response) -> str:
        try:
            data = response.json()
        except ValueError:
            return response.text[:200]
        return str(data.get("error") or data.get("detail") or data)

    def get(self, incident_id: int) -> dict:
        response = self._call("GET", f"/v1/incidents/{incident_id}")
        if response.status_code != 200:
            raise IncidentUnavailable(f"incident {incident_id}: HTTP {response.status_code}: {self._error(response)}")
        return response.json()

    def add_timeline(self, incident_id: int, text: str, by: str, data: dict | None = None) -> None:
        path = f"/v1/incidents/{incident_id}/timeline"
        if not self.kind_fallback:
            body = {"kind": TIMELINE_KIND, "text": text, "by": by} | ({"data": data} if data else {})
            response = self._call("POST", path, body)
            if response.status_code == 201:
                return
            if response.status_code != 400 or "kind" not in self._error(response):
                raise IncidentUnavailable(f"incident {incident_id}: timeline refused: HTTP {response.status_code}: {self._error(response)}")
            self.kind_fallback = True
            log.warning("receiver at %s does not accept timeline kind %r yet; writing %r entries prefixed 'runbook:'",
                        self.base_url, TIMELINE_KIND, FALLBACK_KIND)
        response = self._call("POST", path, {"kind": FALLBACK_KIND, "text": f"runbook: {text}", "by": by})
        if response.status_code != 201:
            raise IncidentUnavailable(f"incident {incident_id}: timeline refused: HTTP {response.status_code}: {self._error(response)}")

    def escalate(self, incident_id: int, reason: str, by: str) -> str:
        response = self._call("POST", f"/v1/incidents/{incident_id}/escalate", {"by": by, "reason": reason})
        if 200 <= response.status_code < 300:
            paged = response.json().get("paged") or {}
            who = f"{paged.get('role', 'the next role')} {paged.get('name', '')}".strip()
            return f"escalated through the receiver: paging {who}"
        incident = self.get(incident_id)
        who = next_role(incident)
        missing = response.status_code in (404, 405) and "incident" not in self._error(response).lower()
        why = ("this receiver has no escalation API (POST /v1/incidents/{id}/escalate)" if missing
               else f"the receiver refused the escalation: HTTP {response.status_code}: {self._error(response)}")
        return f"NOT escalated automatically - {why}; page {who or 'the next responder'} by hand now"
