"""`burnwise incident list|show|ack|resolve|note|page|escalate`: work incidents through a running receiver.

Why over HTTP and not the database: the receiver owns the side effects (stopping escalation,
sending the PagerDuty acknowledge/resolve), so the CLI asks it, exactly like any other client.
"""

from __future__ import annotations

import argparse
import json
import os

from burnwise.errors import BurnwiseError
from burnwise.roster.incident_types import TYPES as INCIDENT_TYPES

DEFAULT_URL = "http://127.0.0.1:9095"
NOTE_KINDS = ("triage", "mitigation", "note", "deploy", "runbook")


def register(subparsers) -> None:
    parser = subparsers.add_parser("incident", help="list, show, acknowledge, resolve and annotate incidents")
    parser.add_argument(
        "--url", default=None, help=f"receiver base URL (default: $BURNWISE_URL or {DEFAULT_URL})"
    )
    parser.add_argument("--token", default=None, help="API token (default: $BURNWISE_AUTH_TOKEN)")
    parser.add_argument("--json", action="store_true", help="print the raw JSON answer")
    # the same options after the action (`incident ack 3 --by me --url ...`); SUPPRESS keeps the
    # value given before the action when they are not repeated after it
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--token", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    actions = parser.add_subparsers(dest="action", metavar="ACTION")

    p = actions.add_parser("list", parents=[common], help="list incidents, newest first")
    p.add_argument("--status", choices=("open", "acknowledged", "resolved"))
    p.add_argument("--service")
    p.set_defaults(func=_list)

    p = actions.add_parser("show", parents=[common], help="one incident with alerts, timeline and pages")
    p.add_argument("id", type=int)
    p.set_defaults(func=_show)

    p = actions.add_parser("ack", parents=[common], help="acknowledge (stops escalation)")
    p.add_argument("id", type=int)
    p.add_argument("--by", default=None, help="who acknowledges: a roster person id (may be left out with a personal token)")
    p.add_argument("--as-guest", action="store_true", help="acknowledge as somebody outside the roster")
    p.set_defaults(func=_ack)

    p = actions.add_parser("page", parents=[common], help="page a role, an SME or a person now")
    p.add_argument("id", type=int)
    p.add_argument("--to", required=True, help="primary|backup|lead, an SME role of the surface, or a roster person")
    p.add_argument("--by", default=os.environ.get("USER", "cli"))
    p.set_defaults(func=_page)

    p = actions.add_parser("resolve", parents=[common], help="resolve by hand")
    p.add_argument("id", type=int)
    p.add_argument("--by", default=os.environ.get("USER", "cli"))
    p.add_argument("--text", default=None)
    p.set_defaults(func=_resolve)

    p = actions.add_parser("note", parents=[common], help="add a timeline entry")
    p.add_argument("id", type=int)
    p.add_argument("--kind", choices=NOTE_KINDS, default="note")
    p.add_argument("--text", required=True)
    p.add_argument("--by", default=os.environ.get("USER", "cli"))
    p.add_argument("--at", default=None, help="when it happened (ISO 8601 with zone, e.g. 2026-12-03T14:02:00Z); default now")
    p.add_argument("--type", default=None, choices=INCIDENT_TYPES,
                   help="with --kind triage: the incident's type (runbooks match on it, reports count by it)")
    p.set_defaults(func=_note)

    p = actions.add_parser("escalate", parents=[common], help="page the next role of the escalation chain now")
    p.add_argument("id", type=int)
    p.add_argument("--reason", required=True, help="why (shown on the timeline and to the next role)")
    p.add_argument("--by", default=os.environ.get("USER", "cli"))
    p.set_defaults(func=_escalate)

    parser.set_defaults(func=lambda args: (parser.print_help(), 2)[1])


def _call(args: argparse.Namespace, method: str, path: str, body: dict | None = None):
    import requests

    base = (args.url or os.environ.get("BURNWISE_URL") or DEFAULT_URL).rstrip("/")
    token = args.token or os.environ.get("BURNWISE_AUTH_TOKEN")
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        response = requests.request(method, base + path, json=body, headers=headers, timeout=15)
    except requests.RequestException as exc:
        raise BurnwiseError(
            f"cannot reach the receiver at {base} ({type(exc).__name__}); start it with `burnwise serve` "
            "or pass --url / set BURNWISE_URL"
        ) from None
    try:
        data = response.json()
    except ValueError:
        data = {"error": response.text[:300]}
    if response.status_code == 401:
        raise BurnwiseError(f"{base}: token refused; pass --token or set BURNWISE_AUTH_TOKEN")
    if response.status_code >= 400:
        known = f" (known: {', '.join(data['known'])})" if isinstance(data, dict) and data.get("known") else ""
        raise BurnwiseError(f"{base}{path}: HTTP {response.status_code}: {data.get('error', data)}{known}")
    return data


def _print(args, data, text: str) -> int:
    from burnwise.textsafe import terminal

    # labels and timeline text come from anyone who can send an alert: no escape bytes reach the terminal
    print(json.dumps(data, indent=2, sort_keys=True) if args.json else terminal(text))
    return 0


def _line(incident: dict) -> str:
    return (
        f"#{incident['id']:<5} {incident['status']:<12} {incident['severity']:<5} "
        f"{incident['opened_at']:<28} {incident.get('service') or '-':<16} {incident['title']}"
    )


def _list(args) -> int:
    query = "&".join(f"{k}={v}" for k, v in (("status", args.status), ("service", args.service)) if v)
    data = _call(args, "GET", "/v1/incidents" + (f"?{query}" if query else ""))
    return _print(args, data, "\n".join(_line(i) for i in data) if data else "no incidents")


def _show(args) -> int:
    data = _call(args, "GET", f"/v1/incidents/{args.id}")
    lines = [_line(data), f"type: {data.get('incident_type', 'other')}"]
    if data.get("acknowledged_by"):
        lines.append(f"acknowledged by {data['acknowledged_by']} at {data['acknowledged_at']}")
    lines.append("alerts:")
    lines += [f"  {a['status']:<9} {a['alertname'] or a['fingerprint']} since {a['starts_at']}" for a in data["alerts"]]
    lines.append("timeline:")
    lines += [f"  {e['at']}  {e['kind']:<12} {e['actor']:<14} {e['text']}" for e in data["timeline"]]
    lines.append("pages:")
    lines += [
        f"  {p['target']:<9} {p['action']:<11} {p['recipient_role'] or '-':<8} {p['status']:<8} attempts={p['attempts']}"
        + (f" ({p['last_error']})" if p["last_error"] and p["status"] != "sent" else "")
        for p in data["pages"]
    ]
    return _print(args, data, "\n".join(lines))


def _ack(args) -> int:
    body = ({"by": args.by} if args.by else {}) | ({"as_guest": True} if args.as_guest else {})
    data = _call(args, "POST", f"/v1/incidents/{args.id}/ack", body)
    return _print(args, data, f"incident {args.id} acknowledged by {data['acknowledged_by']}")


def _page(args) -> int:
    data = _call(args, "POST", f"/v1/incidents/{args.id}/page", {"to": args.to, "by": args.by})
    direct = [e for e in data["timeline"] if e["kind"] == "escalate" and (e.get("data") or {}).get("direct")]
    return _print(args, data, f"incident {args.id}: {direct[-1]['text'] if direct else 'paged'}")


def _resolve(args) -> int:
    body = {"by": args.by} | ({"text": args.text} if args.text else {})
    data = _call(args, "POST", f"/v1/incidents/{args.id}/resolve", body)
    return _print(args, data, f"incident {args.id} resolved by {data['resolved_by']}")


def _note(args) -> int:
    body = {"kind": args.kind, "text": args.text, "by": args.by} | ({"at": args.at} if args.at else {})
    if args.type:
        if args.kind != "triage":
            raise BurnwiseError("--type goes with --kind triage: the type is a triage decision")
        body["data"] = {"type": args.type}
    data = _call(args, "POST", f"/v1/incidents/{args.id}/timeline", body)
    return _print(args, data, f"incident {args.id}: {data['kind']} entry added at {data['at']}")


def _escalate(args) -> int:
    data = _call(args, "POST", f"/v1/incidents/{args.id}/escalate", {"by": args.by, "reason": args.reason})
    paged = data["paged"]
    return _print(args, data, f"incident {args.id} escalated: paging {paged['role']} {paged['name']}")
