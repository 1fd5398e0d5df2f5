"""Benchmarks 1 and 2: rule evaluation cost in a real Prometheus, and accuracy of the period ratio.

One synthetic history (:mod:`bench.traffic`) is written as TSDB blocks; each rule set
(:mod:`bench.rulesets`) gets the history of the recordings its long windows read, backfilled with
``promtool tsdb create-blocks-from rules``; Prometheus then merges everything once. After that:

* accuracy (2): on that merged TSDB, each rule set's period error ratio is evaluated at the end
  of the history with the expression of the rule that records it, and compared with the exact
  ratio of the generated counters;
* cost (1): each rule set in turn is loaded into Prometheus on the same data while an exporter
  continues the history live; after a warm-up, Prometheus' own metrics give the evaluation time
  of every group over a bounded number of cycles, and each rule's expression is run once through
  the query API with ``stats=all`` (at the end of the history, no rules loaded) to count the samples it touches (Prometheus 2.42 has no
  ``prometheus_engine_query_samples_total``).

Every loop is bounded in count and time, every process is stopped by its pid in a ``finally``.
"""

from __future__ import annotations

import math
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import yaml
from burnwise.generator import names

from bench import exporter
from bench.procs import free_port
from bench.prometheus import Prometheus, started, wait_compacted, write_config
from bench.report import Result, ratio
from bench.rulesets import BUDGET, RuleSet, all_rule_sets
from bench.traffic import DAY, SLOTraffic, exact_ratio, make_slos
from bench.tsdb_data import backfill_rules, build_history, move_blocks

STEP = 15


@dataclass(frozen=True)
class Size:
    slos: int
    series_per_slo: int
    history: int  # seconds
    backfill_interval: int  # seconds; also what burnwise infers as the evaluation interval
    evaluation_interval: int  # seconds, for the cost runs
    cycles: int  # measured evaluation cycles per rule set
    run_limit: int  # seconds, cap for one rule set's cost run


SIZES = {
    "quick": Size(slos=10, series_per_slo=500, history=DAY, backfill_interval=60, evaluation_interval=10, cycles=4, run_limit=150),
    "full": Size(slos=10, series_per_slo=5000, history=3 * DAY, backfill_interval=60, evaluation_interval=60, cycles=5, run_limit=1800),
}


def metric_values(samples: list[tuple[str, dict[str, str], float]], name: str) -> dict[str, float]:
    """rule_group (or '' when unlabelled) -> value of one metric from a /metrics snapshot."""
    return {labels.get("rule_group", ""): value for metric, labels, value in samples if metric == name}


def measure_cost(prom: Prometheus, rule_set: RuleSet, size: Size) -> dict:
    """Warm up, then record every group's evaluation durations over `size.cycles` cycles (bounded in time)."""
    deadline = time.monotonic() + size.run_limit
    poll = max(1.0, size.evaluation_interval / 4)

    def iterations() -> dict[str, float]:
        return metric_values(prom.metrics(), "prometheus_rule_group_iterations_total")

    while time.monotonic() < deadline:  # warm-up: every group evaluated twice, on live data
        its = iterations()
        if its and min(its.values()) >= 2:
            break
        time.sleep(poll)
    before = prom.metrics()
    durations: dict[str, dict[float, float]] = {}
    while time.monotonic() < deadline:
        snapshot = prom.metrics()
        last_eval = metric_values(snapshot, "prometheus_rule_group_last_evaluation_timestamp_seconds")
        last_duration = metric_values(snapshot, "prometheus_rule_group_last_duration_seconds")
        for group, stamp in last_eval.items():
            if group in last_duration:
                durations.setdefault(group, {})[stamp] = last_duration[group]
        if durations and min(len(v) for v in durations.values()) > size.cycles:
            break
        time.sleep(poll)
    after = prom.metrics()

    def delta(name: str) -> float:
        end, start = metric_values(after, name), metric_values(before, name)
        return sum(end.values()) - sum(start.get(k, 0.0) for k in end)

    # the first duration seen may predate the measurement window: keep only the later ones
    per_group = {g: list(v.values())[1:] for g, v in durations.items()}
    cycle_seconds = sum(statistics.median(v) for v in per_group.values() if v)
    rss = metric_values(after, "process_resident_memory_bytes").get("")
    return {
        "groups": len(per_group),
        "cycles_measured": min((len(v) for v in per_group.values()), default=0),
        "eval_s_per_cycle": cycle_seconds,
        "missed_iterations": delta("prometheus_rule_group_iterations_missed_total"),
        "eval_failures": delta("prometheus_rule_evaluation_failures_total"),
        "rss_mib": rss / 2**20 if rss else None,
    }


def one_cycle_by_api(prom: Prometheus, rule_set: RuleSet, at: float) -> dict:
    """Every rule's expression run once, in order, through the query API with ``stats=all``.

    Returns the samples they read (``totalQueryableSamples``) and their summed evaluation time: a
    cycle's cost measured one query at a time on an otherwise idle Prometheus, free of the
    contention between groups that evaluate concurrently.
    """
    samples, seconds = 0, 0.0
    for text in rule_set.files.values():
        for group in (yaml.safe_load(text) or {}).get("groups", []):
            for rule in group["rules"]:
                stats = prom.query(rule["expr"], at=at, stats=True).get("stats", {})
                samples += int(stats.get("samples", {}).get("totalQueryableSamples", 0))
                seconds += float(stats.get("timings", {}).get("evalTotalTime", 0.0))
    return {"samples_per_cycle": samples, "api_eval_s_per_cycle": seconds}


def accuracy_instant(prom: Prometheus, end: int) -> float:
    """The newest instant at which burnwise's backfilled recordings have a sample.

    In Prometheus the raw hour and the longer windows built from it are evaluated in one group at
    one instant. Here they come from ``promtool tsdb create-blocks-from rules``, which evaluates
    at its group's own offset, so the newest recorded sample can be up to one backfill interval
    older than ``end``. Reading the inlined period expression at ``end`` would pair stale
    recordings with an exact ratio counted to ``end`` and miss the last minute of errors (a -1 %
    error when an episode runs at the end). Every rule set is read, and the exact ratio computed,
    at this instant instead. All levels share one group name, hence one offset (see ``run``).
    """
    newest = prom.vector(f"max(timestamp({names.errors(3600)}))", at=end)
    return newest[0][1] if newest else float(end)


def accuracy_rows(prom: Prometheus, rule_sets: list[RuleSet], slos: list[SLOTraffic], start: int, end: int) -> tuple[list[dict], dict]:
    at = accuracy_instant(prom, end)
    exact = {slo.job: exact_ratio(slo, start, end, STEP, until=at)["ratio"] for slo in slos}
    rows, detail = [], {"evaluated_at": at, "end_of_history": end}
    for rule_set in rule_sets:
        rel_errors, abs_errors, budget_errors, values = [], [], [], {}
        for slo in slos:
            result = prom.vector(rule_set.period_ratio[slo.job], at=at)
            value = result[0][1] if result else math.nan
            values[slo.job] = value
            truth = exact[slo.job]
            abs_errors.append(abs(value - truth))
            rel_errors.append(abs(value - truth) / truth)
            budget_errors.append(abs((1 - value / BUDGET) - (1 - truth / BUDGET)))
        detail[rule_set.name] = values
        rows.append(
            {
                "rule set": rule_set.label,
                "mean ratio": statistics.fmean(values.values()),
                "exact mean ratio": statistics.fmean(exact.values()),
                "max abs err": max(abs_errors),
                "mean rel err %": 100 * statistics.fmean(rel_errors),
                "max rel err %": 100 * max(rel_errors),
                "budget remaining max abs err (pp)": 100 * max(budget_errors),
            }
        )
    detail["exact"] = exact
    return rows, detail


def run(mode: str, workdir: Path) -> list[Result]:
    size = SIZES[mode]
    work = workdir / "rules"
    data_dir = work / "tsdb"
    slos = make_slos(size.slos, size.series_per_slo)
    end = int(time.time()) // size.backfill_interval * size.backfill_interval
    start = end - size.history
    timings: dict[str, float] = {}

    started_at = time.monotonic()
    samples = build_history(slos, start, end, STEP, work / "openmetrics", data_dir, timeout=6 * 3600)
    timings["history_s"] = time.monotonic() - started_at
    rule_sets, notes = all_rule_sets(slos, work)
    for rule_set in rule_sets:
        rules_dir = work / "rulesets" / rule_set.name
        rules_dir.mkdir(parents=True, exist_ok=True)
        for name, text in rule_set.files.items():
            (rules_dir / name).write_text(text, encoding="utf-8")

    # backfill the recordings long windows read, against a Prometheus serving the raw history and
    # the levels backfilled before (a recording that reads another needs that one's blocks loaded)
    empty_config = work / "prometheus-empty.yml"
    write_config(empty_config, [], size.evaluation_interval, None)
    started_at = time.monotonic()
    for rule_set in rule_sets:
        # the same file for every level: the evaluation offset depends on the group's name and file
        rules_file = work / "backfill" / f"{rule_set.name}.yaml"
        rules_file.parent.mkdir(parents=True, exist_ok=True)
        for i, backfill in enumerate(rule_set.backfills):
            rules_file.write_text(backfill.rules_yaml, encoding="utf-8")
            since = start if backfill.since_end is None else end - backfill.since_end
            out = work / "backfill" / f"{rule_set.name}-{i}-blocks"
            with started(data_dir, empty_config, work / "prometheus-backfill.log") as prom:
                backfill_rules(rules_file, prom.url, since, end, size.backfill_interval, out, work / "backfill" / f"{rule_set.name}-{i}.log", timeout=6 * 3600)
            move_blocks(out, data_dir)
    timings["backfill_s"] = time.monotonic() - started_at

    # merge once, so no vertical compaction runs during the cost runs; then read the accuracy
    started_at = time.monotonic()
    with started(data_dir, empty_config, work / "prometheus-merge.log") as prom:
        merged = wait_compacted(data_dir, timeout=900)
        accuracy, detail = accuracy_rows(prom, rule_sets, slos, start, end)
        # samples per evaluation, counted here: no rules run, so nothing queues behind them
        touched = {rule_set.name: one_cycle_by_api(prom, rule_set, end) for rule_set in rule_sets}
    timings["merge_and_accuracy_s"] = time.monotonic() - started_at
    if not merged:
        notes.append("overlapping blocks were still being merged when the cost runs began")

    cost_rows = []
    series = exporter.SyntheticSeries(slos, start, STEP)
    with exporter.serving(series, free_port()) as target:
        for rule_set in rule_sets:
            config = work / f"prometheus-{rule_set.name}.yml"
            write_config(config, sorted((work / "rulesets" / rule_set.name).glob("*")), size.evaluation_interval, target)
            with started(data_dir, config, work / f"prometheus-{rule_set.name}.log") as prom:
                cost = measure_cost(prom, rule_set, size)
                cost.update(touched[rule_set.name])
            rules = sum(len(g["rules"]) for text in rule_set.files.values() for g in yaml.safe_load(text)["groups"])
            cost_rows.append({"rule set": rule_set.label, "rules": rules, **cost})

    burnwise_row = cost_rows[0]
    ratios: dict[str, float | None] = {}
    for row in cost_rows[1:]:
        key = "sloth" if row["rule set"].startswith("Sloth") else "pyrra-style"
        ratios[f"eval time burnwise / {key}"] = ratio(burnwise_row["eval_s_per_cycle"], row["eval_s_per_cycle"])
        ratios[f"samples burnwise / {key}"] = ratio(burnwise_row["samples_per_cycle"], row["samples_per_cycle"])
        ratios[f"API eval time burnwise / {key}"] = ratio(burnwise_row["api_eval_s_per_cycle"], row["api_eval_s_per_cycle"])
    config = {
        "slos": size.slos,
        "series_per_slo": size.series_per_slo,
        "history": f"{size.history // 3600}h at {STEP}s",
        "samples": samples,
        "evaluation_interval_s": size.evaluation_interval,
        "backfill_interval_s": size.backfill_interval,
        **{k: round(v, 1) for k, v in timings.items()},
    }
    cost_result = Result(
        name="rule_cost",
        title="1. Rule evaluation cost in a real Prometheus (same data, one rule set at a time)",
        config=dict(config),
        columns=["rule set", "rules", "groups", "cycles_measured", "eval_s_per_cycle", "api_eval_s_per_cycle", "samples_per_cycle", "missed_iterations", "eval_failures", "rss_mib"],
        rows=cost_rows,
        ratios=ratios,
        targets={"eval time burnwise / sloth": "<= 0.2"},
        notes=notes + [
            "eval_s_per_cycle: per group the median of prometheus_rule_group_last_duration_seconds over the measured cycles, summed over groups",
            "samples_per_cycle / api_eval_s_per_cycle: each rule's expression run once, one at a time, via /api/v1/query?stats=all at the "
            "end of the history on the merged TSDB with no rules loaded; totalQueryableSamples and evalTotalTime summed "
            "(2.42 has no prometheus_engine_query_samples_total)",
            f"windows longer than the history ({size.history // 3600}h) read only the history that exists, which understates the cost of raw long windows",
        ],
    )
    acc_ratios = {}
    for row in accuracy:
        acc_ratios[f"max rel err % {row['rule set']}"] = row["max rel err %"]
    accuracy_result = Result(
        name="accuracy",
        title="2. Accuracy of the period error ratio and budget remaining (errors at the traffic peaks)",
        config={**config, "period": "30d (covers the whole history)", "peak_to_trough": 10, "error budget": BUDGET},
        columns=["rule set", "mean ratio", "exact mean ratio", "max abs err", "mean rel err %", "max rel err %", "budget remaining max abs err (pp)"],
        rows=accuracy,
        ratios=acc_ratios,
        targets={"max rel err % burnwise (generated)": "<= 0.5"},
        notes=[
            "each value is the expression of the rule that records the period ratio, evaluated at the newest sample of burnwise's "
            "backfilled raw-hour recording (at most one backfill interval before the end of the history; where Prometheus "
            "evaluates them together); exact = summed counter increases of the generated series up to that instant",
            "budget remaining = 1 - ratio / budget; its error is in percentage points of the budget",
        ],
    )
    accuracy_result.extra["period_ratio_per_slo"] = detail
    return [cost_result, accuracy_result]
