"""Deploys for reports: the receiver's deploy records inside a report's window, by their real time.

Why apart from timeline ``deploy`` notes: CI records deploys as they go out (``burnwise deploy
record``, ``POST /v1/deploys``), usually before any incident exists. A handoff lists the deploys
of its surface's services in its window, a postmortem those of the incident's service from a day
before it opened until it resolved - each at the time it went out, not when someone typed it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel

from burnwise.receiver.deploys import deploys_between
from burnwise.receiver.store import Store
from burnwise.reports.timing import iso

#: how far before an incident opened the postmortem looks for deploys
BEFORE_INCIDENT = timedelta(hours=24)


class DeployLine(BaseModel):
    at: str
    service: str
    text: str
    by: str


def deploys_in(store: Store, start: datetime, end: datetime, services: list[str] | None) -> list[DeployLine]:
    """Deploys with start <= at <= end of these services (all when None), oldest first."""
    if services is not None and not services:
        return []
    if not sa.inspect(store.engine).has_table("deploys"):
        return []
    with store.engine.connect() as conn:
        records = deploys_between(conn, start, end, sorted(set(services)) if services is not None else None)
    return [DeployLine(at=iso(d.at), service=d.service, text=d.text, by=d.by) for d in records]
