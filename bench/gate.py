"""Benchmark 5: the GitOps gate at scale - generate, test, one regression case, an incremental check.

Each row runs the real CLI as a fresh process (wall time and the children's CPU time: the machine
is shared, and CPU time is disturbed less by other load) and gives its ratio to the figure measured
on main before the gate work (:data:`BEFORE`, documented in docs/performance.md with how each was
measured). Rows:

* ``burnwise generate`` of 1,000 SLOs (100 files, the generation benchmark's corpus);
* ``burnwise test`` on 100 SLOs (10 files) and, with ``--mode full``, on 1,000 SLOs (100 files);
* ``burnwise test`` of one regression case: a ticket incident of checkout/availability (3-day
  window) made by :mod:`burnwise.reports.regression`;
* ``burnwise check --changed-since HEAD`` in a git repository of 100 one-SLO specs, one changed.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.procs import python_env, run_checked
from bench.report import Result, ratio
from bench.spec_corpus import write_corpus

REPO = Path(__file__).resolve().parents[1]

#: Figures on main before the gate work (2-core machine; see docs/performance.md for each):
#: wall seconds, or None where only CPU seconds were measured.
BEFORE = {
    "generate 1,000 SLOs": {"wall_s": 5.0, "cpu_s": 4.97},
    "test 100 SLOs": {"wall_s": 480.0, "cpu_s": 2205.0},
    "test 1,000 SLOs": {"wall_s": None, "cpu_s": 22050.0},
    "one regression case (ticket, 3d window)": {"wall_s": 79.4, "cpu_s": 44.4},
    "check, 1 of 100 specs changed": {"wall_s": None, "cpu_s": 2205.0},
}
TARGETS = {"test 100 SLOs": "< 60 s", "one regression case (ticket, 3d window)": "< 10 s", "generate 1,000 SLOs": "< 3 s"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(args: list[str], log: Path, cwd: Path, timeout: float = 3600.0) -> tuple[float, float]:
    before = _children_cpu()
    wall = run_checked(args, log, timeout, cwd=cwd, env=python_env())
    return wall, _children_cpu() - before


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "burnwise", *args]


def _regression_case(work: Path) -> Path:
    """A ticket regression case for checkout/availability, against rules rendered into ``work``."""
    from burnwise.receiver.records import IncidentDetail
    from burnwise.reports.regression import plan_regression, write_case
    from burnwise.reports.slos import find_slo, load_catalog

    rules = work / "rules"
    run_checked(_cli("generate", str(REPO / "slo_specs"), "--out", str(rules)), work / "generate-rules.log", 300, cwd=REPO, env=python_env())
    opened = datetime(2026, 11, 20, 3, 0, tzinfo=timezone.utc)
    ended = opened + timedelta(hours=2)
    labels = {"alertname": "CheckoutAvailabilityBudgetBurn", "service": "checkout", "slo": "availability", "severity": "sev3"}
    alert = {"fingerprint": "fp", "alertname": labels["alertname"], "status": "resolved", "severity": "sev3", "labels": labels,
             "annotations": {"burnwise_burn_rate": "6"}, "starts_at": opened, "ends_at": ended, "generator_url": "",
             "first_seen_at": opened, "last_seen_at": ended}
    detail = IncidentDetail.model_validate({
        "id": 1, "status": "resolved", "severity": "sev3", "route": "ticket", "title": "t", "receiver": "r", "group_key": "g",
        "surface": None, "service": "checkout", "slo": "availability", "owner": None, "labels": labels, "responders": None,
        "links": [], "dedup_key": "d", "opened_at": opened, "acknowledged_at": opened, "acknowledged_by": "x",
        "resolved_at": ended, "resolved_by": "alertmanager", "escalation_step": 0, "escalation_chain": [],
        "escalation_due_at": None, "alerts": [alert], "timeline": [], "pages": [],
    })
    ref = find_slo(load_catalog(REPO / "slo_specs"), "checkout", "availability")
    return write_case(plan_regression(detail, ref), ref, rules / "tests" / "regressions", rules)


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.test", *args], cwd=repo, check=True,
                   capture_output=True, timeout=120)


def run(mode: str, workdir: Path) -> Result:
    work = workdir / "gate"
    work.mkdir(parents=True, exist_ok=True)
    measured: dict[str, tuple[float, float]] = {}

    write_corpus(work / "specs1000", files=100, slos_per_file=10)
    measured["generate 1,000 SLOs"] = _timed(_cli("generate", "specs1000", "--out", "out1000"), work / "gen1000.log", work)

    write_corpus(work / "specs100", files=10, slos_per_file=10)
    run_checked(_cli("generate", "specs100", "--out", "out100"), work / "gen100.log", 300, cwd=work, env=python_env())
    measured["test 100 SLOs"] = _timed(_cli("test", "--out", "out100"), work / "test100.log", work)
    if mode == "full":  # about 30 CPU-minutes less than before, but still minutes: full mode only
        measured["test 1,000 SLOs"] = _timed(_cli("test", "--out", "out1000"), work / "test1000.log", work)

    case = _regression_case(work)
    measured["one regression case (ticket, 3d window)"] = _timed(_cli("test", str(case)), work / "regression.log", work)

    repo = work / "repo"
    write_corpus(repo / "slo_specs", files=100, slos_per_file=1)
    run_checked(_cli("generate"), work / "repo-generate.log", 300, cwd=repo, env=python_env())
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "base")
    spec = repo / "slo_specs" / "svc042.yaml"
    spec.write_text(spec.read_text().replace("objective: 99.9", "objective: 99.5"), encoding="utf-8")
    run_checked(_cli("generate"), work / "repo-generate2.log", 300, cwd=repo, env=python_env())
    measured["check, 1 of 100 specs changed"] = _timed(_cli("check", "--changed-since", "HEAD"), work / "check.log", repo)

    rows = []
    ratios: dict[str, float | None] = {}
    for name, (wall, cpu) in measured.items():
        before = BEFORE[name]
        row = {"run": name, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2), "before_wall_s": before["wall_s"],
               "before_cpu_s": before["cpu_s"], "wall_ratio": ratio(wall, before["wall_s"]), "cpu_ratio": ratio(cpu, before["cpu_s"])}
        rows.append(row)
        ratios[f"{name}: wall s"] = round(wall, 2)
    return Result(
        name="gate",
        title="5. The GitOps gate: generate, test, regression case, incremental check (ratios to main before)",
        config={"corpus": "bench/spec_corpus.py (events/latency, 30d/28d/7d, 4 objectives)", "jobs": "CPUs"},
        columns=["run", "wall_s", "cpu_s", "before_wall_s", "before_cpu_s", "wall_ratio", "cpu_ratio"],
        rows=rows,
        ratios=ratios,
        targets={f"{k}: wall s": v for k, v in TARGETS.items()},
    )
