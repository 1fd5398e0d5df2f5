"""Ratio math and table formatting of the benchmark report."""

from __future__ import annotations

import json

from bench.report import Result, format_result, format_table, percentile, ratio, write_json


def test_ratio_handles_missing_and_zero():
    assert ratio(1.0, 4.0) == 0.25
    assert ratio(None, 4.0) is None
    assert ratio(1.0, 0) is None


def test_percentile_is_nearest_rank_of_observed_values():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    assert percentile([3.0], 99) == 3.0
    assert percentile([], 50) is None


def test_table_aligns_columns_and_shows_missing_as_dash():
    text = format_table(["name", "value"], [{"name": "a", "value": 1.5}, {"name": "longer", "value": None}])
    lines = text.splitlines()
    assert lines[0].startswith("name  ")
    assert len({len(line) for line in lines[:2]}) == 1
    assert lines[3].endswith("-")


def test_result_prints_targets_and_writes_sorted_json(tmp_path):
    result = Result(name="x", title="X", config={"n": 3}, columns=["a"], rows=[{"a": 2}], ratios={"r": 0.5}, targets={"r": "< 1"})
    text = format_result(result)
    assert "r: 0.5  (target < 1)" in text and "n=3" in text
    path = write_json([result], "quick", tmp_path)
    document = json.loads(path.read_text())
    assert document["mode"] == "quick"
    assert document["benchmarks"][0]["ratios"] == {"r": 0.5}
    assert list(document) == sorted(document)
