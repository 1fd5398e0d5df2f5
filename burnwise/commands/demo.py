"""`burnwise demo`: a real burn on this machine becomes a page, an incident and a resolve.

Renders and checks ``slo_specs/`` like ``burnwise generate`` and ``burnwise check`` (into the run's
directory; the working tree is left as it is), then starts the
chain of :mod:`burnwise.demo.stack` in a temporary directory and plays
:mod:`burnwise.demo.scenario`. Every process is stopped by its own pid and the directory removed on
success, failure and Ctrl-C; ``--keep`` leaves everything running until Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

import requests

from burnwise.commands.roster_claims import default_roster_claims
from burnwise.demo.scenario import DemoFailure, Scenario, pager_line
from burnwise.demo.stack import Stack, StackSettings, find_binary
from burnwise.errors import BurnwiseError
from burnwise.durations import format_duration
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import find_drift, render_outputs, write_outputs
from burnwise.generator.promtool import Promtool
from burnwise.support.processes import ProcessFailed, install_stop_signals, log_tail

SPECS = Path("slo_specs")
RULES = Path("rendered_rules")
DEMO_SPEC = SPECS / "checkout.yaml"
ROSTER = Path("oncall/roster.yaml")
RUNBOOKS = Path("oncall/runbooks.yaml")


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="run Prometheus, Alertmanager, the receiver and a pager locally and watch a burn become a page",
        description="Start the whole chain on loopback ports in a temporary directory, break the demo checkout "
        "service, and show the page, the incident, the acknowledgement and the resolve. Run it from the "
        "repository root (it reads slo_specs/ and oncall/). See docs/demo.md.",
    )
    parser.add_argument("--keep", action="store_true", help="keep everything running afterwards, until Ctrl-C")
    parser.add_argument(
        "--timeout", type=float, default=180.0, metavar="SECONDS",
        help="how long to wait for the page, and again for the resolve (default: 180)",
    )
    parser.set_defaults(func=run)


def _require_inputs() -> None:
    for path in (DEMO_SPEC, ROSTER, RUNBOOKS):
        if not path.is_file():
            raise BurnwiseError(f"{path.as_posix()} not found: run `burnwise demo` from the burnwise repository root")
    missing = [name for name in ("prometheus", "alertmanager") if find_binary(name) is None]
    if missing:
        raise BurnwiseError(
            f"{' and '.join(missing)} not found: run `make setup` (installs the Debian packages prometheus and "
            "prometheus-alertmanager) or set BURNWISE_PROMETHEUS / BURNWISE_ALERTMANAGER to the binaries"
        )


def render_and_check(workdir: Path) -> None:
    """What `burnwise generate` and `burnwise check` do, before anything starts.

    The specs are rendered into the run's directory, not into ``rendered_rules/``: a demo must not
    change the working tree. Drift between the two is reported (``burnwise check`` would fail on it).
    """
    print(f"==> Rendering {SPECS.as_posix()}/ and checking the rules with promtool")
    specs = load_specs([SPECS])
    outputs = render_outputs(specs, roster=default_roster_claims(ROSTER))
    rendered = workdir / "rendered_rules"
    write_outputs(outputs, rendered)
    files = sorted(rendered.glob("*.rules.yaml"))
    result = Promtool.find().check_rules(files, lint=True)
    if not result.ok:
        raise BurnwiseError("promtool check rules refused the rules rendered from slo_specs/:\n" + result.format())
    print(f"  {len(specs)} spec file(s) -> {len(outputs)} file(s); promtool check rules: {len(files)} rule file(s) ok")
    drifts = find_drift(outputs, RULES)
    if drifts:
        names = ", ".join(sorted(d.path for d in drifts))
        print(f"  note: {RULES.as_posix()}/ differs from the specs ({names}); `burnwise generate` updates it")
    else:
        print(f"  {RULES.as_posix()}/ matches the specs (what `burnwise check` verifies)")


def _print_where(stack: Stack, incident_id: int | None = None) -> None:
    print("")
    print("==> Where to look")
    incident = f"/{incident_id}" if incident_id is not None else ""
    print(f"  web console    {stack.console_url}{incident}  (sign in with the token {stack.token})")
    short = format_duration(stack.settings.lapse.short_window)
    print(f"  Prometheus     {stack.prometheus_url}/alerts  (graph: slo:burnwise_burn_rate:rate{short})")
    print(f"  Alertmanager   {stack.alertmanager_url}")
    print(f"  receiver       {stack.receiver_url}/docs  (token: {stack.token})")
    print(f"  checkout       {stack.service.url}/metrics  (POST /admin/mode {{\"error_ratio\": 1.0}} breaks it)")
    print(f"  pager stub     {stack.pager.url}/v2/enqueue")
    print(f"  files and logs {stack.workdir}")


def _keep_running(stack: Stack) -> None:
    pids = ", ".join(f"{name} {pid}" for name, pid in sorted(stack.pids().items()))
    print("")
    print(f"==> Everything keeps running (pids: {pids}; checkout and the pager run inside burnwise demo, pid {os.getpid()}).")
    print(f"    Press Ctrl-C here, or run `kill {os.getpid()}`, to stop them all and remove {stack.workdir}.")
    try:
        threading.Event().wait()  # until Ctrl-C / SIGTERM raises KeyboardInterrupt
    except KeyboardInterrupt:
        pass  # the way --keep is meant to end: not an error


def run(args: argparse.Namespace) -> int:
    if args.timeout <= 0:
        raise BurnwiseError(f"--timeout {args.timeout:g}: give a number of seconds above 0, e.g. --timeout 180")
    _require_inputs()
    started = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="burnwise-demo-"))
    settings = StackSettings(workdir=workdir, spec_path=DEMO_SPEC, roster=ROSTER, runbooks=RUNBOOKS)
    stack = Stack(settings, pager_echo=lambda echoed: print(pager_line(echoed), flush=True))
    restore_signals = install_stop_signals()
    failed = True
    try:
        render_and_check(workdir)
        print("")
        print(f"==> Starting the chain on 127.0.0.1 in {workdir}")
        print(f"  Prometheus loads {DEMO_SPEC.as_posix()} as a time-lapse: {settings.lapse.describe()}")
        print("  (same SLIs, objectives, burn factors, alert names and labels; see docs/demo.md for why)")
        stack.start()
        for name, pid in sorted(stack.pids().items()):
            print(f"  {name:<13} pid {pid:<7} {getattr(stack, name + '_url')}")
        print(f"  {'checkout':<13} (thread)    {stack.service.url}  scrape job 'checkout'")
        print(f"  {'pager stub':<13} (thread)    {stack.pager.enqueue_url}")
        scenario = Scenario(stack)
        final = scenario.run(page_timeout=args.timeout, resolve_timeout=args.timeout)
        print("")
        print(f"==> Done in {time.monotonic() - started:.0f}s: a real burn paged, was acknowledged, mitigated and resolved.")
        _print_where(stack, final.get("id"))
        failed = False
        if args.keep:
            _keep_running(stack)
        else:
            print("  (these stop now; `make demo KEEP=1` or `burnwise demo --keep` keeps them running)")
        return 0
    except (ProcessFailed, requests.RequestException) as exc:
        raise BurnwiseError(f"demo could not run: {exc}") from None
    except DemoFailure:
        for process in stack.supervisor.processes:
            print(f"--- last lines of {process.name}'s log ---\n{log_tail(process.log_path)}")
        raise
    finally:
        print("")
        print("==> Stopping every process the demo started" + (" (after a failure)" if failed else ""))
        try:
            stack.stop()
        finally:
            restore_signals()
            shutil.rmtree(workdir, ignore_errors=True)
            print(f"  stopped; removed {workdir}")
