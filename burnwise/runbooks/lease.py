"""The run lease: at most one runner per incident episode, across processes and replicas.

Why in the database: two receiver replicas (or a replica and an on-call at the CLI) may both
decide to run the runbook for the same incident. One row per ``(incident_id, episode)`` in
``runbook_runs`` decides it: the first INSERT wins (the unique key refuses the second), a lease
that stopped being renewed (a runner that died) can be taken over by a conditional UPDATE, and a
finished run is run again only when the caller asks for it (the CLI; automatic runs never do).
The same row carries the stop request (``burnwise runbook stop``), read by the runner between
steps and while it waits. Times are Unix seconds, the same in SQLite and PostgreSQL.
SQLAlchemy Core only; the table is created if missing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from burnwise.errors import BurnwiseError

metadata = sa.MetaData()
runs = sa.Table(
    "runbook_runs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("incident_id", sa.Integer, nullable=False),
    sa.Column("episode", sa.String(64), nullable=False),
    sa.Column("runbook_id", sa.String(200), nullable=False),
    sa.Column("holder", sa.String(200), nullable=False),
    sa.Column("state", sa.String(16), nullable=False),  # running | finished
    sa.Column("outcome", sa.String(32), nullable=True),
    sa.Column("lease_until", sa.Float, nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("finished_at", sa.Float, nullable=True),
    sa.Column("stop_requested_by", sa.String(200), nullable=True),
    sa.UniqueConstraint("incident_id", "episode", name="uq_runbook_runs_episode"),
)


class LeaseRefused(BurnwiseError):
    """Another runner holds the incident's run, or the episode already ran (and no rerun was asked)."""


@dataclass(frozen=True)
class Lease:
    row_id: int
    incident_id: int
    episode: str
    holder: str


def engine_for(database: sa.Engine | str) -> sa.Engine:
    if isinstance(database, sa.Engine):
        return database
    kwargs = {"connect_args": {"timeout": 30}} if database.startswith("sqlite") else {}
    return sa.create_engine(database, **kwargs)


class RunLeases:
    """Acquire, renew, stop and finish runs in ``runbook_runs``."""

    def __init__(self, database: sa.Engine | str, ttl_seconds: float = 60.0) -> None:
        self.engine = engine_for(database)
        self.ttl = ttl_seconds
        self._ensure_table()

    def _ensure_table(self) -> None:
        try:
            metadata.create_all(self.engine, checkfirst=True)
        except sa.exc.DBAPIError:  # two replicas creating it at once: the other one won
            metadata.create_all(self.engine, checkfirst=True)

    def acquire(self, incident_id: int, episode: str, runbook_id: str, holder: str, rerun: bool = False) -> Lease:
        now = time.time()
        values = {"runbook_id": runbook_id, "holder": holder, "state": "running", "outcome": None,
                  "lease_until": now + self.ttl, "started_at": now, "finished_at": None, "stop_requested_by": None}
        try:
            with self.engine.begin() as conn:
                conn.execute(runs.insert().values(incident_id=incident_id, episode=episode, **values))
        except sa.exc.IntegrityError:
            taken_over = sa.and_(runs.c.state == "running", runs.c.lease_until < now)
            allowed = [taken_over, runs.c.state == "finished"] if rerun else [taken_over]
            with self.engine.begin() as conn:
                changed = conn.execute(
                    runs.update()
                    .where(runs.c.incident_id == incident_id, runs.c.episode == episode, sa.or_(*allowed))
                    .values(**values)
                ).rowcount
            if changed != 1:
                raise LeaseRefused(self._why_not(incident_id, episode, now)) from None
        return Lease(self._row_id(incident_id, episode), incident_id, episode, holder)

    def _row_id(self, incident_id: int, episode: str) -> int:
        with self.engine.connect() as conn:
            return conn.execute(
                sa.select(runs.c.id).where(runs.c.incident_id == incident_id, runs.c.episode == episode)
            ).scalar_one()

    def _why_not(self, incident_id: int, episode: str, now: float) -> str:
        row = self.current(incident_id, episode)
        if row is None:
            return f"incident {incident_id}: the run lease changed hands while acquiring it; try again"
        if row["state"] == "running":
            return (f"incident {incident_id}: runbook {row['runbook_id']} is already running ({row['holder']}, "
                    f"lease for {max(0, row['lease_until'] - now):.0f}s more); `burnwise runbook stop {incident_id}` stops it")
        return (f"incident {incident_id}: runbook {row['runbook_id']} already ran for this episode "
                f"(outcome: {row['outcome']}); pass --again to run it once more")

    def current(self, incident_id: int, episode: str | None = None) -> dict | None:
        query = sa.select(runs).where(runs.c.incident_id == incident_id)
        if episode is not None:
            query = query.where(runs.c.episode == episode)
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(runs.c.started_at.desc())).mappings().first()
        return dict(row) if row else None

    def renew(self, lease: Lease) -> str | None:
        """Extend the lease; returns who asked to stop, ``"lease lost"`` when another runner took it, else None."""
        with self.engine.begin() as conn:
            changed = conn.execute(
                runs.update()
                .where(runs.c.id == lease.row_id, runs.c.holder == lease.holder, runs.c.state == "running")
                .values(lease_until=time.time() + self.ttl)
            ).rowcount
            if changed != 1:
                return "lease lost"
            return conn.execute(sa.select(runs.c.stop_requested_by).where(runs.c.id == lease.row_id)).scalar_one()

    def finish(self, lease: Lease, outcome: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                runs.update()
                .where(runs.c.id == lease.row_id, runs.c.holder == lease.holder, runs.c.state == "running")
                .values(state="finished", outcome=outcome, finished_at=time.time())
            )

    def request_stop(self, incident_id: int, by: str) -> int:
        """Ask every running run of the incident to stop; returns how many were asked."""
        with self.engine.begin() as conn:
            return conn.execute(
                runs.update()
                .where(runs.c.incident_id == incident_id, runs.c.state == "running")
                .values(stop_requested_by=by)
            ).rowcount
