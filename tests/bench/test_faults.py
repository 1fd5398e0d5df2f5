"""The short fault suite (issue 15) inside `make test`: real receivers, the faithful pager, bounded (< 60 s).

`make faults` runs the same cases at full size (a 10,000-page backlog) and prints the table.
"""

from __future__ import annotations

import pytest

from bench.faults import run, table

pytestmark = pytest.mark.integration


def test_short_fault_suite_meets_the_targets(request):
    try:
        import psycopg  # noqa: F401

        from tests.conftest import _postgres_answers

        postgres = _postgres_answers()
    except Exception:  # noqa: BLE001 - no PostgreSQL here: the SQLite cases still run
        postgres = False
    rows = run(short=True, postgres=postgres)
    print(table(rows))
    by_case = {row.case.split()[0]: row for row in rows}
    assert all(row.left_open == 0 and row.duplicates == 0 and row.silent == 0 for row in rows), table(rows)
    assert by_case["1"].notified == by_case["1"].accepted // 2  # every flapping alert paged once, none left open
    assert by_case["3"].p99 is not None and by_case["3"].p99 < 2.0  # a hung chat target never delays a page
    assert by_case["4"].notified == 300 and by_case["4"].drain_seconds < 30
    assert by_case["6"].notified == 0  # a stale firing pages nobody
    if postgres:
        assert by_case["7"].notified == 10
