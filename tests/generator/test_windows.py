"""Tier windows follow the Workbook for 30d and keep each tier's budget share for other periods."""

from __future__ import annotations

from decimal import Decimal

import pytest
from burnwise.durations import DurationError, format_duration, parse_duration
from burnwise.generator.spec import SLO
from burnwise.generator.windows import (
    MAX_BOXES,
    MIN_WINDOW,
    RAW_HORIZON,
    REFERENCE_PERIOD,
    tiers_for,
    tile,
    tilings,
    windows_for,
)

from tests.generator.specs import slo


def make_slo(**overrides) -> SLO:
    return SLO.model_validate(slo(**overrides))


def test_thirty_day_period_is_the_workbook_table():
    tiers = {t.name: t for t in tiers_for(make_slo(period="30d"))}
    assert [(c.factor, format_duration(c.long), format_duration(c.short)) for c in tiers["sev1"].conditions] == [
        (Decimal("14.4"), "1h", "5m")
    ]
    assert [(c.factor, format_duration(c.long), format_duration(c.short)) for c in tiers["sev2"].conditions] == [
        (Decimal("6"), "6h", "30m")
    ]
    assert [(c.factor, format_duration(c.long), format_duration(c.short)) for c in tiers["sev3"].conditions] == [
        (Decimal("3"), "1d", "2h"),
        (Decimal("1"), "3d", "6h"),
    ]
    assert [t.kind for t in tiers.values()] == ["page", "page", "ticket"]


@pytest.mark.parametrize("period", ["7d", "28d", "30d", "90d"])
def test_budget_share_per_window_is_kept_when_the_period_changes(period):
    reference = {t.name: [c.budget_share(REFERENCE_PERIOD) for c in t.conditions] for t in tiers_for(make_slo(period="30d"))}
    scaled_slo = make_slo(period=period)
    for tier in tiers_for(scaled_slo):
        for condition, expected in zip(tier.conditions, reference[tier.name]):
            share = condition.budget_share(scaled_slo.period)
            # windows are rounded to whole minutes: the share may move by less than one minute's worth
            assert abs(share - expected) <= condition.factor * Decimal(60) / Decimal(scaled_slo.period)
            assert condition.long % 60 == 0 and condition.short % 60 == 0
            assert condition.short >= MIN_WINDOW


def test_seven_day_windows_scale_down():
    tiers = {t.name: t for t in tiers_for(make_slo(period="7d"))}
    assert format_duration(tiers["sev1"].conditions[0].long) == "14m"
    assert format_duration(tiers["sev1"].conditions[0].short) == "5m"  # 70s floored to 5m
    assert format_duration(tiers["sev2"].conditions[0].long) == "1h24m"


def test_ninety_day_windows_scale_up():
    tiers = {t.name: t for t in tiers_for(make_slo(period="90d"))}
    assert format_duration(tiers["sev1"].conditions[0].long) == "3h"
    assert format_duration(tiers["sev3"].conditions[1].long) == "9d"


def test_tiers_can_be_disabled_one_by_one_and_by_class():
    names = lambda s: [t.name for t in tiers_for(s)]  # noqa: E731
    assert names(make_slo(alerting={"tiers": {"sev1": {"disable": True}}})) == ["sev2", "sev3"]
    assert names(make_slo(alerting={"tiers": {"sev3": {"disable": True}}})) == ["sev1", "sev2"]
    assert names(make_slo(alerting={"page": {"disable": True}})) == ["sev3"]
    assert names(make_slo(alerting={"ticket": {"disable": True}})) == ["sev1", "sev2"]


def test_overrides_replace_conditions_and_severity():
    custom = make_slo(
        alerting={"tiers": {"sev2": {"severity": "critical", "windows": [{"factor": 10, "long": "2h", "short": "10m"}]}}}
    )
    sev2 = [t for t in tiers_for(custom) if t.name == "sev2"][0]
    assert sev2.severity == "critical"
    assert [(c.factor, c.long, c.short) for c in sev2.conditions] == [(Decimal("10"), 7200, 600)]
    assert 7200 in windows_for(custom) and 600 in windows_for(custom)


def test_windows_include_base_and_period():
    assert windows_for(make_slo(period="28d"))[0] == 300
    assert windows_for(make_slo(period="28d"))[-1] == 28 * 86400


@pytest.mark.parametrize(("text", "seconds"), [("30d", 2592000), ("1h30m", 5400), ("90s", 90), ("1w", 604800), (60, 60)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "1.5h", "5ms", "-1h", "0s", "1h 30m"])
def test_parse_duration_rejects(text):
    with pytest.raises(DurationError):
        parse_duration(text)


def test_format_duration_is_canonical():
    assert format_duration(108000) == "1d6h"
    assert format_duration(90) == "1m30s"
    assert format_duration(parse_duration("2d23h")) == "2d23h"


@pytest.mark.parametrize("period", ["7d", "28d", "30d", "90d"])
def test_long_windows_tile_end_to_end_from_recorded_windows(period):
    """Each long window is covered exactly once, by boxes that are either raw (<= 1h) or a shorter
    tiled window (so every box is itself recorded), and with few boxes."""
    windows = windows_for(make_slo(period=period))
    plans = tilings([*windows, RAW_HORIZON])
    assert set(plans) == {w for w in windows if w > RAW_HORIZON}
    for window, boxes in plans.items():
        offsets = [offset for offset, _length in boxes]
        assert offsets[0] == 0
        assert all(o + length == nxt for (o, length), nxt in zip(boxes, offsets[1:] + [window]))
        assert all(length <= RAW_HORIZON or length in plans for _offset, length in boxes)
        assert all(length < window for _offset, length in boxes)
        assert len(boxes) <= 10, (format_duration(window), boxes)


def test_a_remainder_shorter_than_an_hour_is_a_raw_box():
    assert tile(84 * 60, [RAW_HORIZON]) == ((0, 3600), (3600, 24 * 60))
    assert tile(2 * 3600, [RAW_HORIZON]) == ((0, 3600), (3600, 3600))


@pytest.mark.parametrize("windows", [[300, 3600, 3 * 86400, 30 * 86400], [300, 3600, 90 * 86400], [300, 5400, 7 * 86400]])
def test_a_jump_between_windows_gets_intermediate_windows(windows):
    plans = tilings(windows)
    assert {w for w in windows if w > RAW_HORIZON} <= set(plans)
    assert list(plans) == sorted(plans)  # recorded shortest first: longer windows read shorter ones
    for window, boxes in plans.items():
        assert 1 < len(boxes) <= MAX_BOXES, (format_duration(window), boxes)
        assert sum(length for _offset, length in boxes) == window
        assert all(length <= RAW_HORIZON or (length in plans and length < window) for _offset, length in boxes)
