"""Fixtures for the receiver tests: the pager stub, receiver processes, both database backends."""

from __future__ import annotations

import pytest
from tests.webhook_receiver.receiver_testlib import ReceiverProcess


FAST_RETRY = {"base_seconds": 0.2, "max_seconds": 1.0, "max_attempts": 30}


@pytest.fixture
def start_receiver(tmp_path):
    """Start receivers (``start_receiver(settings, ...)``); every one is stopped at teardown."""
    started: list[ReceiverProcess] = []

    def start(settings: dict, *, wait: bool = True, env: dict | None = None, pythonpath=None, workdir=None):
        base = {"worker_poll_seconds": 0.1, "retry": FAST_RETRY, "log_level": "info"}
        proc = ReceiverProcess(workdir or tmp_path, {**base, **settings}, env=env, pythonpath=pythonpath)
        started.append(proc)
        return proc.start(wait=wait)

    try:
        yield start
    finally:
        for proc in started:
            proc.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    """The same tests on both backends: a SQLite file, then a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'receiver.db'}"
    return request.getfixturevalue("postgres_url")
