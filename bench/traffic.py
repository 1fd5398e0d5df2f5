"""Synthetic HTTP traffic for the rule benchmarks: diurnal load, errors concentrated at the peaks.

Every SLO (one per job) has many series (instances x status codes) with the shape of Sloth's
getting-started example, ``http_request_duration_seconds_count{job, instance, code}``. Traffic
follows a day curve from 1x (trough) to 10x (peak); the error ratio is a small baseline plus
error episodes placed on the traffic peaks. That is the case where averaging 5m ratios over the
period (instead of dividing summed errors by summed events) goes wrong, because an error at the
peak hides among many requests.

Counters are integers computed from the expected cumulative count, so the exact error ratio of
any range is known from the generated values themselves (:func:`exact_ratio`): the benchmark
compares rule outputs against the data, not against a formula.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

METRIC = "http_request_duration_seconds_count"
DAY = 86400
#: status code -> (is an error, share of its class): successes split 200/404, errors 500/429.
CODES = {"200": (False, 0.9), "404": (False, 0.1), "500": (True, 0.7), "429": (True, 0.3)}
ERROR_CODES_REGEX = "(5..|429)"
PEAK_TO_TROUGH = 10.0


@dataclass(frozen=True)
class Episode:
    """Errors at `ratio` of requests between `start` and `start + length` seconds (of the day)."""

    start: int
    length: int
    ratio: float


@dataclass(frozen=True)
class SLOTraffic:
    """One job's traffic: its phase (seconds its day curve is shifted) and size."""

    job: str
    phase: int
    base_rps: float  # requests per second at the trough, summed over all series
    instances: int
    baseline_error_ratio: float = 0.0002
    #: error episodes near the peak of the day curve (peak at 12h after the phase)
    episodes: tuple[Episode, ...] = (Episode(11 * 3600, 45 * 60, 0.006), Episode(13 * 3600 + 1800, 30 * 60, 0.004))


def diurnal(t: float, phase: int) -> float:
    """Traffic multiplier, 1 at the trough (phase + 0h) and PEAK_TO_TROUGH at the peak (phase + 12h)."""
    x = 2 * math.pi * ((t - phase) % DAY) / DAY
    return 1 + (PEAK_TO_TROUGH - 1) * (0.5 - 0.5 * math.cos(x))


def error_ratio(t: float, slo: SLOTraffic) -> float:
    second = (t - slo.phase) % DAY
    for episode in slo.episodes:
        if episode.start <= second < episode.start + episode.length:
            return episode.ratio
    return slo.baseline_error_ratio


def instance_weights(count: int) -> list[float]:
    """Deterministic, uneven instance shares summing to 1 (a few hot instances, many average)."""
    raw = [1.0 + 0.5 * math.sin(i * 2.399963) for i in range(count)]
    total = sum(raw)
    return [w / total for w in raw]


def series_shares(slo: SLOTraffic) -> list[tuple[str, str, bool, float]]:
    """(instance, code, is_error, share of its class) for every series of the SLO, in a stable order."""
    out = []
    for i, weight in enumerate(instance_weights(slo.instances)):
        for code, (is_error, share) in CODES.items():
            out.append((f"i-{i:04d}", code, is_error, weight * share))
    return out


def cumulative_counts(slo: SLOTraffic, start: int, end: int, step: int) -> tuple[list[int], list[float], list[float]]:
    """Timestamps and cumulative (successes, errors) of the whole SLO, integrated step by step.

    Starts from a non-zero count, like a process that was running before the history begins.
    """
    times, good, bad = [], [], []
    good_total, bad_total = slo.base_rps * 3600.0, slo.base_rps * 3600.0 * slo.baseline_error_ratio
    for t in range(start, end + 1, step):
        if times:
            mid = t - step / 2
            requests = slo.base_rps * diurnal(mid, slo.phase) * step
            ratio = error_ratio(mid, slo)
            bad_total += requests * ratio
            good_total += requests * (1 - ratio)
        times.append(t)
        good.append(good_total)
        bad.append(bad_total)
    return times, good, bad


def series_values(slo: SLOTraffic, start: int, end: int, step: int) -> Iterator[tuple[dict[str, str], list[int], list[int]]]:
    """(labels, timestamps, integer counter values) for every series of the SLO."""
    times, good, bad = cumulative_counts(slo, start, end, step)
    for instance, code, is_error, share in series_shares(slo):
        source = bad if is_error else good
        values = [int(v * share) for v in source]
        yield {"job": slo.job, "instance": instance, "code": code}, times, values


def openmetrics_lines(slo: SLOTraffic, start: int, end: int, step: int) -> Iterator[str]:
    """OpenMetrics sample lines (no header, no `# EOF`), grouped by series, time ascending."""
    for labels, times, values in series_values(slo, start, end, step):
        prefix = f'{METRIC}{{job="{labels["job"]}",instance="{labels["instance"]}",code="{labels["code"]}"}} '
        yield "\n".join(f"{prefix}{v} {t}" for t, v in zip(times, values))


def exact_ratio(slo: SLOTraffic, start: int, end: int, step: int, until: int, since: int | None = None) -> dict[str, float]:
    """Errors / events in (since, until] from the generated counter values (first sample when since is None).

    Uses the same integer values the series carry (:func:`series_values`), summed over all series.
    """
    times, good, bad = cumulative_counts(slo, start, end, step)
    last = max(i for i, t in enumerate(times) if t <= until)
    first = 0 if since is None else max(i for i, t in enumerate(times) if t <= since)
    errors = events = 0
    for _instance, _code, is_error, share in series_shares(slo):
        source = bad if is_error else good
        delta = int(source[last] * share) - int(source[first] * share)
        events += delta
        if is_error:
            errors += delta
    return {"errors": errors, "events": events, "ratio": errors / events if events else float("nan")}


def make_slos(count: int, series_per_slo: int, job_prefix: str = "myservice") -> list[SLOTraffic]:
    """`count` jobs of `series_per_slo` series each (instances x 4 codes), phases spread over the day."""
    instances = max(1, series_per_slo // len(CODES))
    return [
        SLOTraffic(job=f"{job_prefix}{k:02d}", phase=(k * 7919) % DAY, base_rps=50.0 + 25.0 * k, instances=instances)
        for k in range(count)
    ]
