"""Issue 16: fuzzing in the suite, bounded and seeded.

* schemathesis against the OpenAPI document a real `burnwise serve` serves, on SQLite and
  PostgreSQL: valid and schema-breaking cases for every operation, with the token; no 5xx, no
  traceback in a body or in the log (``make fuzz`` runs the long version, figures in docs/receiver.md);
* hypothesis over the payload model: whatever it accepts is stored exactly (text made storable,
  times in range), whatever it refuses is a ValidationError, never another exception;
* hypothesis over the spec loader: a mutated spec file is loaded or refused with SpecError.
"""

from __future__ import annotations

import itertools
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from bench.fuzz_receiver import fuzz
from burnwise.errors import BurnwiseError
from burnwise.receiver.models import Notification
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import Store
from burnwise.roster.directory import Directory
from tests.webhook_receiver.receiver_testlib import REPO_ROOT, TOKEN

SERIAL = itertools.count()
SUITE_EXAMPLES = 25  # cases per operation and mode: ~400 requests, well under a minute per database


@pytest.mark.integration
def test_schemathesis_finds_no_server_error(start_receiver, db_url):
    receiver = start_receiver({"database_url": db_url, "auth_token": TOKEN, "log_level": "warning"})
    result = fuzz(receiver.url, TOKEN, SUITE_EXAMPLES, seed=16)
    assert result.requests > 300 and result.count(400) > 0, result.summary()
    assert result.count(500) == 0 and result.failures == [], "\n".join(result.failures[:10])
    assert result.undocumented == set(), "answers the OpenAPI document does not list"
    assert "Traceback" not in receiver.log(), receiver.log()[-3000:]


# --- the payload model -------------------------------------------------------------------------

hostile_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40) | st.sampled_from(
    ["\x00", "\ud800", "a\udfffb", "x" * 500, "\x1b[2J", "javascript:alert(1)", '",x="y', ""]
)
zones = st.sampled_from([timezone.utc, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12)), timezone(timedelta(minutes=-1))])
sane_times = st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(8999, 12, 30), timezones=zones).map(lambda t: t.isoformat())
any_times = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=zones).map(lambda t: t.isoformat())
edge_times = st.sampled_from(["0001-01-01T00:00:00Z", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "nope", ""])
# mostly valid, so most payloads get as far as the store; the edges are still drawn often
times = st.integers(0, 13).flatmap(lambda i: sane_times if i < 12 else any_times if i == 12 else edge_times)
end_times = st.one_of(st.just("0001-01-01T00:00:00Z"), st.just("0001-01-01T00:00:00+05:00"), sane_times, times)


@st.composite
def payloads(draw) -> dict:
    alerts = draw(st.lists(st.fixed_dictionaries(
        {
            "status": st.sampled_from(["firing", "resolved"]),
            "labels": st.dictionaries(hostile_text, hostile_text, max_size=4).map(lambda d: {"alertname": "Fuzz", **d}),
            "annotations": st.dictionaries(hostile_text, hostile_text, max_size=3),
            "startsAt": times,
            "endsAt": end_times,
            "generatorURL": hostile_text,
            "fingerprint": hostile_text,
        }
    ), min_size=1, max_size=3))
    return {
        "version": "4",
        "groupKey": draw(hostile_text.filter(bool)),
        "status": draw(st.sampled_from(["firing", "resolved"])),
        "receiver": draw(hostile_text.filter(bool)),
        "groupLabels": draw(st.dictionaries(hostile_text, hostile_text, max_size=3)),
        "commonLabels": {},
        "externalURL": draw(hostile_text),
        "truncatedAlerts": draw(st.integers(0, 9).flatmap(lambda i: st.integers(0, 1000) if i else st.sampled_from([-1, 2**31, 2**70]))),
        "alerts": alerts,
    }


@pytest.fixture(scope="module")
def sqlite_store(tmp_path_factory):
    store = Store.from_url(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'model.db'}")
    yield store
    store.engine.dispose()


@settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(data=payloads())
def test_every_accepted_payload_is_stored_exactly(sqlite_store, data):
    # each example is its own group with distinct alerts (a fingerprint seen before keeps its first record)
    serial = next(SERIAL)
    data["groupKey"] = f"{data['groupKey']}#{serial}"
    for index, alert in enumerate(data["alerts"]):
        alert["fingerprint"] = f"{alert['fingerprint'][:100]}#{serial}.{index}"
    # what arrives on the wire: JSON text, lone surrogates escaped as \ud800
    try:
        notification = Notification.model_validate(json.loads(json.dumps(data)))
    except ValidationError:
        return
    result = sqlite_store.ingest(notification, Directory.empty(), PagingPolicy(base_url="http://r.test"))
    for incident_id in result.incident_ids:
        detail = sqlite_store.get_incident(incident_id)
        stored = {alert.fingerprint: alert for alert in detail.alerts}
        compared = [alert for alert in notification.alerts if alert.key in stored]
        assert compared, "an incident holds none of the payload's alerts"
        for alert in compared:
            assert stored[alert.key].labels == alert.labels
            assert stored[alert.key].annotations == alert.annotations
            assert stored[alert.key].starts_at == alert.starts_at
        assert all("\x00" not in v and not any("\ud800" <= c <= "\udfff" for c in v) for v in detail.labels.values())


# --- the spec loader ---------------------------------------------------------------------------

BASE_SPEC = yaml.safe_load((REPO_ROOT / "slo_specs" / "checkout.yaml").read_text(encoding="utf-8"))
leaf_values = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | hostile_text | st.lists(st.integers(), max_size=2) | st.just({})


def paths_of(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths_of(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths_of(value, (*prefix, index))


SPEC_PATHS = [p for p in paths_of(BASE_SPEC) if p]


def replaced(doc, path, value):
    copy = json.loads(json.dumps(doc))
    node = copy
    for step in path[:-1]:
        node = node[step]
    node[path[-1]] = value
    return copy


@settings(max_examples=150, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(SPEC_PATHS), value=leaf_values)
def test_a_mutated_spec_loads_or_is_refused_with_a_spec_error(tmp_path_factory, path, value):
    from burnwise.generator.loader import load_specs

    target = tmp_path_factory.mktemp("spec") / "checkout.yaml"
    target.write_text(yaml.safe_dump(replaced(BASE_SPEC, path, value), allow_unicode=False), encoding="utf-8")
    try:
        load_specs([target])
    except BurnwiseError as exc:
        assert str(exc).strip() and "Traceback" not in str(exc)


@settings(max_examples=100, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck))
@given(raw=st.binary(max_size=300) | hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_as_a_spec_file_are_refused_with_a_spec_error(tmp_path_factory, raw):
    from burnwise.generator.loader import load_specs

    target = tmp_path_factory.mktemp("raw") / "any.yaml"
    target.write_bytes(raw)
    try:
        load_specs([target])
    except BurnwiseError as exc:
        assert str(exc).strip()


def test_spec_paths_cover_the_document():
    assert len(SPEC_PATHS) > 10 and Path(REPO_ROOT / "slo_specs" / "checkout.yaml").is_file()
