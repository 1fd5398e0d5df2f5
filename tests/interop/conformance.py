"""Run Sloth's generated rules and burnwise's rules side by side on the same synthetic series.

For one Sloth example, :func:`build_test_file` writes a `promtool test rules` file with one test
group per burn scenario. Every group loads both rule files, feeds the series of the scenario, and
asks at every step (1 minute) for the firing alerts, grouped by who fired them (Sloth or burnwise), for
which SLO, and whether page or ticket. Each entry expects nothing, so promtool reports exactly the
minutes at which something fires; :func:`timelines` reads those reports back into
``{(scenario, ruleset, service, slo, kind): [minutes firing]}``.

Why this shape: a promtool run evaluates the rules once per group, however many eval times are
asked; querying `ALERTS` (which the rule evaluation writes into the test storage) needs no
comparison logic in PromQL, so the property checks stay in readable Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import yaml

#: Series samples, rule evaluations and alert checks all happen on this grid (both rule sets alike).
STEP_MINUTES = 1
#: Synthetic traffic per step of every counter family. Large enough that every burn in
#: :func:`scenarios` is a whole number of errors per step: counters then stay integers, because
#: promtool accumulates `a+bxn` in floats and a start value a hair below the running sum reads as
#: a counter reset (a false spike in `rate()`).
REQUESTS_PER_STEP = 1_000_000
#: Wifi clients of the unifi-poller examples (gauges, one per client; each is 0 or 1). Few,
#: because Sloth's SLI there is a subquery over every window (`[3d:]`), costly per series.
WIFI_CLIENTS = 3
#: `{group}` makes each test group's expression unique: promtool does not name the group of a
#: failed expression test, so burnwise's parser finds it by the expression text.
FIRING_QUERY = (
    "count by (service, sloth_service, slo, sloth_slo, sloth_severity, burnwise_tier) "
    '(ALERTS{{alertstate="firing",alertname!="{group}"}})'
)


@dataclass(frozen=True)
class Phase:
    minutes: int
    multiple: Decimal | None  # burn rate as a multiple of the budget; None = full outage (ratio 1)


@dataclass(frozen=True)
class Scenario:
    """Healthy lead-in, a burn, healthy recovery; the ratio is ``multiple * budget`` of one SLO."""

    name: str
    phases: tuple[Phase, ...]

    @property
    def minutes(self) -> int:
        return sum(p.minutes for p in self.phases)


LEAD_IN = Phase(60, Decimal(0))


def scenarios() -> list[Scenario]:
    """Full outage, sustained burns above each tier's factor, and a short blip, after 1h healthy.

    The multiples (15.7, 8.9, 4.3, 1.63, 23.3) and durations are chosen so that no window, full
    or on the short history after the lead-in, lands exactly on a tier's factor (:func:`ties`,
    :func:`tie_minutes`; a 4-minute blip at 23x is 92 budget-minutes and tied the 1x condition
    at minute 92, a 180-minute burn at 4.3x tied the 3x condition at minute 258). Sloth compares
    against ``factor * 0.000999...943`` (a float a hair below the budget), so on an exact tie
    Sloth fires and burnwise, which compares exact decimals, does not; ties are not what this
    test is about. Each burn lasts just long enough for the slowest condition that should catch it
    (the rules' cost grows with the square of the scenario's length).
    """

    def burn(name: str, multiple: str | None, minutes: int, recovery: int) -> Scenario:
        factor = None if multiple is None else Decimal(multiple)
        return Scenario(name, (LEAD_IN, Phase(minutes, factor), Phase(recovery, Decimal(0))))

    return [
        burn("outage", None, 30, 60),
        burn("burn-15.7x", "15.7", 75, 45),  # sev1 page (14.4x over 1h and 5m)
        burn("burn-8.9x", "8.9", 4 * 60 + 15, 45),  # sev2 page (6x over 6h and 30m)
        burn("burn-4.3x", "4.3", 3 * 60 + 1, 2 * 60 + 14),  # sev3 ticket (3x over 1d and 2h)
        burn("burn-1.63x", "1.63", 4 * 60, 90),  # sev3 ticket (1x over 3d and 6h)
        burn("blip", "23.3", 4, 45),  # too short to page
    ]


#: (factor, window minutes) of every condition in the corpus (all examples use the 30d defaults)
CONDITIONS = ((Decimal("14.4"), (5, 60)), (Decimal(6), (30, 360)), (Decimal(3), (120, 1440)), (Decimal(1), (360, 4320)))


def ties(ratio: Decimal, budget: Decimal) -> bool:
    """True if some whole number of burning minutes puts a window exactly on a tier's factor."""
    if ratio == 0:
        return False
    for factor, windows in CONDITIONS:
        for window in windows:
            minutes = factor * budget * window / ratio
            if minutes == minutes.to_integral_value() and 0 < minutes <= window:
                return True
    return False


def tie_minutes(ratios: list[Decimal], budget: Decimal) -> list[tuple[int, Decimal, int]]:
    """(minute, factor, window minutes) where a window's error ratio of the counter series lands
    exactly on ``factor * budget``, history included: at minute t a window holds the increments
    of the last ``min(window, t)`` steps (the counters start at zero, so `rate()` extrapolates
    nothing). :func:`ties` checks only full windows; on short history a burn of ``b`` budget-minutes
    ties the 1x condition at minute ``b`` (a 4-minute blip at 23x at minute 92)."""
    prefix = [Decimal(0)]
    for ratio in ratios:
        prefix.append(prefix[-1] + ratio)
    found = []
    for minute in range(1, len(ratios) + 1):
        for factor, windows in CONDITIONS:
            for window in windows:
                covered = min(window, minute)
                errors = prefix[minute] - prefix[minute - covered]
                if errors and errors == factor * budget * covered:
                    found.append((minute, factor, window))
    return found


def quantized(ratio: Decimal, budget: Decimal, clients: int) -> Decimal:
    """The nearest ratio ``k / clients`` (k >= 1) that makes no tie, for gauge examples."""
    wanted = max(1, min(clients, round(ratio * clients)))
    for k in sorted(range(1, clients + 1), key=lambda k: (abs(k - wanted), k)):
        candidate = Decimal(k) / Decimal(clients)
        if k == clients or not ties(candidate, budget):
            return candidate
    return Decimal(1)


def error_ratios(scenario: Scenario, budget: Decimal, clients: int | None = None) -> list[Decimal]:
    """Error ratio of each step. The burn is measured against ``budget``; with ``clients`` (gauge
    examples, one series per client) it is rounded to a whole number of unhappy clients."""
    ratios: list[Decimal] = []
    for phase in scenario.phases:
        ratio = Decimal(1) if phase.multiple is None else min(Decimal(1), phase.multiple * budget)
        if clients and ratio not in (0, 1):
            ratio = quantized(ratio, budget, clients)
        ratios.extend([ratio] * (phase.minutes // STEP_MINUTES))
    return ratios


def _counter_notation(increments: list[int]) -> str:
    """promtool's `a+bxn` notation for a counter growing by ``increments[i]`` in step i."""
    segments: list[str] = []
    value = 0
    i = 0
    while i < len(increments):
        j = i
        while j < len(increments) and increments[j] == increments[i]:
            j += 1
        count = j - i
        if not segments:
            segments.append(f"0+{increments[i]}x{count}")
        else:
            segments.append(f"{value + increments[i]}+{increments[i]}x{count - 1}")
        value += increments[i] * count
        i = j
    return " ".join(segments)


def _gauge_notation(values: list[float]) -> str:
    segments: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j] == values[i]:
            j += 1
        segments.append(f"{values[i]:g}x{j - i - 1}" if j - i > 1 else f"{values[i]:g}")
        i = j
    return " ".join(segments)


#: metric family -> the name its queries contain (each family is fed by its own series below)
FAMILIES = {
    "http": "http_request_duration_seconds_count",
    "apiserver-requests": "apiserver_request_total",
    "apiserver-latency": "apiserver_request_duration_seconds",
    "wifi": "unifipoller_client_satisfaction_ratio",
}


def families(text: str) -> set[str]:
    """The metric families a query (or a whole example) reads."""
    return {family for family, metric in FAMILIES.items() if metric in text}


def _whole(ratios: list[Decimal]) -> list[int]:
    bad = [int(r * REQUESTS_PER_STEP) for r in ratios]
    if any(b != r * REQUESTS_PER_STEP for b, r in zip(bad, ratios)):
        raise ValueError("a burn is not a whole number of errors per step; raise REQUESTS_PER_STEP")
    return bad


def input_series(example_text: str, ratios: list[Decimal] | dict[str, list[Decimal]]) -> list[dict[str, str]]:
    """Series for every metric family the example's queries read, following ``ratios`` (one list
    for all families, or one per family when the SLOs of an example read different metrics)."""
    per_family = ratios if isinstance(ratios, dict) else {family: ratios for family in families(example_text)}
    series: list[dict[str, str]] = []

    def counter(name: str, increments: list[int]) -> None:
        series.append({"series": name, "values": _counter_notation(increments)})

    def good_bad_total(family: str) -> tuple[list[int], list[int], list[int]]:
        bad = _whole(per_family[family])
        return [REQUESTS_PER_STEP - b for b in bad], bad, [REQUESTS_PER_STEP] * len(bad)

    if "http" in per_family:
        good, bad, _total = good_bad_total("http")
        for job in sorted(set(re.findall(r'job="([^"]+)"', example_text))):
            counter(f'http_request_duration_seconds_count{{job="{job}",code="200"}}', good)
            counter(f'http_request_duration_seconds_count{{job="{job}",code="500"}}', bad)
    if "apiserver-requests" in per_family:
        good, bad, _total = good_bad_total("apiserver-requests")
        counter('apiserver_request_total{code="200"}', good)
        counter('apiserver_request_total{code="500"}', bad)
    if "apiserver-latency" in per_family:
        good, _bad, total = good_bad_total("apiserver-latency")
        counter('apiserver_request_duration_seconds_count{verb="GET"}', total)
        for le in ("0.4", "5"):
            counter(f'apiserver_request_duration_seconds_bucket{{verb="GET",le="{le}"}}', good)
        counter('apiserver_request_duration_seconds_bucket{verb="GET",le="+Inf"}', total)
    if "wifi" in per_family:
        unhappy = [int(r * WIFI_CLIENTS) for r in per_family["wifi"]]
        for client in range(WIFI_CLIENTS):
            values = [0.0 if client < count else 1.0 for count in unhappy]
            series.append(
                {"series": f'unifipoller_client_satisfaction_ratio{{client="c{client:02d}"}}', "values": _gauge_notation(values)}
            )
    if not series:
        raise ValueError("no known metric family in this example; teach input_series about it")
    return series


def gauge_clients(example_text: str) -> int | None:
    """Examples whose SLI counts gauge series (one per wifi client) need whole-client ratios."""
    return WIFI_CLIENTS if "unifipoller_client_satisfaction_ratio" in example_text else None


_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def alert_closure(rule_file: Path, out: Path) -> None:
    """Copy a rule file keeping only alerts and the recordings they depend on (transitively).

    A prometheus-operator `PrometheusRule` (what Sloth generates for its Kubernetes CRD) is
    unwrapped to its groups, which promtool can load.

    Alert behaviour is unchanged; what goes is the period's recordings (30d ratios, budget
    remaining, metadata), which no alert reads but which cost the most to evaluate in promtool.
    """
    data: dict = {"groups": []}
    for doc in yaml.safe_load_all(rule_file.read_text(encoding="utf-8")):  # Sloth: one document per spec
        if doc and doc.get("kind") == "PrometheusRule":  # Sloth's output for its Kubernetes CRD
            doc = doc["spec"]
        data["groups"].extend((doc or {}).get("groups", []))
    rules = [rule for group in data["groups"] for rule in group["rules"]]
    needed: set[str] = set()
    pending = [rule["expr"] for rule in rules if "alert" in rule]
    recorded = {rule["record"] for rule in rules if "record" in rule}
    while pending:
        for name in set(_NAME.findall(pending.pop())) & recorded - needed:
            needed.add(name)
            pending.extend(rule["expr"] for rule in rules if rule.get("record") == name)
    groups = []
    for group in data["groups"]:
        kept = [rule for rule in group["rules"] if "alert" in rule or rule.get("record") in needed]
        if kept:
            groups.append({**group, "rules": kept})
    out.write_text(yaml.safe_dump({"groups": groups}, sort_keys=False), encoding="utf-8")


def test_group(name: str, series: list[dict[str, str]], minutes: int) -> dict:
    return {
        "name": name,
        "interval": f"{STEP_MINUTES}m",
        "input_series": series,
        "promql_expr_test": [
            {"expr": FIRING_QUERY.format(group=name), "eval_time": f"{m}m", "exp_samples": []} for m in range(0, minutes, STEP_MINUTES)
        ],
    }


def evaluation_order(rule_files: list[str]) -> list[str]:
    """Every group of the rule files, those without alerts first (file order otherwise).

    Why: promtool evaluates the groups of a test in map order (random per run) unless the test
    file names an order. Sloth puts its recordings and its alerts in separate groups, so in half
    the runs its alerts read the previous minute's recordings and fire and reset one evaluation
    late. Recordings first makes every alert read the same evaluation's values, as burnwise's
    single group per SLO does: the comparison is between the two rule sets' window arithmetic,
    and it is the same on every run.
    """
    groups = []
    for rule_file in rule_files:
        groups.extend(yaml.safe_load(Path(rule_file).read_text(encoding="utf-8"))["groups"])
    has_alerts = [any("alert" in rule for rule in group["rules"]) for group in groups]
    return [g["name"] for g, alerts in zip(groups, has_alerts) if not alerts] + [
        g["name"] for g, alerts in zip(groups, has_alerts) if alerts
    ]


def build_test_file(path: Path, rule_files: list[str], groups: list[dict]) -> None:
    document = {
        "rule_files": rule_files,
        "evaluation_interval": f"{STEP_MINUTES}m",
        "group_eval_order": evaluation_order(rule_files),
        "tests": groups,
    }
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


Key = tuple[str, str, str, str, str]  # scenario, ruleset (sloth|burnwise), service, slo, kind (page|ticket)


def _minutes(eval_time: str) -> int:
    seconds = 0
    for number, unit in re.findall(r"(\d+)([hms])", eval_time):
        seconds += int(number) * {"h": 3600, "m": 60, "s": 1}[unit]
    return seconds // 60


def timelines(result, group_names: list[str]) -> dict[Key, list[int]]:
    """Minutes at which each (scenario, ruleset, service, slo, kind) fired, from promtool's failures."""
    found: dict[Key, list[int]] = {}
    for failure in result.failures:
        if failure.kind != "expr" or failure.test_index is None:
            raise AssertionError(f"promtool failed for another reason:\n{failure.format()}")
        scenario = group_names[failure.test_index - 1]
        minute = _minutes(failure.eval_time or "")
        for sample in failure.got or []:
            labels = sample.labels
            ruleset = "burnwise" if labels.get("burnwise_tier") else "sloth"
            service = labels.get("service") or labels.get("sloth_service", "")
            slo = labels.get("slo") or labels.get("sloth_slo", "")
            kind = labels.get("sloth_severity", "")
            found.setdefault((scenario, ruleset, service, slo, kind), []).append(minute)
    return {key: sorted(set(minutes)) for key, minutes in found.items()}


def intervals(minutes: list[int]) -> list[tuple[int, int]]:
    """Contiguous firing runs as (first minute, last minute)."""
    runs: list[tuple[int, int]] = []
    for minute in minutes:
        if runs and minute == runs[-1][1] + STEP_MINUTES:
            runs[-1] = (runs[-1][0], minute)
        else:
            runs.append((minute, minute))
    return runs
