"""Error-budget policy breaches in the handoff: which SLOs of the surface were frozen, and what it stopped.

Why in the handoff: a frozen SLO changes what the next shift may ship and what it should watch;
the receiver keeps each report of the deploy gate (:mod:`burnwise.receiver.budget_breaches`), and
the handoff groups them per SLO: how often the gate refused a change, the last budget figure.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from pydantic import BaseModel

from burnwise.receiver.budget_breaches import breaches_between
from burnwise.receiver.store import Store
from burnwise.reports.timing import iso


class BreachLine(BaseModel):
    service: str
    slo: str
    reports: int
    refused: int
    last_at: str
    last_budget_remaining: float | None
    freeze_below: float
    policy_source: str


def breaches_in(store: Store, start: datetime, end: datetime, surface: str) -> list[BreachLine]:
    if not sa.inspect(store.engine).has_table("budget_breaches"):
        return []
    with store.engine.connect() as conn:
        records = breaches_between(conn, start, end, surface)
    grouped: dict[tuple[str, str], list] = {}
    for record in records:
        grouped.setdefault((record.service, record.slo), []).append(record)
    return [BreachLine(service=service, slo=slo, reports=len(items), refused=sum(r.blocked for r in items),
                       last_at=iso(items[-1].at), last_budget_remaining=items[-1].budget_remaining,
                       freeze_below=items[-1].freeze_below, policy_source=items[-1].policy_source)
            for (service, slo), items in sorted(grouped.items())]
