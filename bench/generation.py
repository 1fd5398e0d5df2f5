"""Benchmark 3: wall time of `burnwise generate` on 1,000 SLOs in 100 files, against the YAML limit.

The limit is the least any generator must do for the same job: read the same input YAML and write
the same output bytes with the same YAML library (:mod:`bench.yaml_limit`), which includes the
same emitter choice (:mod:`burnwise.generator.yaml_out`: libyaml's C emitter where present). Both run as
fresh processes into a fresh output directory, so interpreter start and file writes count for both.
Two more rows run both without libyaml (``BURNWISE_YAML_EMITTER=pure``, ``--emitter pure``): what a
machine whose PyYAML lacks libyaml sees; the bytes must not change. The machine is shared, so each
row also gives the child's CPU time (user + sys), which other load disturbs less than wall time.
"""

from __future__ import annotations

import json
import resource
import sys
from pathlib import Path

import yaml
from burnwise.generator.yaml_out import EMITTER_ENV, emitter_name

from bench.procs import python_env, run_checked
from bench.report import Result, median, ratio
from bench.spec_corpus import write_corpus

SIZES = {"quick": {"files": 100, "slos_per_file": 10, "repeats": 1}, "full": {"files": 100, "slos_per_file": 10, "repeats": 3}}


def split_generated(text: str) -> tuple[str, str]:
    """(leading comment lines, YAML body) of a generated file."""
    lines = text.splitlines(keepends=True)
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    return "".join(lines[:head]), "".join(lines[head:])


def planned_outputs(generated_dir: Path) -> list[dict]:
    """Every generated file as {path, header, data}; parsed with libyaml (preparation, not measured)."""
    loader = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
    outputs = []
    for path in sorted(p for p in generated_dir.rglob("*") if p.is_file()):
        header, body = split_generated(path.read_text(encoding="utf-8"))
        outputs.append({"path": path.relative_to(generated_dir).as_posix(), "header": header, "data": yaml.load(body, Loader=loader)})
    return outputs


def same_bytes(a: Path, b: Path) -> bool:
    files_a = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return files_a == files_b and all((a / f).read_bytes() == (b / f).read_bytes() for f in files_a)


def tree_bytes(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.rglob("*") if p.is_file())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str], log: Path, work: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall s, CPU s) of one child process run to completion."""
    before = _children_cpu()
    wall = run_checked(args, log, 600.0, cwd=work, env=env)
    return wall, _children_cpu() - before


#: Rows: key -> (title, emitter for the limit or None for burnwise, environment overrides).
RUNS = {
    "burnwise": ("burnwise generate", None, {}),
    "limit": ("limit: PyYAML load + dump, same writer and emitter", "auto", {}),
    "burnwise-pure": ("burnwise generate without libyaml", None, {EMITTER_ENV: "pure"}),
    "limit-pure": ("limit without libyaml (pure-Python emitter)", "pure", {}),
}


def run(mode: str, workdir: Path) -> Result:
    size = SIZES[mode]
    work = workdir / "generation"
    work.mkdir(parents=True, exist_ok=True)
    spec_paths = write_corpus(work / "specs", size["files"], size["slos_per_file"])
    rel_specs = [p.relative_to(work) for p in spec_paths]
    env = python_env()
    outputs: list[dict] | None = None
    times: dict[str, list[tuple[float, float]]] = {key: [] for key in RUNS}
    for key, (_title, emitter, extra_env) in RUNS.items():
        for i in range(size["repeats"]):
            out = f"out-{key}-{i}"
            if emitter is None:
                args = [sys.executable, "-m", "burnwise", "generate", "specs", "--out", out]
            else:
                if outputs is None:  # burnwise's first output, parsed (preparation, not measured)
                    outputs = planned_outputs(work / "out-burnwise-0")
                plan_path = work / f"plan-{key}-{i}.json"
                plan_path.write_text(json.dumps({"inputs": [str(p) for p in rel_specs], "out_dir": out, "outputs": outputs}), encoding="utf-8")
                args = [sys.executable, "-m", "bench.yaml_limit", plan_path.name, "--emitter", emitter]
            times[key].append(timed(args, work / f"{key}-{i}.log", work, {**env, **extra_env}))

    slo_count = size["files"] * size["slos_per_file"]
    reference = work / "out-burnwise-0"
    rows = []
    for key, (title, _emitter, _env) in RUNS.items():
        out = work / f"out-{key}-0"
        rows.append(
            {
                "run": title,
                "wall_s": median([wall for wall, _cpu in times[key]]),
                "cpu_s": median([cpu for _wall, cpu in times[key]]),
                "output_bytes": tree_bytes(out),
                "same_bytes_as_burnwise": same_bytes(reference, out),
            }
        )
    for row in rows:
        row["slos_per_s"] = ratio(slo_count, row["wall_s"])
    by_key = dict(zip(RUNS, rows))
    burnwise_s, limit_s = by_key["burnwise"]["wall_s"], by_key["limit"]["wall_s"]
    result = Result(
        name="generation",
        title="3. Generation speed: burnwise generate vs the YAML limit",
        config={
            "spec_files": size["files"],
            "slos": slo_count,
            "repeats (median)": size["repeats"],
            "yaml": f"PyYAML {yaml.__version__}, emitter: {emitter_name()}",
            "python": sys.version.split()[0],
        },
        columns=["run", "wall_s", "cpu_s", "slos_per_s", "output_bytes", "same_bytes_as_burnwise"],
        rows=rows,
        ratios={
            "burnwise / limit": ratio(burnwise_s, limit_s),
            "burnwise / limit (CPU)": ratio(by_key["burnwise"]["cpu_s"], by_key["limit"]["cpu_s"]),
            "burnwise wall s": burnwise_s,
            "without libyaml: burnwise / limit": ratio(by_key["burnwise-pure"]["wall_s"], by_key["limit-pure"]["wall_s"]),
        },
        targets={"burnwise / limit": "< 3", "burnwise wall s": "< 1"},
    )
    if not all(row["same_bytes_as_burnwise"] for row in rows):
        result.notes.append("BYTES DIFFER: a run wrote other bytes than burnwise generate (see same_bytes_as_burnwise)")
    if burnwise_s is not None and burnwise_s >= 1:
        result.notes.append(
            f"target < 1 s missed (the limit itself takes {limit_s:.1f} s: interpreter start, PyYAML's pure-Python "
            "parser for the specs, a PyYAML node for every scalar of the output); profile in docs/performance.md"
        )
    return result
