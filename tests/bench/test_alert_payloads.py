"""The receiver benchmark's payload stream: valid Alertmanager v4, the intended mix, deterministic."""

from __future__ import annotations

import json

from burnwise.receiver.models import Notification

from bench.alert_payloads import kinds_of, payload_stream


def test_stream_is_deterministic_and_run_ids_separate_groups():
    assert payload_stream(50) == payload_stream(50)
    a = {json.loads(b)["groupKey"] for b in payload_stream(50, run_id="a")}
    b = {json.loads(b)["groupKey"] for b in payload_stream(50, run_id="b")}
    assert a and not a & b


def test_every_payload_passes_the_receivers_model():
    for body in payload_stream(200):
        notification = Notification.model_validate(json.loads(body))
        assert notification.alerts


def test_mix_has_new_groups_repeats_growth_and_resolves():
    docs = [json.loads(b) for b in payload_stream(400)]
    seen: dict[str, int] = {}
    repeats = grows = 0
    for doc in docs:
        previous = seen.get(doc["groupKey"])
        if previous is not None and doc["status"] == "firing":
            repeats += len(doc["alerts"]) == previous
            grows += len(doc["alerts"]) > previous
        seen[doc["groupKey"]] = len(doc["alerts"])
    kinds = kinds_of(payload_stream(400))
    assert kinds["resolved"] > 0 and repeats > 0 and grows > 0
    assert len(seen) < len(docs)  # groups are notified more than once
    assert kinds["alerts"] > len(docs)  # several alerts per group


def test_a_resolve_closes_every_alert_of_its_group():
    for body in payload_stream(300):
        doc = json.loads(body)
        if doc["status"] == "resolved":
            assert {a["status"] for a in doc["alerts"]} == {"resolved"}
            assert all(not a["endsAt"].startswith("0001") for a in doc["alerts"])
