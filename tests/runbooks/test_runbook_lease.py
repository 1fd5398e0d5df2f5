"""The run lease on a real SQLite file shared by two runners, and on the real PostgreSQL server."""

from __future__ import annotations

import threading
import time

import pytest

from burnwise.runbooks.lease import LeaseRefused, RunLeases


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{(tmp_path / 'burnwise.db').as_posix()}"
    return request.getfixturevalue("postgres_url")


def test_two_runners_never_hold_the_same_incident(database_url):
    first, second = RunLeases(database_url), RunLeases(database_url)  # two replicas: two engines
    lease = first.acquire(7, "2026-12-01T10:00:00+00:00", "checkout-availability", "replica-a")
    with pytest.raises(LeaseRefused, match="already running \\(replica-a"):
        second.acquire(7, "2026-12-01T10:00:00+00:00", "checkout-availability", "replica-b")
    other = second.acquire(8, "2026-12-01T10:00:00+00:00", "checkout-availability", "replica-b")  # another incident
    assert other.holder == "replica-b"
    # once finished, the same episode does not run again unless asked (the CLI's --again)
    first.finish(lease, "recovered")
    with pytest.raises(LeaseRefused, match="already ran for this episode \\(outcome: recovered\\)"):
        second.acquire(7, "2026-12-01T10:00:00+00:00", "checkout-availability", "replica-b")
    again = second.acquire(7, "2026-12-01T10:00:00+00:00", "checkout-availability", "replica-b", rerun=True)
    assert again.holder == "replica-b" and first.current(7)["holder"] == "replica-b"
    # a new episode of the incident is a new run
    assert first.acquire(7, "2026-12-02T10:00:00+00:00", "checkout-availability", "replica-a").episode.startswith("2026-12-02")


def test_racing_runners_one_wins(database_url):
    leases = [RunLeases(database_url) for _ in range(6)]
    won, refused, errors = [], [], []
    start = threading.Barrier(len(leases))

    def race(index: int) -> None:
        start.wait(timeout=10)
        try:
            won.append(leases[index].acquire(42, "ep", "rb", f"runner-{index}"))
        except LeaseRefused:
            refused.append(index)
        except Exception as exc:  # noqa: BLE001 - the test reports any other failure
            errors.append(repr(exc))

    threads = [threading.Thread(target=race, args=(i,)) for i in range(len(leases))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(won) == 1 and len(refused) == len(leases) - 1


def test_a_dead_runner_lease_is_taken_over_and_the_old_holder_notices(database_url):
    short = RunLeases(database_url, ttl_seconds=0.5)
    dead = short.acquire(9, "ep", "rb", "died")
    time.sleep(0.7)
    taker = RunLeases(database_url).acquire(9, "ep", "rb", "taker")
    assert short.renew(dead) == "lease lost"
    assert RunLeases(database_url).renew(taker) is None


def test_a_stop_request_reaches_the_runner(database_url):
    leases = RunLeases(database_url)
    lease = leases.acquire(11, "ep", "rb", "runner")
    assert leases.request_stop(11, "alice") == 1
    assert leases.renew(lease) == "alice"
    leases.finish(lease, "stopped")
    assert leases.request_stop(11, "alice") == 0  # nothing running any more
