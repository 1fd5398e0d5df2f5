"""The console's sources filled from the specs and the reports: what the receiver cannot read itself.

Why here: the web console lives in the receiver, which never imports the generator; the SLO list
(read with the generator's loader), and the handoff, load and postmortem texts (built on it) are
assembled in the reports layer and handed to the receiver as plain data and callables
(:class:`~burnwise.receiver.console.sources.ConsoleSources`) by ``burnwise serve``.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from pathlib import Path

from burnwise.receiver.config import ReceiverConfig
from burnwise.receiver.console.sources import ConsoleSources, SloView, TierCondition
from burnwise.receiver.store import Store

from burnwise.durations import format_duration
from burnwise.generator import names
from burnwise.generator.windows import tiers_for
from burnwise.reports import handoff, load, postmortem, queries
from burnwise.reports.handoff_log import load_log
from burnwise.reports.next_shift import next_shift
from burnwise.reports.noisy import noisy_alerts
from burnwise.reports.prometheus import Prometheus
from burnwise.reports.signals import signal_items
from burnwise.reports.slos import SLORef, find_slo, load_catalog, slos_of_surface
from burnwise.reports.timing import parse_window
from burnwise.reports.watch import budget_consumed, watch_items
from burnwise.roster.directory import Directory

log = logging.getLogger("burnwise.receiver.console")
HANDOFF_WINDOW = "7d"
QUICK = "10m"
HANDOFF_LOG = Path("oncall/handoffs.yaml")


def shown_path(source: str, specs: Path | None) -> str:
    """A spec's path as people in the repository name it (never this machine's absolute path)."""
    path = Path(source)
    for base in (Path.cwd(), specs.resolve().parent if specs else None):
        try:
            return path.resolve().relative_to(base).as_posix() if base else path.as_posix()
        except ValueError:
            continue
    return path.name


def slo_view(ref: SLORef, specs: Path | None = None, rules_dir: str = "rendered_rules") -> SloView:
    conditions = tuple(
        TierCondition(tier.name, tier.kind, tier.severity, float(c.factor), format_duration(c.long), format_duration(c.short),
                      names.burn_rate(c.long), names.burn_rate(c.short))
        for tier in tiers_for(ref.slo)
        for c in tier.conditions
    )
    service = ref.spec.service
    spec_path = shown_path(ref.loaded.source, specs)
    return SloView(
        service=service,
        slo=ref.slo.name,
        objective=float(ref.slo.objective_ratio),
        period=format_duration(ref.slo.period),
        owner=ref.spec.owner_surface,
        group_by=tuple(getattr(ref.slo, "group_by", None) or ()),
        conditions=conditions,
        budget_metric=names.BUDGET_REMAINING,
        selector=names.selector(service, ref.slo.name),
        spec_path=spec_path,
        rules_path=f"{rules_dir}/{service}.rules.yaml",
        dashboard_path=f"burnwise dashboard {spec_path}",
    )


def console_sources(config: ReceiverConfig, directory: Directory, store: Store) -> ConsoleSources:
    specs = config.slo_specs
    prometheus = Prometheus(config.prometheus_url)

    @lru_cache(maxsize=1)
    def catalog():
        return load_catalog(specs) if specs is not None else []

    def slos() -> list[SloView]:
        refs = [SLORef(loaded, item) for loaded in catalog() for item in loaded.spec.slos]
        return [slo_view(ref, specs) for ref in sorted(refs, key=lambda r: (r.spec.service, r.slo.name))]

    def handoff_text(surface: str, at: datetime) -> str:
        since = at - parse_window(HANDOFF_WINDOW, "since")
        incidents = queries.incidents_touching(store, surface, since, at)
        timelines = queries.timeline_of(store, [i.id for i in incidents])
        changes = queries.timeline_entries(store, surface, ("mitigation", "deploy"), at - handoff.RECENT_CHANGES, at)
        opened = [i for i in incidents if i.opened_at >= since]
        noisy = noisy_alerts(opened, queries.alerts_of(store, [i.id for i in opened]), parse_window(QUICK, "quick"))
        entry = directory.roster.surface(surface) if directory.roster else None
        refs = slos_of_surface(catalog(), surface, entry.services if entry else None)
        note = handoff.handoff_note(
            surface, at, since, incidents, timelines, changes, noisy, watch_items(prometheus, refs, at),
            next_shift(directory, surface, at), None, signal_items(prometheus, entry.watch if entry else [], since, at),
            load_log(HANDOFF_LOG).surfaces.get(surface) if HANDOFF_LOG.is_file() else None,
        )
        return handoff.render_markdown(note)

    def load_text(window: str, at: datetime) -> str:
        since = at - parse_window(window, "since")
        incidents = queries.incidents_opened(store, None, since, at)
        ids = [i.id for i in incidents]
        report = load.load_report(incidents, queries.pages_of(store, ids), queries.timeline_of(store, ids), since, at,
                                  None, directory)
        return load.render_markdown(report)

    def postmortem_text(incident_id: int) -> str:
        detail = queries.incident_detail(store, incident_id)
        ref = find_slo(catalog(), detail.service, detail.slo)
        start = min((a.starts_at for a in detail.alerts), default=detail.opened_at)
        end = detail.resolved_at or max((a.last_seen_at for a in detail.alerts), default=detail.opened_at)
        section = postmortem.RegressionSection(available=False, command=f"burnwise regression {incident_id}",
                                               note="run the command to write and verify the regression case")
        people = [(p.id, p.name) for p in directory.roster.people] if directory.roster else []
        report = postmortem.postmortem(detail, float(ref.slo.objective) if ref else None,
                                       budget_consumed(prometheus, ref, start, end), section, people)
        return postmortem.render_markdown(report)

    return ConsoleSources(directory=directory, prometheus_url=config.prometheus_url, slos=slos,
                          handoff=handoff_text, load=load_text, postmortem=postmortem_text)
