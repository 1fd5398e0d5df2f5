"""Fixtures for the report tests: a seeded incident history on SQLite (and PostgreSQL), the CLI."""

from __future__ import annotations

import json

import pytest
from burnwise.receiver.store import Store

from burnwise.cli import main as burnwise
from burnwise.roster.directory import Directory
from tests.reports.history import REPORT_AT, seed_history, write_roster


class Seeded:
    """A database holding the two-week history of :mod:`tests.reports.history`."""

    def __init__(self, url: str, roster, ids: dict[str, int]):
        self.url, self.roster, self.ids = url, roster, ids

    def args(self, *extra: str) -> list[str]:
        return [*extra, "--database-url", self.url, "--roster", str(self.roster)]


def seed(url: str, tmp_path) -> Seeded:
    roster = write_roster(tmp_path)
    store = Store.from_url(url)
    try:
        ids = seed_history(store, Directory.load(roster, None))
    finally:
        store.engine.dispose()
    return Seeded(url, roster, ids)


@pytest.fixture
def seeded(tmp_path) -> Seeded:
    return seed(f"sqlite:///{tmp_path / 'incidents.db'}", tmp_path)


@pytest.fixture
def run_cli(capsys):
    """Run `burnwise ...` in-process; returns (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = burnwise(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


@pytest.fixture
def run_json(run_cli):
    def run(*argv: str) -> dict:
        code, out, err = run_cli(*argv, "--json")
        assert code == 0, err
        return json.loads(out)

    return run


AT = ["--at", REPORT_AT.isoformat().replace("+00:00", "Z")]
