"""The receiver's database handle: engine settings, the schema, and one way to run a transaction.

Why its own module: every other store module (ingest, commands, outbox queue, reads) needs the same
three things - an engine tuned for SQLite or PostgreSQL, tables created once, and a transaction
that turns "the database is gone" into :class:`StoreUnavailable` (the API answers 503, so
Alertmanager retries). Keeping them here lets those modules hold only their own job.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from datetime import datetime, timezone

import sqlalchemy as sa
from burnwise.receiver import schema as t


class StoreUnavailable(Exception):
    """The database cannot be reached; callers answer 503 so Alertmanager retries."""


class IncidentNotFound(Exception):
    pass


class IncidentConflict(Exception):
    """The command does not fit the incident's state (e.g. acknowledging a resolved incident)."""


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def create_engine(url: str) -> sa.Engine:
    """An engine with the settings the receiver relies on (SQLite: WAL, busy wait, write locks)."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @sa.event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below start transactions
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=FULL")  # every commit durable unless a tx says otherwise
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # take the write lock up front: two writers never deadlock upgrading a read lock
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return sa.create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 5})


def migrate(conn: sa.Connection, version: int) -> None:
    """Bring a database from ``version`` to :data:`schema.SCHEMA_VERSION` (inside the schema transaction)."""
    if version < 2 and conn.dialect.name == "postgresql":
        for table, column in t.WIDENED_IN_V2:  # varchar -> text needs no table rewrite in PostgreSQL
            conn.execute(sa.text(f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE text'))
    if version < 3:
        for index in t.outbox.indexes:
            if index.name in t.ADDED_INDEXES_V3:
                index.create(conn, checkfirst=True)
    conn.execute(t.schema_info.update().where(t.schema_info.c.name == "receiver").values(version=t.SCHEMA_VERSION))


@contextlib.contextmanager
def _relaxed(conn: sa.Connection) -> Iterator[None]:
    """SQLite ``synchronous=NORMAL`` around one transaction (it cannot change inside one), then
    FULL again before the pooled connection serves anyone else; a connection that cannot be
    restored is discarded."""
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA synchronous=NORMAL")
    try:
        yield
    finally:
        try:
            raw.execute("PRAGMA synchronous=FULL")
        except Exception:  # noqa: BLE001 - never hand a relaxed connection back to the pool
            conn.invalidate()
            raise


class Database:
    """An engine plus the receiver's transaction rules; one per process, shared between threads."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine
        self._schema_ready = False
        self._instance_id: str | None = None
        # SQLite has one writer at a time and every transaction here takes the write lock
        # (BEGIN IMMEDIATE). Threads of this process queue on a Python lock, which hands over
        # at once; SQLite's own busy handler would make them sleep and poll (up to 100 ms a try).
        # Other processes still wait through busy_timeout.
        self._write_lock = threading.Lock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()

    @contextlib.contextmanager
    def tx(self, durable: bool = True) -> Iterator[sa.Connection]:
        """One transaction: committed when the block ends, rolled back on any exception.

        ``durable=False`` (SQLite only; PostgreSQL always commits durably): the commit is not
        fsynced (``synchronous=NORMAL`` in WAL mode). It is still atomic and ordered, and the
        next durable commit of any transaction fsyncs the WAL up to and including it, so a power
        loss can only drop the newest relaxed commits, never a durable one or anything before
        it. Only delivery outcomes use it - see :mod:`delivery_recorder` for why that is safe.
        """
        self.ensure_schema()
        try:
            if durable or self.engine.dialect.name != "sqlite":
                with self._write_lock, self.engine.begin() as conn:
                    yield conn
            else:
                with self._write_lock, self.engine.connect() as conn:
                    with _relaxed(conn), conn.begin():
                        yield conn
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreUnavailable(str(exc).splitlines()[0]) from exc

    def ensure_schema(self) -> None:
        """Create missing tables (idempotent, safe when several processes start together)."""
        if self._schema_ready:
            return
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "postgresql":
                    # serialise concurrent first starts: CREATE TABLE IF NOT EXISTS races in PostgreSQL
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
                t.metadata.create_all(conn, checkfirst=True)
                row = conn.execute(sa.select(t.schema_info.c.version).where(t.schema_info.c.name == "receiver")).first()
                if row is None:
                    conn.execute(t.schema_info.insert().values(name="receiver", version=t.SCHEMA_VERSION))
                elif row.version < t.SCHEMA_VERSION:
                    migrate(conn, row.version)
                instance = conn.execute(sa.select(t.instance.c.id).order_by(t.instance.c.created_at)).scalars().first()
                if instance is None:
                    instance = secrets.token_hex(4)
                    conn.execute(t.instance.insert().values(id=instance, created_at=utcnow()))
                self._instance_id = instance
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as exc:
            raise StoreUnavailable(str(exc).splitlines()[0]) from exc
        self._schema_ready = True

    def heartbeat(self) -> None:
        """Write one row and commit: raises :class:`StoreUnavailable` when the database takes no writes."""
        try:
            with self.tx() as conn:
                now = utcnow()
                done = conn.execute(t.heartbeat.update().where(t.heartbeat.c.name == "readyz").values(beat_at=now))
                if done.rowcount == 0:
                    conn.execute(t.heartbeat.insert().values(name="readyz", beat_at=now))
        except sa.exc.DBAPIError as exc:  # read-only transaction, disk full, ...: not only OperationalError
            raise StoreUnavailable(str(exc).splitlines()[0]) from exc

    @property
    def instance_id(self) -> str:
        """This database's random id (created with the schema), unique per database."""
        self.ensure_schema()
        assert self._instance_id is not None
        return self._instance_id
