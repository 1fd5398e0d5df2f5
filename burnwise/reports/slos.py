"""The SLO specs behind an incident or a surface, read with the generator's own loader.

Why the specs: an alert carries only ``service`` and ``slo`` labels; the objective, period, tiers
and burn factors that explain it (and that a regression case must reproduce) live in the spec,
and reading it with :func:`burnwise.generator.loader.load_specs` gives the exact defaults the rules have.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from burnwise.errors import BurnwiseError
from burnwise.generator.errors import SpecError
from burnwise.generator.loader import LoadedSpec, load_specs
from burnwise.generator.spec import SLO, ServiceSpec
from burnwise.generator.windows import Tier, tiers_for


@dataclass(frozen=True)
class SLORef:
    loaded: LoadedSpec
    slo: SLO

    @property
    def spec(self) -> ServiceSpec:
        return self.loaded.spec

    def page_tiers(self) -> list[Tier]:
        return [tier for tier in tiers_for(self.slo) if tier.kind == "page"]


def load_catalog(specs_dir: Path) -> list[LoadedSpec]:
    """Every spec under ``specs_dir``; [] when the folder does not exist."""
    if not Path(specs_dir).exists():
        return []
    try:
        return load_specs([Path(specs_dir)])
    except SpecError as exc:
        raise BurnwiseError(f"cannot read the SLO specs in {specs_dir}: {exc}; fix them (burnwise validate)") from None


def find_slo(catalog: list[LoadedSpec], service: str | None, slo: str | None) -> SLORef | None:
    for loaded in catalog:
        if loaded.spec.service != service:
            continue
        for item in loaded.spec.slos:
            if item.name == slo:
                return SLORef(loaded, item)
    return None


def slos_of_surface(catalog: list[LoadedSpec], surface: str, services: list[str] | None = None) -> list[SLORef]:
    """SLOs whose spec's owner is ``surface`` (or whose service the roster lists for it), sorted."""
    wanted = set(services or [])
    refs = [
        SLORef(loaded, item)
        for loaded in catalog
        if loaded.spec.owner_surface == surface or loaded.spec.service in wanted
        for item in loaded.spec.slos
    ]
    return sorted(refs, key=lambda r: (r.spec.service, r.slo.name))
