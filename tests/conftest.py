"""Shared test fixtures: free loopback ports, real binaries, the PostgreSQL server.

Binaries (promtool, prometheus, alertmanager, amtool) are required in CI (``CI=true``): a missing
one fails the test with the install command. Run by hand without them, the test is skipped with
that same reason. The PostgreSQL tests skip only when no server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from burnwise.support.processes import find_binary as support_find_binary
from burnwise.support.processes import free_port, install_hint, stop_process  # noqa: F401 (re-exported to tests)

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

def find_binary(name: str) -> str:
    """Path of a real binary, or fail (CI) / skip (by hand) saying how to install it."""
    path = support_find_binary(name)
    if path:
        return path
    if IN_CI:
        pytest.fail(install_hint(name))
    pytest.skip(install_hint(name))


POSTGRES_ADMIN_URL = os.environ.get(
    "BURNWISE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def promtool_bin() -> str:
    return find_binary("promtool")


@pytest.fixture
def prometheus_bin() -> str:
    return find_binary("prometheus")


@pytest.fixture
def alertmanager_bin() -> str:
    return find_binary("alertmanager")


@pytest.fixture
def amtool_bin() -> str:
    return find_binary("amtool")


@pytest.fixture
def pager():
    """A real PagerDuty Events v2 stand-in on a free loopback port, recording what it receives."""
    from burnwise.support.pager_stub import PagerStub

    stub = PagerStub.start(port=0)
    try:
        yield stub
    finally:
        stub.stop()


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def postgres_url():
    """A fresh, empty PostgreSQL schema on the local server, dropped afterwards.

    Each test gets its own schema (``search_path`` in the URL options) so tests never see each
    other's rows and can run in any order.
    """
    if not _postgres_answers():
        pytest.skip("no PostgreSQL server answers on 127.0.0.1:5432")
    with _fresh_schema_url() as url:
        yield url


@pytest.fixture
def second_postgres_url(postgres_url):
    """Another fresh schema on the same server, for tests that compare two databases."""
    with _fresh_schema_url() as url:
        yield url


@contextmanager
def _fresh_schema_url() -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in POSTGRES_ADMIN_URL else "?"
    try:
        yield f"{POSTGRES_ADMIN_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
