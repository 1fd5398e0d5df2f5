"""Who to page and which links to give them: pure functions over a notification and the directory.

Why pure: enrichment decides what a responder sees at 3 a.m.; keeping it free of I/O makes every
rule (annotation ``runbook_url`` wins, silence link, generator links, routing key fallback) easy
to test with plain data. Only http(s) URLs become links (:func:`burnwise.textsafe.safe_url`): a
``javascript:`` annotation never reaches a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import quote

from burnwise.receiver.models import Notification
from burnwise.receiver.values import ChainStep

from burnwise.roster.directory import Directory, Responders
from burnwise.textsafe import promql_string, safe_url

MAX_GENERATOR_LINKS = 10
LABEL_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


@dataclass(frozen=True)
class Enrichment:
    """What ingest attaches to a new incident."""

    labels: dict[str, str]
    surface: str | None
    responders: Responders | None
    runbooks: list[dict] = field(default_factory=list)
    links: list[dict] = field(default_factory=list)
    routing_key: str | None = None

    def escalation_chain(self) -> tuple[ChainStep, ...]:
        """The steps in paging order; empty when no roster names anyone."""
        if self.responders is None:
            return ()
        return tuple(ChainStep(role, person.to_json()) for role, person in self.responders.escalation_chain())


def incident_labels(notification: Notification) -> dict[str, str]:
    """The labels that describe the whole group: common labels, completed by the first alert's."""
    merged = dict(notification.alerts[0].labels)
    merged.update(notification.common_labels)
    return dict(sorted(merged.items()))


def silence_url(notification: Notification) -> str | None:
    """A link that opens Alertmanager's new-silence form pre-filled with the group's matchers."""
    base = safe_url(notification.external_url)
    if not base:
        return None
    matchers = notification.group_labels or notification.common_labels
    if not matchers:
        return None
    expr = "{" + ",".join(f"{matcher_name(k)}={promql_string(v)}" for k, v in sorted(matchers.items())) + "}"
    return f"{base.rstrip('/')}/#/silences/new?filter={quote(expr, safe='')}"


def matcher_name(name: str) -> str:
    """A label name as Alertmanager's matcher parser reads it: bare when classic, quoted otherwise."""
    return name if LABEL_NAME.fullmatch(name) else promql_string(name)


def annotation_runbooks(notification: Notification) -> list[dict]:
    """``runbook_url`` annotations, common ones first: these always win over the catalog."""
    urls = [notification.common_annotations.get("runbook_url")]
    urls += [alert.annotations.get("runbook_url") for alert in notification.alerts]
    seen: list[str] = []
    for url in map(safe_url, urls):
        if url and url not in seen:
            seen.append(url)
    return [{"title": "Runbook (alert annotation)", "url": url, "source": "annotation"} for url in seen]


def enrich(notification: Notification, directory: Directory, at: datetime, default_routing_key: str | None) -> Enrichment:
    """Surface, on-call responders, runbooks and links for a notification that opens an incident."""
    labels = incident_labels(notification)
    surface = directory.surface_for(labels)
    responders = directory.responders(surface, at) if surface else None
    runbooks = annotation_runbooks(notification)
    by_url = {r["url"]: r for r in runbooks}
    for link in directory.runbooks_for(labels):
        if not safe_url(link.url):
            continue
        if link.url in by_url:
            # the annotation keeps its place first; the catalog lends it a readable title
            by_url[link.url].update({"title": link.title, "id": link.id})
            continue
        by_url[link.url] = {"title": link.title, "url": link.url, "source": "catalog", "id": link.id}
        runbooks.append(by_url[link.url])
    links = [{"href": r["url"], "text": f"Runbook: {r['title']}"} for r in runbooks]
    dashboards = sorted({url for a in notification.alerts if (url := safe_url(a.annotations.get("dashboard_url")))})
    links += [{"href": url, "text": "Dashboard"} for url in dashboards]
    silence = silence_url(notification)
    if silence:
        links.append({"href": silence, "text": "Silence in Alertmanager"})
    generators: list[str] = []
    for alert in notification.alerts:
        url = safe_url(alert.generator_url)
        if url and url not in generators:
            generators.append(url)
    links += [{"href": url, "text": "Alert source (Prometheus)"} for url in generators[:MAX_GENERATOR_LINKS]]
    routing_key = (responders.routing_key if responders else None) or default_routing_key
    return Enrichment(labels, surface, responders, runbooks, links, routing_key)
