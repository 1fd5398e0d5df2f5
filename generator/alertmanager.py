"""Specs + roster -> Alertmanager routing tree, receivers and inhibition rules, as deterministic YAML.

Why generate it: the hand-written Alertmanager config is where burn-rate alerting goes wrong in
practice - a page route that matches nothing, a ticket severity that pages, three notifications
for one burn. The specs already say which severities page and which file tickets
(:func:`burnwise.generator.windows.tiers_for`), and the roster says which surface answers for which
service, so the routing tree follows from them.

Shape of the output:

* one route per way the receiver itself finds a surface (``owner`` label, then ``service``, then
  the roster's label matchers, in that order - the same precedence as
  :func:`burnwise.roster.matching.surface_for`), each with one child route per severity
  so every severity gets its own ``group_wait``/``group_interval``/``repeat_interval``;
* page severities go to ``<surface>-page`` (the receiver's ``POST /v1/alertmanager``), ticket
  severities to ``<surface>-ticket`` (``POST /v1/alertmanager/ticket``); per-surface receiver
  names make Alertmanager's own notification metrics and UI show which team was notified;
* alerts no surface claims fall through to the ``default-page``/``default-ticket`` receivers;
* inhibition: a firing sev1 of an SLO mutes that SLO's sev2 and sev3, a sev2 mutes its sev3
  (the Workbook's note on suppressing the slower burn-rate alerts), so one burn is one notification;
* the receiver's token is referenced with ``credentials_file``, never written inline.

Everything here is pure: the roster arrives as data (:class:`RosterClaims`, built by the CLI from
the roster file), so the generator never reads the working directory or imports the roster domain.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from burnwise.durations import format_duration
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.render import dump_yaml
from burnwise.generator.windows import WORKBOOK_TABLE, tiers_for
from pydantic import BaseModel, ConfigDict, Field

from burnwise.errors import BurnwiseError
from burnwise.layout import ALERTMANAGER_FILE

#: Where ``burnwise serve`` listens by default; the committed file uses it.
DEFAULT_RECEIVER_URL = "http://127.0.0.1:9095"
#: Where the committed file expects the receiver's token on the Alertmanager host (never inline).
DEFAULT_CREDENTIALS_FILE = "/etc/alertmanager/burnwise/receiver-token"
#: Name of the committed file inside the rendered-rules directory.
OUTPUT_FILE = ALERTMANAGER_FILE

PAGE_PATH = "/v1/alertmanager"
TICKET_PATH = "/v1/alertmanager/ticket"
GROUP_BY = ("alertname", "service", "slo")
#: Labels two alerts must share for one to mute the other: the same SLO of the same service.
INHIBIT_EQUAL = ("service", "slo")
DEFAULT_SURFACE = "default"
RESOLVE_TIMEOUT = 5 * 60

#: Tier name -> (rank, kind) from the Workbook table: sev1 pages fastest, sev3 files a ticket.
TIER_RANK: dict[str, int] = {name: rank for rank, (name, _kind, _rows) in enumerate(WORKBOOK_TABLE)}
TIER_KIND: dict[str, str] = {name: kind for name, kind, _rows in WORKBOOK_TABLE}
#: Alerts with a severity no spec uses are treated like the receiver treats them: as sev2.
FALLBACK_TIER = "sev2"


class AlertmanagerConfigError(BurnwiseError):
    """The specs ask for a routing Alertmanager cannot express (conflicting severity labels)."""


class Timing(BaseModel):
    """How long Alertmanager waits before the first notification, between updates, and to repeat."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    group_wait: int = Field(gt=0)  # seconds
    group_interval: int = Field(gt=0)
    repeat_interval: int = Field(gt=0)

    def as_route_fields(self) -> dict[str, str]:
        return {
            "group_wait": format_duration(self.group_wait),
            "group_interval": format_duration(self.group_interval),
            "repeat_interval": format_duration(self.repeat_interval),
        }


#: sev1 reaches the receiver fast and is repeated hourly while it burns; sev3 is batched and daily.
DEFAULT_TIMINGS: dict[str, Timing] = {
    "sev1": Timing(group_wait=30, group_interval=5 * 60, repeat_interval=3600),
    "sev2": Timing(group_wait=60, group_interval=5 * 60, repeat_interval=4 * 3600),
    "sev3": Timing(group_wait=5 * 60, group_interval=30 * 60, repeat_interval=24 * 3600),
}


class Options(BaseModel):
    """What the specs and roster do not say: where the receiver is, its token file, the timings."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    receiver_url: str = DEFAULT_RECEIVER_URL
    credentials_file: str | None = DEFAULT_CREDENTIALS_FILE
    timings: dict[str, Timing] = Field(default_factory=lambda: dict(DEFAULT_TIMINGS))
    full: bool = True

    def with_timing(
        self, group_wait: int | None = None, group_interval: int | None = None, repeat_interval: int | None = None
    ) -> "Options":
        """The same options with one or more timing fields replaced for every severity."""
        changes = {
            key: value
            for key, value in (
                ("group_wait", group_wait),
                ("group_interval", group_interval),
                ("repeat_interval", repeat_interval),
            )
            if value is not None
        }
        timings = {tier: timing.model_copy(update=changes) for tier, timing in self.timings.items()}
        return self.model_copy(update={"timings": timings})


@dataclass(frozen=True)
class SurfaceClaim:
    """A roster surface and the alerts it answers for: by ``owner``, ``service`` or label matchers."""

    name: str
    services: tuple[str, ...] = ()
    matchers: tuple[str, ...] = ()  # Alertmanager matcher syntax, all must hold


@dataclass(frozen=True)
class RosterClaims:
    """The roster as the generator needs it: surface claims in file order, and the file's name for
    the generated header (None: no roster, surfaces come from the specs' owner fields only)."""

    claims: tuple[SurfaceClaim, ...] = ()
    source: str | None = None


NO_ROSTER = RosterClaims()


@dataclass(frozen=True)
class SeverityRoute:
    """One severity label value, the tier it belongs to (for its timing) and where it goes."""

    severity: str
    tier: str  # sev1, sev2 or sev3: the most urgent tier that uses this label
    kind: str  # page or ticket


@dataclass(frozen=True)
class _Use:
    """Where a severity label is used, to name it in error messages."""

    severity: str
    tier: str
    where: str


def _default_uses() -> list[_Use]:
    return [_Use(name, name, "burnwise's defaults") for name in TIER_RANK]


def _spec_uses(specs: Iterable[LoadedSpec]) -> list[list[_Use]]:
    """Per SLO (defaults first): the severity of every enabled tier, with its location."""
    per_slo = [_default_uses()]
    for item in specs:
        for index, slo in enumerate(item.spec.slos):
            where = f"{item.source}: slos[{index}] ({slo.name})"
            per_slo.append([_Use(t.severity, t.name, f"{where}: alerting.tiers.{t.name}") for t in tiers_for(slo)])
    return per_slo


def severity_routes(specs: Iterable[LoadedSpec]) -> list[SeverityRoute]:
    """Every severity label the alerts can carry, most urgent first.

    A label that one spec uses for a page and another for a ticket cannot be routed by severity,
    so it is refused with both places named.
    """
    first: dict[str, _Use] = {}
    tier_of: dict[str, str] = {}
    for uses in _spec_uses(specs):
        for use in uses:
            seen = first.setdefault(use.severity, use)
            if TIER_KIND[seen.tier] != TIER_KIND[use.tier]:
                raise AlertmanagerConfigError(
                    f"severity {use.severity!r} is a {TIER_KIND[use.tier]} in {use.where} but a "
                    f"{TIER_KIND[seen.tier]} in {seen.where}: Alertmanager routes by severity, so give "
                    "page tiers (sev1, sev2) and the ticket tier (sev3) different severity labels"
                )
            current = tier_of.get(use.severity)
            if current is None or TIER_RANK[use.tier] < TIER_RANK[current]:
                tier_of[use.severity] = use.tier
    routes = [SeverityRoute(sev, tier, TIER_KIND[tier]) for sev, tier in tier_of.items()]
    return sorted(routes, key=lambda r: (TIER_RANK[r.tier], r.severity))


def inhibition_pairs(specs: Iterable[LoadedSpec]) -> dict[str, list[str]]:
    """Source severity -> severities it mutes for the same SLO (a faster tier mutes the slower ones).

    Inhibit rules are global in Alertmanager, so if one spec orders two labels one way and another
    spec the other way, the two alerts would mute each other: refused, naming both places.
    """
    pairs: dict[tuple[str, str], str] = {}
    for uses in _spec_uses(specs):
        for source in uses:
            for target in uses:
                if TIER_RANK[source.tier] < TIER_RANK[target.tier] and source.severity != target.severity:
                    pairs.setdefault((source.severity, target.severity), source.where)
    for (source, target), where in sorted(pairs.items()):
        if (target, source) in pairs:
            raise AlertmanagerConfigError(
                f"severities {source!r} and {target!r} are ordered one way in {where} and the other way in "
                f"{pairs[(target, source)]}: each would inhibit the other; use the same order of severity "
                "labels in every spec"
            )
    muted: dict[str, list[str]] = {}
    for source, target in sorted(pairs):
        muted.setdefault(source, []).append(target)
    return muted


def surface_claims(specs: Iterable[LoadedSpec], roster: Iterable[SurfaceClaim] = ()) -> list[SurfaceClaim]:
    """Roster surfaces (file order) plus surfaces only the specs name (sorted), with spec services added.

    A spec's service is added to its owner's surface unless an earlier surface claims it already,
    because the receiver, too, gives a service to the first surface that lists it.
    """
    claims = list(roster)
    for claim in claims:
        if claim.name == DEFAULT_SURFACE:
            raise AlertmanagerConfigError(
                f"surface name {DEFAULT_SURFACE!r} is reserved for the fall-back route: rename the surface in the roster"
            )
    by_owner: dict[str, list[str]] = {}
    for item in specs:
        by_owner.setdefault(item.spec.owner_surface, []).append(item.spec.service)
    known = {claim.name for claim in claims}
    claims += [SurfaceClaim(name) for name in sorted(set(by_owner) - known)]
    claimed: set[str] = {service for claim in claims for service in claim.services}
    result = []
    for claim in claims:
        extra = [s for s in sorted(set(by_owner.get(claim.name, []))) if s not in claimed]
        claimed.update(extra)
        result.append(SurfaceClaim(claim.name, claim.services + tuple(extra), claim.matchers))
    return result


def format_matcher(name: str, op: str, value: str) -> str:
    """An Alertmanager matcher with the value quoted the way Alertmanager unquotes it."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'{name}{op}"{escaped}"'


_RE2_SPECIAL = re.compile(r"([\\.+*?()|\[\]{}^$])")


def any_of(values: Iterable[str]) -> str:
    """A regular expression (Alertmanager anchors it) matching exactly one of ``values``."""
    return "|".join(_RE2_SPECIAL.sub(r"\\\1", v) for v in values)


def _label_matcher(name: str, values: list[str]) -> str:
    if len(values) == 1:
        return format_matcher(name, "=", values[0])
    return format_matcher(name, "=~", any_of(values))


def receiver_name(surface: str, kind: str) -> str:
    return f"{surface}-{kind}"


def _endpoint(base_url: str, kind: str) -> str:
    return base_url.rstrip("/") + (TICKET_PATH if kind == "ticket" else PAGE_PATH)


def check_receiver_url(url: str) -> str:
    """The URL without a trailing slash, or a BurnwiseError saying what a valid one looks like."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise AlertmanagerConfigError(
            f"receiver URL {url!r} is not an http(s) base URL: give scheme, host and port, e.g. "
            f"{DEFAULT_RECEIVER_URL} (burnwise appends {PAGE_PATH} and {TICKET_PATH})"
        )
    return url.rstrip("/")


def _severity_children(surface: str, severities: list[SeverityRoute], options: Options) -> list[dict[str, Any]]:
    return [
        {
            "receiver": receiver_name(surface, sev.kind),
            "matchers": [format_matcher("severity", "=", sev.severity)],
            **options.timings[sev.tier].as_route_fields(),
        }
        for sev in severities
    ]


def grouping_labels(specs: Iterable[LoadedSpec]) -> list[str]:
    """Labels of grouped SLOs (`group_by`), sorted: added to every route's `group_by` (one
    notification, so one incident and one page, per failing group) and to the inhibition's
    `equal` (a group's page mutes only its own lower tiers). An alert without the label groups
    and matches as the empty value, so ungrouped SLOs are unaffected."""
    return sorted({label for item in specs for slo in item.spec.slos for label in slo.group_by})


def _surface_route(
    surface: str, matchers: list[str], severities: list[SeverityRoute], options: Options, group_by: list[str] | None = None
) -> dict[str, Any]:
    return {
        "receiver": receiver_name(surface, "page"),
        "matchers": matchers,
        "group_by": list(group_by or GROUP_BY),
        **options.timings[FALLBACK_TIER].as_route_fields(),
        "routes": _severity_children(surface, severities, options),
    }


def surface_routes(
    claims: list[SurfaceClaim], severities: list[SeverityRoute], options: Options, group_by: list[str] | None = None
) -> list[dict[str, Any]]:
    """Owner routes, then service routes, then matcher routes: the receiver's own lookup order."""
    routes = [_surface_route(c.name, [format_matcher("owner", "=", c.name)], severities, options, group_by) for c in claims]
    routes += [
        _surface_route(c.name, [_label_matcher("service", list(c.services))], severities, options, group_by)
        for c in claims
        if c.services
    ]
    routes += [_surface_route(c.name, list(c.matchers), severities, options, group_by) for c in claims if c.matchers]
    return routes


def _webhook_receiver(name: str, url: str, options: Options) -> dict[str, Any]:
    webhook: dict[str, Any] = {"url": url, "send_resolved": True, "max_alerts": 0}
    if options.credentials_file:
        webhook["http_config"] = {"authorization": {"type": "Bearer", "credentials_file": options.credentials_file}}
    return {"name": name, "webhook_configs": [webhook]}


def receivers(surfaces: Iterable[str], options: Options) -> list[dict[str, Any]]:
    base = check_receiver_url(options.receiver_url)
    found = [
        _webhook_receiver(receiver_name(surface, kind), _endpoint(base, kind), options)
        for surface in surfaces
        for kind in ("page", "ticket")
    ]
    return sorted(found, key=lambda r: r["name"])


def inhibit_rules(muted: Mapping[str, list[str]], grouping: list[str] = ()) -> list[dict[str, Any]]:
    """One rule per muting severity; only burnwise page alerts mute, and only their own SLO."""
    return [
        {
            "source_matchers": [format_matcher("burnwise_tier", "=", "page"), format_matcher("severity", "=", source)],
            "target_matchers": [_label_matcher("severity", targets)],
            "equal": [*INHIBIT_EQUAL, *grouping],
        }
        for source, targets in sorted(muted.items())
    ]


def build_config(specs: list[LoadedSpec], roster: Iterable[SurfaceClaim] = (), options: Options | None = None) -> dict[str, Any]:
    """The Alertmanager configuration as a dict: a whole file, or with ``full=False`` the fragment
    (``routes``, ``receivers``, ``inhibit_rules``) to merge into a configuration kept by hand."""
    options = options or Options()
    severities = severity_routes(specs)
    claims = surface_claims(specs, roster)
    grouping = grouping_labels(specs)
    group_by = [*GROUP_BY, *grouping]
    routes = surface_routes(claims, severities, options, group_by)
    names = [c.name for c in claims]
    rules = inhibit_rules(inhibition_pairs(specs), grouping)
    if not options.full:
        return {"routes": routes, "receivers": receivers(names, options), "inhibit_rules": rules}
    top = {
        "receiver": receiver_name(DEFAULT_SURFACE, "page"),
        "group_by": list(group_by),
        **options.timings[FALLBACK_TIER].as_route_fields(),
        "routes": routes + _severity_children(DEFAULT_SURFACE, severities, options),
    }
    return {
        "global": {"resolve_timeout": format_duration(RESOLVE_TIMEOUT)},
        "route": top,
        "receivers": receivers([DEFAULT_SURFACE, *names], options),
        "inhibit_rules": rules,
    }


def header(sources: list[str], roster: str | None, options: Options) -> str:
    """Comment lines: the generated-file marker with the inputs (first line only, as in rule files),
    then what the file is and how to change it."""
    inputs = ", ".join([*sorted(set(sources)), *([roster] if roster else [])]) or "no specs"
    kind = "configuration" if options.full else "configuration fragment"
    lines = [
        f"# Generated by burnwise from {inputs}. DO NOT EDIT.",
        f"# Alertmanager {kind}; surfaces from {'the roster and ' if roster else ''}the specs' owner fields.",
        f"# Receiver: {check_receiver_url(options.receiver_url)}; token read from "
        f"{options.credentials_file or '(no authorization configured)'}.",
        "# Regenerate with `burnwise generate` (the committed rendered_rules/alertmanager.yaml, checked for",
        "# drift by `burnwise check`) or `burnwise alertmanager-config` (other URLs, timings, fragments).",
    ]
    if not options.full:
        lines.append(
            "# Merge: put `routes` first in your top-level route's routes, add `receivers` and `inhibit_rules`."
        )
    return "\n".join(lines) + "\n"


def render_config(
    specs: list[LoadedSpec], roster: Iterable[SurfaceClaim] = (), options: Options | None = None, roster_source: str | None = None
) -> str:
    """Header plus YAML, byte-identical for the same inputs."""
    options = options or Options()
    config = build_config(specs, roster, options)
    return header([item.source for item in specs], roster_source, options) + dump_yaml(config)


def alertmanager_files(specs: list[LoadedSpec], roster: RosterClaims = NO_ROSTER) -> dict[str, str]:
    """Pipeline producer: the committed ``alertmanager.yaml`` with the default receiver URL, token
    file and timings, routing to the surfaces of ``roster`` (given by the caller, never read here)."""
    return {OUTPUT_FILE: render_config(specs, roster.claims, Options(), roster.source)}
