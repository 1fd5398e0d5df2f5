"""burnwise.durations: one grammar (Prometheus') and one printer for specs, roster and promtool."""

from __future__ import annotations

from datetime import timedelta

import pytest

from burnwise.durations import (
    DurationError,
    format_duration,
    format_millis,
    format_timedelta,
    parse_duration,
    parse_millis,
    parse_timedelta,
    seconds_or_none,
)


def test_grammar_is_ordered_units_largest_first():
    assert parse_millis("1h30m") == 5_400_000
    assert parse_millis("1y2w3d4h5m6s7ms") == ((365 + 14 + 3) * 86400 + 4 * 3600 + 5 * 60 + 6) * 1000 + 7
    assert parse_millis("0s") == 0
    assert parse_millis("30m1h") is None and parse_millis("1.5h") is None and parse_millis("") is None


def test_spec_durations_are_whole_positive_seconds():
    assert parse_duration("1d6h") == 108_000 and parse_duration(90) == 90
    for bad in ("500ms", "0s", "5 minutes", True):
        with pytest.raises(DurationError):
            parse_duration(bad)
    assert format_duration(108_000) == "1d6h" and format_duration(7 * 86400) == "7d"


def test_roster_durations_print_weeks_and_refuse_zero():
    assert parse_timedelta("1w") == timedelta(weeks=1)
    assert format_timedelta(timedelta(days=7)) == "1w" and format_timedelta(timedelta()) == "0s"
    with pytest.raises(ValueError, match="is zero"):
        parse_timedelta("0m")


def test_promtool_durations_keep_milliseconds():
    assert format_millis(90_500) == "1m30s500ms"
    assert seconds_or_none("1h0m0s") == 3600 and seconds_or_none("2s500ms") == 2.5
    assert seconds_or_none("soon") is None
