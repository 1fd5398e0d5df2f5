"""What the console shows that the receiver cannot read itself: SLOs, report texts, links.

Why an interface: the receiver never imports the generator, yet the SLO page needs the specs (read
by the generator's loader) and the report pages need the reports (built on them). The command line
fills a :class:`ConsoleSources` with plain data and callables (``burnwise.reports.console_feed``);
without one the console still shows incidents and the roster and says what is not configured.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from burnwise.roster.directory import Directory


@dataclass(frozen=True)
class TierCondition:
    """One alerting condition: burn rate over ``long`` (and ``short``) above ``factor``."""

    tier: str
    kind: str
    severity: str | None
    factor: float
    long: str
    short: str
    long_metric: str
    short_metric: str


@dataclass(frozen=True)
class SloView:
    """One SLO as the console lists it; metric names and selectors come from the generator."""

    service: str
    slo: str
    objective: float
    period: str
    owner: str | None
    group_by: tuple[str, ...]
    conditions: tuple[TierCondition, ...]
    budget_metric: str
    selector: str  # the SLO's series selector, shown to people who want to query it themselves
    spec_path: str | None = None
    rules_path: str | None = None
    dashboard_path: str | None = None


@dataclass
class ConsoleSources:
    """Inputs of the console; every field may be missing, and the page then says so."""

    directory: Directory = field(default_factory=Directory.empty)
    prometheus_url: str | None = None
    slos: Callable[[], list[SloView]] | None = None
    #: (surface, at) -> Markdown of the handoff note
    handoff: Callable[[str, datetime], str] | None = None
    #: (since window text, at) -> Markdown of the on-call load report
    load: Callable[[str, datetime], str] | None = None
    #: incident id -> Markdown of the postmortem draft
    postmortem: Callable[[int], str] | None = None
