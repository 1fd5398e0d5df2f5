"""Automatic runbook runs from the receiver: started after an incident opens or is acknowledged.

Why a hook with its own threads: a run waits minutes (settle times, Prometheus checks), and ingest
must answer Alertmanager in milliseconds. The routes only *notify* the hook (``opened`` after the
writer committed, ``acknowledged`` after an ack); the hook starts a daemon thread per incident,
bounded by ``max_concurrent``, and that thread asks :func:`burnwise.runbooks.auto.auto_run`
whether the catalog lets the runbook run by itself (``auto:``, severities, ``after:``, the
catalog's ``settings.automation`` and the deployment's ``runbooks: {automation: false}``), then
runs it under the database lease - so two replicas never both run one episode. The run stops on
resolve, on a stop request (``burnwise runbook stop``, ``POST /v1/incidents/{id}/runbook/stop``)
and, when it started on open, on acknowledge. :class:`StoreIncidents` gives the runner this
receiver's store directly: timeline entries of kind ``runbook`` with data, and escalation through
:mod:`burnwise.receiver.escalate_now`. Nothing fails silently: a run that cannot start (no
Prometheus URL, a crash) is logged, counted and written on the incident's timeline.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.engine import IncidentConflict, IncidentNotFound
from burnwise.receiver.escalate_now import escalate_now
from burnwise.receiver.paging import PagingPolicy
from burnwise.receiver.store import Store
from burnwise.receiver.timeline_entries import add_entry
from prometheus_client import CollectorRegistry, Counter

from burnwise.errors import BurnwiseError
from burnwise.roster.load import load_catalog
from burnwise.roster.runbooks import RunbookCatalog
from burnwise.runbooks.auto import auto_decision, auto_run
from burnwise.runbooks.lease import RunLeases
from burnwise.runbooks.metrics import RunbookMetrics
from burnwise.runbooks.runner import RunOptions

log = logging.getLogger("burnwise.receiver.runbooks")
ACTOR = "runbook:auto"


class StoreIncidents:
    """:class:`burnwise.runbooks.incidents.Incidents` over the receiver's own store (no HTTP hop)."""

    def __init__(self, store: Store, policy: PagingPolicy, wake=lambda: None) -> None:
        self.store, self.policy, self.wake = store, policy, wake

    def get(self, incident_id: int) -> dict:
        detail = self.store.get_incident(incident_id)
        if detail is None:
            raise IncidentNotFound(f"no incident {incident_id}")
        return detail.model_dump(mode="json")  # the same shape (and opened_at text) as the HTTP API

    def add_timeline(self, incident_id: int, text: str, by: str, data: dict | None = None) -> None:
        add_entry(self.store.db, incident_id, "runbook", text, by, data=data)

    def escalate(self, incident_id: int, reason: str, by: str) -> str:
        try:
            _result, paged = escalate_now(self.store.db, incident_id, by, reason, self.policy)
        except IncidentConflict as exc:
            return f"NOT escalated automatically - {exc}; page the next responder by hand now"
        self.wake()
        return f"escalated through the receiver: paging {paged['role']} {paged['name']}"


class RunbookHook:
    """Starts automatic runs in the background; ``stop()`` asks running ones to stop and waits briefly."""

    def __init__(self, config: ReceiverConfig, store: Store, policy: PagingPolicy, registry: CollectorRegistry,
                 wake=lambda: None, catalog: RunbookCatalog | None = None) -> None:
        self.settings = config.runbook_automation
        self.store = store
        self.incidents = StoreIncidents(store, policy, wake)
        self.catalog = catalog if catalog is not None else _catalog(config.runbooks)
        self.metrics = RunbookMetrics(registry)
        self.not_started = Counter("burnwise_runbook_auto_not_started", "Automatic runs that could not start, by reason.",
                                   ["reason"], registry=registry)
        self.slots = threading.BoundedSemaphore(self.settings.max_concurrent)
        self.threads: dict[int, threading.Thread] = {}
        self.lock = threading.Lock()
        self.stopping = False

    @property
    def enabled(self) -> bool:
        return self.catalog is not None and self.settings.automation and self.catalog.settings.automation and any(
            r.auto is not None for r in self.catalog.runbooks)

    def opened(self, incident_ids: list[int]) -> None:
        for incident_id in incident_ids:
            self._start(incident_id, "open")

    def acknowledged(self, incident_id: int) -> None:
        self._start(incident_id, "acknowledge")

    def _start(self, incident_id: int, event: str) -> None:
        if not self.enabled or self.stopping:
            return
        with self.lock:
            for done in [i for i, t in self.threads.items() if not t.is_alive()]:
                del self.threads[done]  # finished runs: keep the map to the live ones
            running = self.threads.get(incident_id)
            if running is not None and running.is_alive():
                return  # this process already runs it; the lease guards other processes
            thread = threading.Thread(target=self._run, args=(incident_id, event), daemon=True,
                                      name=f"runbook-{incident_id}")
            self.threads[incident_id] = thread
        thread.start()

    def _run(self, incident_id: int, event: str) -> None:
        with self.slots:
            try:
                self._run_one(incident_id, event)
            except Exception as exc:  # never kill the thread silently: log, count, timeline
                log.exception("incident %s: automatic runbook run crashed", incident_id)
                self._not_started(incident_id, "crashed", f"automatic runbook run crashed: {type(exc).__name__}: {exc}")

    def _run_one(self, incident_id: int, event: str) -> None:
        incident = self.incidents.get(incident_id)
        if auto_decision(self.catalog, incident, event, self.settings.automation) is not None:
            return  # auto_run logs why; most incidents have no automatic runbook
        if not self.settings.prometheus_url:
            self._not_started(incident_id, "no-prometheus",
                              "automatic runbook run not started: the receiver has no runbooks.prometheus_url to verify the SLI")
            return
        options = RunOptions(window=self.settings.window, settle_seconds=self.settings.settle_seconds,
                             poll_seconds=self.settings.poll_seconds, lease_seconds=self.settings.lease_seconds,
                             metrics=self.metrics)
        auto_run(incident_id, event=event, database=self.store.db.engine, catalog=self.catalog,
                 prometheus_url=self.settings.prometheus_url, incidents=self.incidents,
                 automation=self.settings.automation, options=options)

    def _not_started(self, incident_id: int, reason: str, text: str) -> None:
        log.error("incident %s: %s", incident_id, text)
        self.not_started.labels(reason=reason).inc()
        try:
            add_entry(self.store.db, incident_id, "runbook", text, ACTOR, data={"event": "not-started", "reason": reason})
        except Exception:  # the database is gone too: the log line and the metric remain
            log.exception("incident %s: cannot record that the automatic run did not start", incident_id)

    def stop(self, timeout: float = 5.0) -> None:
        """Receiver shutdown: ask this process's runs to stop (the lease lets another replica resume later)."""
        self.stopping = True
        with self.lock:
            alive = [(i, t) for i, t in self.threads.items() if t.is_alive()]
        if not alive:
            return
        leases = RunLeases(self.store.db.engine)
        for incident_id, _thread in alive:
            leases.request_stop(incident_id, "receiver shutdown")
        for _incident_id, thread in alive:
            thread.join(timeout)


def _catalog(path: Path | None) -> RunbookCatalog | None:
    if path is None:
        return None
    try:
        return load_catalog(path)
    except BurnwiseError as exc:  # the directory loads the same file and reports it at start
        log.error("runbook catalog %s not loaded, no automatic runs: %s", path, exc)
        return None
