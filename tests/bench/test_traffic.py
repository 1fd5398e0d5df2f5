"""The synthetic traffic behind benchmarks 1 and 2: shape, determinism and the exact ratio."""

from __future__ import annotations

from bench.traffic import (
    CODES,
    DAY,
    PEAK_TO_TROUGH,
    SLOTraffic,
    cumulative_counts,
    diurnal,
    error_ratio,
    exact_ratio,
    instance_weights,
    make_slos,
    openmetrics_lines,
    series_values,
)


def test_diurnal_spans_ten_to_one_with_trough_at_phase_and_peak_half_a_day_later():
    phase = 3600
    assert diurnal(phase, phase) == 1.0
    assert abs(diurnal(phase + DAY / 2, phase) - PEAK_TO_TROUGH) < 1e-9
    values = [diurnal(t, phase) for t in range(0, DAY, 600)]
    assert min(values) >= 1.0 and max(values) <= PEAK_TO_TROUGH


def test_error_episodes_sit_at_the_peak_and_raise_the_ratio():
    slo = make_slos(1, 8)[0]
    episode = slo.episodes[0]
    inside = slo.phase + episode.start + 60
    assert error_ratio(inside, slo) == episode.ratio
    assert error_ratio(slo.phase + 3 * 3600, slo) == slo.baseline_error_ratio
    # every episode lies within 3h of the peak, where traffic is at least 7x the trough
    for ep in slo.episodes:
        assert diurnal(slo.phase + ep.start, slo.phase) > 7


def test_instance_weights_sum_to_one_and_differ():
    weights = instance_weights(50)
    assert abs(sum(weights) - 1) < 1e-12
    assert len(set(round(w, 9) for w in weights)) > 10


def test_make_slos_gives_distinct_jobs_with_the_asked_series_count():
    slos = make_slos(3, 40)
    assert [s.job for s in slos] == ["myservice00", "myservice01", "myservice02"]
    for slo in slos:
        assert sum(1 for _ in series_values(slo, 0, 60, 15)) == 40


def test_counters_never_decrease_and_are_deterministic():
    slo = make_slos(2, 8)[1]
    first = list(series_values(slo, 0, 3600, 15))
    second = list(series_values(slo, 0, 3600, 15))
    assert first == second
    for _labels, times, values in first:
        assert times == list(range(0, 3601, 15))
        assert all(b >= a for a, b in zip(values, values[1:]))


def test_openmetrics_lines_carry_labels_value_and_seconds_timestamp():
    slo = SLOTraffic(job="j", phase=0, base_rps=10, instances=1)
    block = next(openmetrics_lines(slo, 100, 130, 15))
    lines = block.split("\n")
    assert len(lines) == 3
    name_labels, value, stamp = lines[-1].rsplit(" ", 2)
    assert name_labels == 'http_request_duration_seconds_count{job="j",instance="i-0000",code="200"}'
    assert stamp == "130" and int(value) > 0


def test_exact_ratio_equals_the_sum_over_the_generated_series():
    slo = make_slos(3, 20)[2]
    start, end = 0, DAY
    errors = events = 0
    for labels, _times, values in series_values(slo, start, end, 15):
        delta = values[-1] - values[0]
        events += delta
        errors += delta if CODES[labels["code"]][0] else 0
    exact = exact_ratio(slo, start, end, 15, until=end)
    assert (exact["errors"], exact["events"]) == (errors, events)
    assert exact["ratio"] == errors / events


def test_errors_at_peaks_make_the_mean_of_5m_ratios_lower_than_the_ratio_of_sums():
    """The property benchmark 2 relies on: averaging ratios underweights the busy peak."""
    slo = make_slos(1, 8)[0]
    times, good, bad = cumulative_counts(slo, 0, DAY, 300)
    ratios = [(b1 - b0) / ((b1 - b0) + (g1 - g0)) for g0, g1, b0, b1 in zip(good, good[1:], bad, bad[1:])]
    mean_of_ratios = sum(ratios) / len(ratios)
    ratio_of_sums = (bad[-1] - bad[0]) / ((bad[-1] - bad[0]) + (good[-1] - good[0]))
    assert mean_of_ratios < ratio_of_sums * 0.9
