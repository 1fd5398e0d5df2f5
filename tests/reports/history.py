"""A test roster and an incident history over two weeks, recorded through the receiver's Store.

Why the Store and not only the HTTP API: the receiver stamps every change with the wall clock,
so history over days cannot be posted through its API. The Store's public methods (the ones the
API calls) take an explicit ``now=``, and the payloads carry real ``startsAt``/``endsAt``, so the
records are exactly what a receiver would have written on those days.

The roster hands off daily at 09:00 UTC from Monday 2026-11-02, members alternating, so who is
primary at any instant is easy to work out by hand: shift index = days since the anchor (minus
one before 09:00), primary = members[index % 2]. Each incident below notes its primary.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import yaml
from burnwise.receiver.models import Notification
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import Store

from burnwise.roster.directory import Directory
from tests.webhook_receiver.receiver_testlib import alert, notification

REPORT_AT = datetime(2026, 11, 21, 12, 0, tzinfo=timezone.utc)  # a Saturday; carla is primary
POLICY = PagingPolicy(base_url="http://receiver.test")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def roster_doc(sev1_timeout: str = "5m") -> dict:
    def person(pid, name, tz, drills=()):
        return {"id": pid, "name": name, "email": f"{pid}@example.test", "timezone": tz,
                "training": {"drills": [{"date": d, "role": r} for d, r in drills]}}

    def surface(name, services, members, timeouts):
        return {
            "name": name,
            "services": services,
            "rotation": {"members": members, "shift": "1d", "handoff": {"weekday": "monday", "time": "09:00"},
                         "timezone": "UTC", "start": "2026-11-02"},
            "lead": "lena",
            "ack_timeouts": timeouts,
            "routing_key": "R" * 32,
        }

    return {
        "people": [
            person("anna", "Anna Becker", "Europe/Berlin", [("2026-11-22", "primary")]),
            person("carla", "Carla Mendes", "America/New_York", [("2026-11-25", "backup")]),
            person("farah", "Farah Haddad", "Europe/Berlin"),
            person("kenji", "Kenji Sato", "Asia/Tokyo"),
            person("lena", "Lena Wolf", "Asia/Tokyo"),
        ],
        "surfaces": [
            surface("payments", ["checkout"], ["anna", "carla"], {"sev1": sev1_timeout, "sev2": "15m"}),
            surface("search", ["search"], ["farah", "kenji"], {"sev1": sev1_timeout, "sev2": "30m"}),
        ],
        "overrides": [],
    }


def write_roster(directory: Path, **kwargs) -> Path:
    path = directory / "roster.yaml"
    path.write_text(yaml.safe_dump(roster_doc(**kwargs), sort_keys=True))
    return path


def burn_alert(name: str, service: str, slo: str, severity: str, starts_at: datetime, burn: float,
               status: str = "firing", ends_at: datetime | None = None) -> dict:
    """An alert as burnwise's rules word it (the burn rate in its annotation and its summary)."""
    item = alert(name=name, status=status, severity=severity, starts_at=starts_at, service=service,
                 fingerprint=f"fp-{name}-{severity}")
    item["labels"].update({"slo": slo, "burnwise_tier": "page", "owner": "payments" if service == "checkout" else service})
    item["annotations"] = {
        "summary": f"{service} {slo}: error budget burning {burn}x too fast ({severity} page)",
        "burnwise_burn_rate": str(burn),
        "runbook_url": f"https://runbooks.example.test/{service}/{slo}",
    }
    if ends_at is not None:
        item["endsAt"] = ends_at.isoformat().replace("+00:00", "Z")
    return item


@dataclass
class Step:
    after: timedelta
    action: str  # ack, escalate, mitigation, deploy, note, triage, resolve, alert_resolved
    by: str = ""
    text: str = ""


@dataclass
class Seed:
    key: str
    name: str
    service: str
    slo: str
    severity: str
    opened: datetime
    burn: float
    steps: list[Step] = field(default_factory=list)


def M(minutes: float) -> timedelta:  # noqa: N802 - reads like a unit in the tables below
    return timedelta(minutes=minutes)


SEEDS: list[Seed] = [
    # P1 Tue 03:00Z, primary carla (New York 22:00 Mon: out of hours); acked in 3m
    Seed("P1", "CheckoutAvailabilityBudgetBurn", "checkout", "availability", "sev1", utc("2026-11-10T03:00"), 16.2,
         [Step(M(3), "ack", "carla"), Step(M(25), "resolve", "carla")]),
    # P2 Thu 14:00Z, primary anna (Berlin 15:00); not acked in 5m -> backup carla; carla acks at 8m
    Seed("P2", "CheckoutAvailabilityBudgetBurn", "checkout", "availability", "sev1", utc("2026-11-12T14:00"), 18.5,
         [Step(M(5), "escalate"), Step(M(8), "ack", "carla"), Step(M(12), "deploy", "carla", "rollback of checkout v42"),
          Step(M(15), "mitigation", "carla", "failed over to the second payment provider"),
          Step(M(40), "resolve", "carla")]),
    # P3 Sat 23:30Z, primary anna (Berlin 00:30 Sun): fires and clears in 4m, nobody acks
    Seed("P3", "CheckoutLatencyBudgetBurn", "checkout", "latency", "sev2", utc("2026-11-14T23:30"), 7.0,
         [Step(M(4), "alert_resolved")]),
    # P4 Sun 23:40Z, primary carla (New York 18:40 Sun): the same alert, clears in 3m
    Seed("P4", "CheckoutLatencyBudgetBurn", "checkout", "latency", "sev2", utc("2026-11-15T23:40"), 6.5,
         [Step(M(3), "alert_resolved")]),
    # P5 Wed 14:00Z, primary anna (Berlin 15:00); acked in 1m, mitigated, deployed, resolved
    Seed("P5", "CheckoutAvailabilityBudgetBurn", "checkout", "availability", "sev1", utc("2026-11-18T14:00"), 30.0,
         [Step(M(1), "ack", "anna"), Step(M(10), "mitigation", "anna", "raised the connection pool"),
          Step(M(20), "deploy", "anna", "checkout v43 with pool fix"),
          Step(M(22), "note", "anna", "follow-up: add a canary for payment-provider timeouts"),
          Step(M(23), "note", "anna", "follow-up: page text names the provider"),
          Step(M(28), "note", "anna", "follow-up done: page text names the provider"),
          Step(M(30), "resolve", "anna")]),
    # P6 Fri 08:00Z, primary carla (New York 03:00 Fri); acked in 10m (sev2 timeout 15m); still open
    Seed("P6", "CheckoutAvailabilityBudgetBurn", "checkout", "availability", "sev2", utc("2026-11-20T08:00"), 8.0,
         [Step(M(10), "ack", "carla"), Step(M(12), "triage", "carla", "errors only from the EU region")]),
    # S1 Wed 20:00Z, primary kenji (Tokyo 05:00 Thu); escalates to farah (Berlin 21:05 Wed) who acks at 7m
    Seed("S1", "SearchLatencyBudgetBurn", "search", "latency", "sev1", utc("2026-11-11T20:00"), 20.0,
         [Step(M(5), "escalate"), Step(M(7), "ack", "farah"), Step(M(60), "resolve", "farah")]),
    # S2 Thu 12:00Z, primary kenji (Tokyo 21:00); acked in 2m, alert clears at 20m
    Seed("S2", "SearchLatencyBudgetBurn", "search", "latency", "sev2", utc("2026-11-19T12:00"), 9.0,
         [Step(M(2), "ack", "kenji"), Step(M(20), "alert_resolved")]),
]

DETECT_DELAY = M(2)  # the alert started firing this long before the receiver got it


def seed_history(store: Store, directory: Directory, seeds: list[Seed] = SEEDS) -> dict[str, int]:
    """Record every seed in time order; returns seed key -> incident id."""
    ids: dict[str, int] = {}
    events = []
    for seed in seeds:
        events.append((seed.opened, 0, seed, None))
        for order, step in enumerate(seed.steps, start=1):
            events.append((seed.opened + step.after, order, seed, step))
    for at, _order, seed, step in sorted(events, key=lambda e: (e[0], e[1], e[2].key)):
        starts = seed.opened - DETECT_DELAY
        if step is None:
            payload = notification(f"group-{seed.key}", [burn_alert(seed.name, seed.service, seed.slo, seed.severity,
                                                                     starts, seed.burn)])
            result = store.ingest(Notification.model_validate(payload), directory, POLICY, now=at)
            ids[seed.key] = result.opened[0]
            continue
        incident = ids[seed.key]
        if step.action == "ack":
            store.acknowledge(incident, step.by, POLICY, now=at)
        elif step.action == "escalate":
            assert store.escalate(incident, POLICY, now=at), f"{seed.key} did not escalate at {at}"
        elif step.action == "resolve":
            store.resolve(incident, step.by, POLICY, text=step.text or None, now=at)
        elif step.action == "alert_resolved":
            payload = notification(f"group-{seed.key}", [burn_alert(seed.name, seed.service, seed.slo, seed.severity,
                                                                     starts, seed.burn, status="resolved", ends_at=at)])
            store.ingest(Notification.model_validate(payload), directory, POLICY, now=at)
        else:
            store.add_timeline(incident, step.action, step.text, step.by, now=at)
    return ids
