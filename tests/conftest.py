"""Shared test fixtures: free loopback ports, real binaries, the PostgreSQL server.

Binaries (promtool, prometheus, alertmanager, amtool) are required in CI (``CI=true``): a missing
one fails the test with the install command. Run by hand without them, the test is skipped with
that same reason. The PostgreSQL tests skip only when no server answers on 127.0.0.1:5432.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}

BINARIES = {
    "promtool": ("BURNWISE_PROMTOOL", "promtool", "prometheus"),
    "prometheus": ("BURNWISE_PROMETHEUS", "prometheus", "prometheus"),
    "alertmanager": ("BURNWISE_ALERTMANAGER", "prometheus-alertmanager", "prometheus-alertmanager"),
    "amtool": ("BURNWISE_AMTOOL", "amtool", "prometheus-alertmanager"),
}

POSTGRES_ADMIN_URL = os.environ.get(
    "BURNWISE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_binary(name: str) -> str:
    """Path of a real binary, or fail (CI) / skip (by hand) saying how to install it."""
    env_var, default, package = BINARIES[name]
    path = os.environ.get(env_var) or shutil.which(default)
    if path:
        return path
    reason = f"{default} not found: install it with `apt-get install -y {package}` (or set {env_var})"
    if IN_CI:
        pytest.fail(reason)
    pytest.skip(reason)


def stop_process(proc: subprocess.Popen, grace: float = 15) -> None:
    """Stop a process a test started, by its own pid: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


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
    from webhook_receiver.pager_stub import PagerStub

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
