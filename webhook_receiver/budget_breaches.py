"""Error-budget policy breaches on the surface's record: what the deploy gate froze, and when.

Why the receiver keeps them: the gate (``burnwise budget gate``) runs in a pipeline and exits; the
fact that a surface's SLO was frozen - and that a change was refused, or let through because the
policy allows its kind - belongs to the surface's on-call record, next to its incidents. The gate
reports each frozen SLO here (``--receiver URL``); the receiver names the owning surface from its
roster (as for a page), keeps a row per report, and writes a timeline entry on every unresolved
incident of that SLO (kind ``note``, by ``budget-gate``, with the figures as data), so whoever works
the incident sees that feature work is frozen. Handoffs list the surface's breaches in the window.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from burnwise.receiver import schema as t
from burnwise.receiver.engine import Database, utcnow
from burnwise.receiver.models import Text
from pydantic import BaseModel, ConfigDict, Field

ACTOR = "budget-gate"


class BreachReport(BaseModel):
    """One frozen SLO as the gate saw it."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # NaN or Infinity cannot be stored or answered
    service: Text = Field(min_length=1, max_length=200)
    slo: Text = Field(min_length=1, max_length=200)
    owner: Text | None = Field(default=None, max_length=200)
    budget_remaining: float | None = None
    freeze_below: float = Field(ge=0, le=1)
    allow: list[Text] = []
    change: Text = Field(min_length=1, max_length=64)
    blocked: bool
    policy_source: Text = Field(default="default", max_length=300)
    by: Text = Field(default=ACTOR, min_length=1, max_length=200)


class BreachRecord(BaseModel):
    id: int
    at: datetime
    surface: str | None
    service: str
    slo: str
    budget_remaining: float | None
    freeze_below: float
    change: str
    blocked: bool
    policy_source: str
    by: str
    incidents_noted: list[int] = []


def _text(report: BreachReport) -> str:
    left = "no budget figure" if report.budget_remaining is None else f"{report.budget_remaining:.2%} of the error budget left"
    verdict = (f"a {report.change!r} change was refused" if report.blocked
               else f"a {report.change!r} change passed (allowed while frozen)")
    return (f"error-budget policy: {report.service}/{report.slo} is frozen ({left}, policy freezes below "
            f"{report.freeze_below:.0%}, {report.policy_source}); {verdict}").replace("-0.00%", "0.00%")


def record_breach(db: Database, report: BreachReport, surface: str | None, now: datetime | None = None) -> BreachRecord:
    now = now or utcnow()
    values = {"at": now, "surface": surface, "service": report.service, "slo": report.slo,
              "budget_remaining": report.budget_remaining, "freeze_below": report.freeze_below, "change": report.change,
              "blocked": report.blocked, "policy_source": report.policy_source, "actor": report.by}
    data = {"event": "budget-breach"} | report.model_dump(exclude={"by", "owner"})
    with db.tx() as conn:
        new_id = conn.execute(t.budget_breaches.insert().returning(t.budget_breaches.c.id), values).scalar()
        live = conn.execute(sa.select(t.incidents.c.id).where(
            t.incidents.c.status != "resolved", t.incidents.c.service == report.service, t.incidents.c.slo == report.slo)
        ).scalars().all()
        for incident_id in live:
            conn.execute(t.timeline.insert().values(incident_id=incident_id, at=now, kind="note", actor=report.by,
                                                    text=_text(report), data=data))
    return BreachRecord(id=new_id, at=now, surface=surface, service=report.service, slo=report.slo,
                        budget_remaining=report.budget_remaining, freeze_below=report.freeze_below,
                        change=report.change, blocked=report.blocked, policy_source=report.policy_source,
                        by=report.by, incidents_noted=list(live))


def breaches_between(conn: sa.Connection, start: datetime, end: datetime, surface: str | None) -> list[BreachRecord]:
    query = sa.select(t.budget_breaches).where(t.budget_breaches.c.at >= start, t.budget_breaches.c.at <= end)
    if surface is not None:
        query = query.where(t.budget_breaches.c.surface == surface)
    rows = conn.execute(query.order_by(t.budget_breaches.c.at, t.budget_breaches.c.id)).mappings()
    return [BreachRecord(**{k: r[k] for k in r.keys() if k != "actor"}, by=r["actor"]) for r in rows]
