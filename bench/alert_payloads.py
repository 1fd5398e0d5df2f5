"""A realistic, deterministic stream of Alertmanager webhook payloads (version 4) for load tests.

What Alertmanager really sends a receiver: notifications for new groups, repeats of groups that
are still firing (``repeat_interval`` and HA pairs: the same alerts again), groups that gain an
alert, and resolves; several alerts per group. The stream keeps a set of open groups and picks
the next action from a seeded random generator, so two runs send the same bytes in the same order.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

#: share of each kind of notification while groups are open
MIX = {"new": 0.3, "repeat": 0.45, "grow": 0.1, "resolve": 0.15}
#: severities every compared receiver accepts: Alerta answers 500 to burnwise's sev1/sev2/sev3
#: ("Severity (sev2) is not one of security, critical, major, ..."), burnwise maps these to sev1/sev2
SEVERITIES = ("critical", "warning")
ZERO_TIME = "0001-01-01T00:00:00Z"


@dataclass
class Group:
    key: str
    labels: dict[str, str]
    alerts: list[dict] = field(default_factory=list)


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _alert(group: Group, index: int, started: datetime, status: str = "firing") -> dict:
    labels = {**group.labels, "instance": f"10.0.{index // 250}.{index % 250}:9090", "pod": f"{group.labels['service']}-{index}"}
    fingerprint = hashlib.sha256(json.dumps(labels, sort_keys=True).encode()).hexdigest()[:16]
    return {
        "status": status,
        "labels": labels,
        "annotations": {
            "summary": f"{labels['alertname']} on {labels['service']}",
            "description": "The error budget is burning at 15.20x the sustainable rate.",
            "runbook_url": f"https://runbooks.example.com/{labels['service']}/{labels['slo']}",
        },
        "startsAt": _stamp(started),
        "endsAt": ZERO_TIME,
        "generatorURL": f"http://prometheus.example.com/graph?g0.expr=slo%3Aburnwise_burn_rate%3Arate1h&service={labels['service']}",
        "fingerprint": fingerprint,
    }


def _notification(group: Group, status: str) -> dict:
    common = dict(group.labels)
    return {
        "version": "4",
        "groupKey": group.key,
        "truncatedAlerts": 0,
        "status": status,
        "receiver": "burnwise",
        "groupLabels": {k: group.labels[k] for k in ("alertname", "service", "slo")},
        "commonLabels": common,
        "commonAnnotations": {},
        "externalURL": "http://alertmanager.example.com:9093",
        "alerts": [dict(a) for a in group.alerts],
    }


def payload_stream(count: int, seed: int = 9, run_id: str = "r") -> list[bytes]:
    """`count` JSON bodies; `run_id` keeps group keys of separate runs apart in one database."""
    rng = random.Random(seed)
    base = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)
    open_groups: list[Group] = []
    out: list[bytes] = []
    serial = 0
    while len(out) < count:
        kinds, weights = zip(*MIX.items())
        kind = rng.choices(kinds, weights)[0] if open_groups else "new"
        moment = base + timedelta(seconds=len(out))
        if kind == "new":
            serial += 1
            service = f"svc{serial % 40:02d}"
            labels = {
                "alertname": f"Svc{serial % 40:02d}BudgetBurn",
                "service": service,
                "slo": ("availability", "latency", "freshness")[serial % 3],
                "severity": rng.choice(SEVERITIES),
                "owner": f"team-{serial % 7}",
                "burnwise_tier": "page",
            }
            group = Group(key=f'{{}}/{{severity=~"^(?:.*)$"}}:{{alertname="{labels["alertname"]}",run="{run_id}",serial="{serial}"}}', labels=labels)
            group.alerts = [_alert(group, i, moment) for i in range(rng.randint(1, 4))]
            open_groups.append(group)
            out.append(json.dumps(_notification(group, "firing")).encode())
        elif kind == "repeat":
            group = rng.choice(open_groups)
            out.append(json.dumps(_notification(group, "firing")).encode())
        elif kind == "grow":
            group = rng.choice(open_groups)
            group.alerts.append(_alert(group, len(group.alerts), moment))
            out.append(json.dumps(_notification(group, "firing")).encode())
        else:
            group = open_groups.pop(rng.randrange(len(open_groups)))
            for alert in group.alerts:
                alert["status"] = "resolved"
                alert["endsAt"] = _stamp(moment)
            out.append(json.dumps(_notification(group, "resolved")).encode())
    return out


def kinds_of(bodies: list[bytes]) -> dict[str, int]:
    """How many bodies are firing / resolved notifications, and alerts in total (for the report)."""
    firing = resolved = alerts = 0
    for body in bodies:
        doc = json.loads(body)
        alerts += len(doc["alerts"])
        if doc["status"] == "firing":
            firing += 1
        else:
            resolved += 1
    return {"firing": firing, "resolved": resolved, "alerts": alerts}
