"""Noisy alerts: alert names that page often, stop on their own within minutes, or nobody acks.

Why ranked by quick self-resolves and unacknowledged pages first: an alert that fires and clears
before anyone can act, or that people have learned to ignore, costs sleep and trust without
preventing harm - the first candidates for tuning (longer windows, a ``for``, a higher factor).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from pydantic import BaseModel

from burnwise.receiver.records import AlertRecord, IncidentRecord

DEFAULT_QUICK = timedelta(minutes=10)
#: An alert name is listed when it fired at least this often, even if every page was handled.
OFTEN = 3


class NoisyAlert(BaseModel):
    alertname: str
    fired: int
    self_resolved_quickly: int
    never_acknowledged: int


def _quick_self_resolve(incident: IncidentRecord, alert: AlertRecord, quick: timedelta) -> bool:
    if alert.ends_at is None or incident.resolved_by != "alertmanager" or incident.acknowledged_at is not None:
        return False
    return alert.ends_at - alert.starts_at <= quick


def noisy_alerts(
    incidents: list[IncidentRecord], alerts: dict[int, list[AlertRecord]], quick: timedelta = DEFAULT_QUICK
) -> list[NoisyAlert]:
    """Candidates for tuning, most suspicious first (then most frequent, then by name)."""
    fired: dict[str, int] = defaultdict(int)
    quick_count: dict[str, int] = defaultdict(int)
    unacked: dict[str, int] = defaultdict(int)
    for incident in incidents:
        for alert in alerts.get(incident.id, []):
            name = alert.alertname or alert.fingerprint
            fired[name] += 1
            quick_count[name] += _quick_self_resolve(incident, alert, quick)
            unacked[name] += incident.route == "page" and incident.acknowledged_at is None
    found = [
        NoisyAlert(alertname=n, fired=fired[n], self_resolved_quickly=quick_count[n], never_acknowledged=unacked[n])
        for n in fired
        if fired[n] >= OFTEN or quick_count[n] or unacked[n]
    ]
    return sorted(found, key=lambda a: (-(a.self_resolved_quickly + a.never_acknowledged), -a.fired, a.alertname))
