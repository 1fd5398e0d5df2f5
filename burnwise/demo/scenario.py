"""The scripted outage the demo plays on a running :class:`~burnwise.demo.stack.Stack`, with progress.

Why as separate steps: the demo runs them in order and prints what happens; the integration test
runs the same steps with its own checks in between (a duplicate notification, an Alertmanager
restart), so what the test proves is what the demo shows. Every wait has a deadline and raises
:class:`DemoFailure` - a clear message, a non-zero exit - when it passes.

The story: healthy traffic -> 50% errors from three faults (a bad deploy, a failing payment
provider, a bad zone) -> burn rate climbs, alerts fire (the slower tiers are inhibited) -> one
page reaches the pager with the roster and runbook links -> the incident and its timeline ->
acknowledge -> the checkout runbook runs against the service: step 1 (85% healthy), step 2 (95%),
step 3 (100%), each verified through Prometheus, step 4 not needed -> the resolve reaches the
pager, the incident closes -> the timeline reads detect, acknowledge, the runbook steps, resolve.
(The older story - 100% errors, a mitigation note, heal - remains as separate steps for tests.)
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from burnwise.demo.service import DEMO_FAULTS
from burnwise.demo.stack import Stack
from burnwise.errors import BurnwiseError
from burnwise.generator import names
from burnwise.durations import format_duration
from burnwise.roster.load import load_catalog
from burnwise.runbooks.incidents import ReceiverClient
from burnwise.runbooks.runner import RunOptions, RunReport, run_runbook
from burnwise.runbooks.verify import sli_query
from burnwise.support.processes import ProcessFailed

SERVICE, SLO = "checkout", "availability"
RUNBOOK = "checkout-availability"
ALERT_NAME = "CheckoutAvailabilityBudgetBurn"
ACTOR = "demo"


class DemoFailure(BurnwiseError):
    """A step did not happen in time; the message says which, and where to look."""


def pager_line(echoed: str) -> str:
    """One line for a request the pager stub received (its echo is JSON: path, status, body)."""
    request = json.loads(echoed)
    body = request.get("body") if isinstance(request.get("body"), dict) else {}
    if request["path"] == "/v2/enqueue":
        what = f"{body.get('event_action')} {body.get('dedup_key')}"
        severity = (body.get("payload") or {}).get("severity")
        what += f" ({severity})" if severity else ""
    else:
        what = f"webhook {request['path']} {body.get('event', '')}".rstrip()
    return f"  pager <- {what} [HTTP {request['status']}]"


def _fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:,.1f}x"


@dataclass
class Scenario:
    stack: Stack
    out: Callable[[str], None] = print
    poll_seconds: float = 1.0
    started: float = field(default_factory=time.monotonic)

    # --- small helpers --------------------------------------------------------------------------
    def say(self, text: str = "") -> None:
        self.out(text)

    def step(self, title: str) -> None:
        self.say("")
        self.say(f"==> {title}")

    def _elapsed(self) -> str:
        return f"[{time.monotonic() - self.started:5.0f}s]"

    def _burn(self, window: int) -> float | None:
        selector = names.selector(SERVICE, SLO)
        return self.stack.prometheus_value(names.burn_rate(window) + selector)

    @property
    def short_window(self) -> int:
        return self.stack.settings.lapse.short_window

    @property
    def long_window(self) -> int:
        return self.stack.settings.lapse.long(3600)

    def _alert_states(self) -> str:
        """``sev1 firing, sev2 firing`` from Prometheus, ``sev1 active, sev2 suppressed`` from Alertmanager."""
        prom = sorted(
            f"{a['labels'].get('severity')} {a['state']}"
            for a in self.stack.prometheus_alerts()
            if a["labels"].get("alertname") == ALERT_NAME and a["labels"].get("slo") == SLO
        )
        manager = sorted(
            f"{a['labels'].get('severity')} {'inhibited' if a['status'].get('inhibitedBy') else a['status']['state']}"
            for a in self.stack.alertmanager_alerts()
            if a["labels"].get("alertname") == ALERT_NAME and a["labels"].get("slo") == SLO
        )
        return f"Prometheus: {', '.join(prom) or 'no alert'} | Alertmanager: {', '.join(manager) or 'no alert'}"

    def progress(self) -> str:
        try:
            short, long = self._burn(self.short_window), self._burn(self.long_window)
            states = self._alert_states()
        except (requests.RequestException, ProcessFailed) as exc:
            return f"{self._elapsed()} (no answer: {str(exc).splitlines()[0][:120]})"
        return (
            f"{self._elapsed()} burn rate {_fmt_rate(short)} over {format_duration(self.short_window)}, "
            f"{_fmt_rate(long)} over {format_duration(self.long_window)} | {states}"
        )

    def _wait(self, what: str, done: Callable[[], object], timeout: float, show: bool = True, hint: str = "") -> object:
        """Poll ``done`` until it returns something truthy, printing progress when it changes."""
        deadline = time.monotonic() + timeout
        last = ""
        while True:
            try:
                result = done()
            except (requests.RequestException, ProcessFailed):
                result = None  # a part that does not answer for a moment: ask again until the deadline
            if result:
                return result
            if time.monotonic() >= deadline:
                raise DemoFailure(
                    f"{what} did not happen within {timeout:.0f}s. {hint}".strip()
                    + f" Logs: {self.stack.workdir / 'logs'} (run with --keep to look around)."
                )
            if show:
                line = self.progress()
                if line.split("] ", 1)[1] != last:
                    self.say("  " + line)
                    last = line.split("] ", 1)[1]
            time.sleep(self.poll_seconds)

    # --- the pager's view -----------------------------------------------------------------------
    def events(self, action: str, dedup_key: str | None = None) -> list[dict]:
        return [
            e
            for e in self.stack.pager.events
            if e.get("event_action") == action and (dedup_key is None or e.get("dedup_key") == dedup_key)
        ]

    # --- steps ----------------------------------------------------------------------------------
    def wait_for_traffic(self, timeout: float = 60.0) -> None:
        self.step("Healthy traffic: Prometheus scrapes the checkout service and records its SLO")
        self._wait(
            "the first burn-rate sample",
            lambda: self._burn(self.short_window) is not None,
            timeout,
            show=False,
            hint="Prometheus has not recorded the burn rate yet; is the checkout target up (Status > Targets)?",
        )
        self.say("  " + self.progress())

    def break_service(self) -> None:
        self.step("Breaking checkout: every request now answers 500")
        self.stack.service.set_mode(error_ratio=1.0)
        self.say(f"  POST {self.stack.service.url}/admin/mode {{\"error_ratio\": 1.0}}")

    def break_service_partially(self) -> None:
        self.step("Breaking checkout: 50% of requests now answer 500, from three causes")
        for fault, share in DEMO_FAULTS.items():
            self.say(f"  fault {fault:<16} fails {share:.0%} of requests")
        self.stack.service.break_with(DEMO_FAULTS)

    @property
    def settle_seconds(self) -> float:
        """Long enough for the short window to hold only traffic after the step, recorded and evaluated."""
        settings = self.stack.settings
        return float(self.short_window + 2 * settings.scrape_interval + 2 * settings.evaluation_interval)

    def run_runbook(self, incident_id: int) -> RunReport:
        """The on-call runs the checkout runbook (what `burnwise runbook run` does), printing every step."""
        window = format_duration(self.short_window)
        self.step(f"Running runbook {RUNBOOK} for incident #{incident_id} "
                  f"(`burnwise runbook run {incident_id} --window {window}`)")
        self.say(f"  each step: call the checkout control API, wait {self.settle_seconds:.0f}s, then check "
                 f"slo:burnwise_burn_rate:rate{window} < 1 in Prometheus; stop once it holds")
        ratio = sli_query({"service": SERVICE, "slo": SLO}, window)
        self._wait(  # the page comes within seconds; let the short window fill with the outage first
            "the SLI showing the whole outage",
            lambda: (self.stack.prometheus_value(ratio) or 0.0) >= 0.45,
            timeout=60,
            show=False,
            hint=f"{ratio} did not reach 45% errors.",
        )
        env = {"CHECKOUT_ADMIN_URL": self.stack.service.url, "CHECKOUT_ADMIN_TOKEN": self.stack.service_token}
        options = RunOptions(window=window, settle_seconds=self.settle_seconds, actor=ACTOR, env=env,
                             out=lambda line: self.say(f"  {self._elapsed()} {line}"))
        report = run_runbook(
            incident_id,
            database=self.stack.database_url,
            catalog=load_catalog(self.stack.settings.runbooks),
            prometheus_url=self.stack.prometheus_url,
            incidents=ReceiverClient(self.stack.receiver_url, self.stack.token),
            runbook_id=RUNBOOK,
            options=options,
        )
        applied = ", ".join(map(str, report.applied)) or "none"
        not_needed = ", ".join(map(str, report.not_needed)) or "none"
        self.say(f"  result: {report.outcome}: {report.message} (applied: {applied}; not needed: {not_needed})")
        if report.outcome != "recovered":
            raise DemoFailure(f"runbook {RUNBOOK} did not recover checkout: {report.message}")
        return report

    def wait_for_page(self, timeout: float) -> dict:
        """The first trigger event at the pager; :class:`DemoFailure` when none arrives in time."""
        self.step(f"Waiting for the page (at most {timeout:.0f}s)")
        self._wait(
            "the page",
            lambda: self.events("trigger"),
            timeout,
            hint="No trigger event reached the pager: check Prometheus' alerts, Alertmanager's routes and the receiver.",
        )
        event = self.events("trigger")[0]
        self.say("  " + self.progress())
        self.show_page(event)
        return event

    def show_page(self, event: dict) -> None:
        payload = event["payload"]
        details = payload.get("custom_details", {})
        self.step("The page reached the pager (PagerDuty Events API v2)")
        self.say(f"  summary:   {payload['summary']}")
        self.say(f"  severity:  {payload['severity']}   dedup_key: {event['dedup_key']}   routing_key: {event['routing_key']}")
        paged = details.get("paged") or {}
        contact = paged.get("contact") or {}
        if contact:
            self.say(f"  paged:     {paged.get('role')} {contact.get('name')} <{contact.get('email')}> pager {contact.get('pager_id')}")
        roster = details.get("roster") or {}
        for role in ("primary", "backup", "lead"):
            person = roster.get(role)
            if person:
                self.say(f"  roster:    {role:<8} {person['name']} ({person['timezone']})")
        for runbook in details.get("runbooks", []):
            self.say(f"  runbook:   {runbook['title']}: {runbook['url']}")
        for link in event.get("links", []):
            if link["text"].startswith("Runbook"):
                continue  # shown above, with its title
            self.say(f"  link:      {link['text']}: {link['href']}")

    def show_incident(self, incident_id: int) -> dict:
        incident = self.stack.incident(incident_id)
        self.step(f"The incident record (GET {self.stack.receiver_url}/v1/incidents/{incident_id})")
        self.say(f"  #{incident['id']} {incident['status']} {incident['severity']} route={incident['route']} surface={incident['surface']}")
        self.say(f"  title: {incident['title']}")
        self.say(f"  in the web console: {self.stack.receiver_url}/ui/incidents/{incident_id}  (token {self.stack.token})")
        alerts = ", ".join(f"{a['labels'].get('severity')} {a['status']}" for a in incident["alerts"])
        self.say(f"  alerts: {alerts}")
        self.show_timeline(incident)
        return incident

    def show_timeline(self, incident: dict) -> None:
        for entry in incident["timeline"]:
            self.say(f"  {entry['at'][11:19]} {entry['kind']:<12} {entry['actor']:<13} {entry['text']}")

    def acknowledge(self, incident_id: int) -> dict:
        self.step("Acknowledging through the API")
        # acks name a roster person: the one being paged acknowledges (else the demo acks as a guest)
        incident = self.stack.incident(incident_id)
        chain = incident.get("escalation_chain") or []
        step = min(incident.get("escalation_step") or 0, len(chain) - 1) if chain else 0
        body = {"by": chain[step]["contact"]["id"]} if chain else {"by": ACTOR, "as_guest": True}
        record = self.stack.receiver_api("POST", f"/v1/incidents/{incident_id}/ack", body)
        self.say(f"  POST /v1/incidents/{incident_id}/ack {json.dumps(body)} -> {record['status']} by {record['acknowledged_by']}")
        return record

    def mitigate(self, incident_id: int) -> dict:
        text = "Rolled back the checkout deploy (runbook step 1); watching the 5xx rate."
        entry = self.stack.receiver_api(
            "POST", f"/v1/incidents/{incident_id}/timeline", {"kind": "mitigation", "text": text, "by": ACTOR}
        )
        self.say(f"  POST /v1/incidents/{incident_id}/timeline -> {entry['kind']}: {entry['text']}")
        return entry

    def heal_service(self) -> None:
        self.step("Healing checkout: errors back to 0%")
        self.stack.service.set_mode(error_ratio=0.0)
        self.say(f"  POST {self.stack.service.url}/admin/mode {{\"error_ratio\": 0.0}}")

    def wait_for_resolve(self, incident_id: int, dedup_key: str, timeout: float) -> dict:
        self.step(f"Waiting for the resolve (at most {timeout:.0f}s)")

        def closed() -> dict | None:
            if not self.events("resolve", dedup_key):
                return None
            incident = self.stack.incident(incident_id)
            return incident if incident["status"] == "resolved" else None

        incident = self._wait(
            "the resolve",
            closed,
            timeout,
            hint="The incident did not close or no resolve event reached the pager.",
        )
        self.say("  " + self.progress())
        event = self.events("resolve", dedup_key)[0]
        self.say(f"  pager got: {event['event_action']} dedup_key={event['dedup_key']}")
        self.say(f"  incident #{incident_id}: {incident['status']} by {incident['resolved_by']} at {incident['resolved_at']}")
        return incident

    def show_final(self, incident_id: int) -> dict:
        incident = self.stack.incident(incident_id)
        self.step(f"Final timeline of incident #{incident_id}")
        self.show_timeline(incident)
        actions = [e["event_action"] for e in self.stack.pager.events if e.get("dedup_key") == incident["dedup_key"]]
        self.say(f"  pager events for {incident['dedup_key']}: {', '.join(actions)}")
        return incident

    # --- the whole story ------------------------------------------------------------------------
    def run(self, page_timeout: float, resolve_timeout: float) -> dict:
        self.wait_for_traffic()
        self.break_service_partially()
        event = self.wait_for_page(page_timeout)
        incident_id = event["payload"]["custom_details"]["incident_id"]
        self.show_incident(incident_id)
        self.acknowledge(incident_id)
        self.run_runbook(incident_id)
        self.wait_for_resolve(incident_id, event["dedup_key"], resolve_timeout)
        return self.show_final(incident_id)
