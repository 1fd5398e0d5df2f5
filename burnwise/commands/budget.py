"""`burnwise budget gate SERVICE[/SLO] --prometheus URL`: the error-budget policy, for deploy pipelines.

Exit codes: 0 the gate is open (the change may ship), 3 it is closed (an SLO's budget is exhausted
or under the policy threshold, and the change kind is not allowed while frozen), 1 the gate could
not decide (unknown service or SLO, Prometheus not reachable) - a pipeline should stop on anything
but 0. See :mod:`burnwise.reports.budget_gate` for the rule.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from burnwise.errors import BurnwiseError

CLOSED = 3


def run_gate(args: argparse.Namespace) -> int:
    from burnwise.reports.budget_gate import gate, render_text, slo_budget
    from burnwise.reports.budget_policy import policy_for
    from burnwise.reports.known import check_service
    from burnwise.reports.markdown import to_json
    from burnwise.reports.prometheus import Prometheus, PrometheusUnavailable
    from burnwise.reports.slos import load_catalog
    from burnwise.reports.timing import iso, parse_instant
    from burnwise.roster.directory import Directory

    if not args.prometheus:
        raise BurnwiseError("--prometheus URL is required: the gate reads the error budget Prometheus records")
    service, _, slo = args.target.partition("/")
    catalog = load_catalog(args.specs)
    roster_path = args.roster if args.roster is not None else Path(os.environ.get("BURNWISE_ROSTER", "oncall/roster.yaml"))
    directory = Directory.load(roster_path, None) if roster_path.is_file() else None
    check_service(service, directory, catalog)
    refs = [r for loaded in catalog if loaded.spec.service == service
            for r in _refs(loaded)]
    if slo:
        known = sorted(r.slo.name for r in refs)
        refs = [r for r in refs if r.slo.name == slo]
        if not refs:
            raise BurnwiseError(f"{args.target!r}: service {service!r} has no SLO {slo!r}; known: {', '.join(known)}")
    if not refs:
        raise BurnwiseError(f"{args.target!r}: no SLO specs for service {service!r} in {args.specs}")

    owner = refs[0].spec.owner_surface
    surface = directory.roster.surface(owner) if directory and directory.roster else None
    refs = sorted(refs, key=lambda r: r.slo.name)
    try:
        policies = [policy_for(ref, surface.budget_policy if surface else None, owner, args.freeze_below, args.allow)
                    for ref in refs]
    except ValueError as exc:
        raise BurnwiseError(f"--freeze-below {args.freeze_below!r}: not a percentage like 0% or 10%") from exc
    at = parse_instant(args.at) if args.at else None
    prometheus = Prometheus(args.prometheus)
    try:
        budgets = [slo_budget(prometheus, ref, policy.freeze_below, at).model_copy(update={"policy": policy})
                   for ref, policy in zip(refs, policies)]
    except PrometheusUnavailable as exc:
        raise BurnwiseError(f"{exc}: the gate cannot decide without the error budget") from None
    service_wide = policies[0] if all(p == policies[0] for p in policies) else policy_for(
        _service_only(refs[0]), surface.budget_policy if surface else None, owner, args.freeze_below, args.allow)
    result = gate(service, args.change, iso(at) if at else "now", service_wide, budgets)
    print(to_json(result) if args.json else render_text(result), end="" if args.json else "\n")
    if args.receiver:
        _report_breaches(args, result, owner)
    return 0 if result.open else CLOSED


def _report_breaches(args: argparse.Namespace, result, owner: str) -> None:
    """Each frozen SLO onto the surface's record in the receiver; a failure is said on stderr, never hidden."""
    import sys

    import requests

    token = args.token or os.environ.get("BURNWISE_AUTH_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for b in result.slos:
        if not b.frozen:
            continue
        policy = b.policy or result.policy
        body = {"service": b.service, "slo": b.slo, "owner": owner, "budget_remaining": b.budget_remaining,
                "freeze_below": policy.freeze_below, "allow": policy.allow, "change": result.change,
                "blocked": result.change not in policy.allow, "policy_source": policy.source, "by": args.by}
        url = args.receiver.rstrip("/") + "/v1/budget/breaches"
        try:
            response = requests.post(url, json=body, headers=headers, timeout=10)
            problem = None if response.status_code == 201 else f"HTTP {response.status_code}: {response.text[:200]}"
        except requests.RequestException as exc:
            problem = f"not reachable ({type(exc).__name__})"
        if problem:
            print(f"burnwise: warning: the breach of {b.service}/{b.slo} was NOT recorded at {url}: {problem}",
                  file=sys.stderr)


def _service_only(ref):
    """The same SLO reference with the SLO's own policy removed: the service-wide policy."""
    from burnwise.reports.slos import SLORef

    return SLORef(ref.loaded, ref.slo.model_copy(update={"policy": None}))


def _refs(loaded):
    from burnwise.reports.slos import SLORef

    return [SLORef(loaded, item) for item in loaded.spec.slos]


def register(subparsers: argparse._SubParsersAction) -> None:
    budget = subparsers.add_parser("budget", help="error-budget policy: the deploy gate")
    commands = budget.add_subparsers(dest="budget_command", metavar="SUBCOMMAND")
    budget.set_defaults(func=lambda args: (budget.print_help(), 2)[1])

    p = commands.add_parser("gate", help="exit 3 when the error budget policy freezes this change (0: may ship)")
    p.add_argument("target", metavar="SERVICE[/SLO]", help="the service (every SLO) or one SLO of it")
    p.add_argument("--prometheus", default=None, metavar="URL", help="Prometheus base URL (required)")
    p.add_argument("--change", default="feature",
                   help="kind of change being shipped (default feature); kinds in the policy's allow list pass when frozen")
    p.add_argument("--freeze-below", default=None, metavar="PERCENT",
                   help="freeze when budget left is under this (default: the roster surface's budget_policy, else 0%%)")
    p.add_argument("--allow", action="append", default=None, metavar="KIND",
                   help="change kind allowed while frozen (repeat; default: the policy's, else reliability)")
    p.add_argument("--specs", type=Path, default=Path("slo_specs"), help="SLO specs folder (default slo_specs)")
    p.add_argument("--roster", type=Path, default=None, help="roster file, for the surface's budget_policy (default oncall/roster.yaml when present)")
    p.add_argument("--at", default=None, help="evaluate as of this ISO time (default: now)")
    p.add_argument("--json", action="store_true", help="print JSON for automation")
    p.add_argument("--receiver", default=None, metavar="URL",
                   help="record each frozen SLO on its surface's record in this receiver (POST /v1/budget/breaches)")
    p.add_argument("--token", default=None, help="receiver API token (default: $BURNWISE_AUTH_TOKEN)")
    p.add_argument("--by", default=os.environ.get("USER", "budget-gate"), help="who ran the gate (pipeline name)")
    p.set_defaults(func=run_gate)
