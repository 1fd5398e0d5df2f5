"""Counters for runbook runs and steps, on a registry the caller owns.

Why optional and injected: the CLI has nowhere to expose metrics, the receiver does (its own
``/metrics`` registry). Passing a :class:`RunbookMetrics` in :class:`~burnwise.runbooks.runner.RunOptions`
makes every run and step outcome countable there - failed steps and escalations included - so an
automatic run that goes wrong is visible on a dashboard, not only on the timeline and in the log.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter


class RunbookMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.runs = Counter("burnwise_runbook_runs", "Runbook runs by outcome.", ["runbook", "outcome"],
                            registry=registry)
        self.steps = Counter("burnwise_runbook_steps", "Runbook steps by result.", ["runbook", "result"],
                             registry=registry)
        self.escalations = Counter("burnwise_runbook_escalations", "Runs that ended by escalating.", ["runbook"],
                                   registry=registry)
