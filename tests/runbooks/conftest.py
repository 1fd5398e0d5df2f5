"""The real chain (checkout service, Prometheus, receiver, pager) for each runbook test module."""

from __future__ import annotations

import pytest

from tests.runbooks.runbook_stack import start_stack


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    from tests.conftest import find_binary

    find_binary("prometheus")
    find_binary("promtool")
    started = start_stack(tmp_path_factory.mktemp("runbook-stack"))
    try:
        yield started
    finally:
        started.stop()
