"""`python -m bench [--mode quick|full] [--only NAME ...]`: run the benchmarks, print tables, write JSON."""

from __future__ import annotations

import argparse
import importlib
import os
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench.report import Result, format_result, write_json

#: Benchmark name -> module (each has `run(mode, workdir) -> Result | list[Result]`), in run order.
BENCHMARKS = {
    "generation": "bench.generation",
    "rules": "bench.rule_eval",
    "receiver": "bench.receiver",
    "gate": "bench.gate",
}
RESULTS_DIR = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--mode", choices=("quick", "full"), default="quick", help="sizes (default: quick, a few minutes on 2 cores)")
    parser.add_argument("--only", action="append", choices=sorted(BENCHMARKS), help="run only this benchmark (repeatable)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary work directory (logs, data)")
    parser.add_argument("--results", type=Path, default=RESULTS_DIR, help="directory for the JSON results")
    args = parser.parse_args(argv)

    selected = [name for name in BENCHMARKS if not args.only or name in args.only]
    workdir = Path(tempfile.mkdtemp(prefix="burnwise-bench-"))
    results: list[Result] = []
    failed = []
    try:
        for name in selected:
            started = time.monotonic()
            load_before = os.getloadavg()[0]
            print(f"-- running {name} ({args.mode}) ...", flush=True)
            try:
                module = importlib.import_module(BENCHMARKS[name])
                produced = module.run(args.mode, workdir)
            except Exception as exc:  # one broken benchmark must not hide the others' figures
                traceback.print_exc()
                failed.append(name)
                results.append(Result(name=name, title=f"{name}: FAILED", config={}, columns=[], notes=[f"failed: {exc}"]))
                continue
            for result in produced if isinstance(produced, list) else [produced]:
                result.config["benchmark_wall_s"] = round(time.monotonic() - started, 1)
                # other work on the machine changes every figure: show how busy it was
                result.config["loadavg_1m_before_after"] = f"{load_before:.1f}/{os.getloadavg()[0]:.1f}"
                results.append(result)
                print(format_result(result) + "\n", flush=True)
    finally:
        if args.keep:
            print(f"work directory kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    path = write_json(results, args.mode, args.results)
    print(f"results written to {path}")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
