"""The roster as data for the generator: the CLI reads `oncall/roster.yaml`, the pipeline gets claims.

The generator routes Alertmanager notifications to the roster's surfaces, but it must not read
files relative to the working directory in the middle of a pipeline nor import the roster domain.
So the commands (`generate`, `check`, `alertmanager-config`, the demo) load and validate the
roster here, with the roster domain's own loader and messages, and hand the generator plain
:class:`~burnwise.generator.alertmanager.SurfaceClaim` values.
"""

from __future__ import annotations

from pathlib import Path

from burnwise.generator.alertmanager import NO_ROSTER, RosterClaims, SurfaceClaim, format_matcher
from burnwise.layout import ROSTER_FILE
from burnwise.roster.load import load_roster
from burnwise.roster.model import Roster


def claims_from_roster(roster: Roster) -> list[SurfaceClaim]:
    """Surfaces of a loaded roster, in file order, with their matchers in Alertmanager syntax."""
    return [
        SurfaceClaim(
            name=surface.name,
            services=tuple(surface.services),
            matchers=tuple(format_matcher(m.name, m.op, m.value) for m in surface.parsed_matchers),
        )
        for surface in roster.surfaces
    ]


def load_surface_claims(path: Path) -> list[SurfaceClaim]:
    """Read and validate a roster file; problems are reported as the on-call loader words them."""
    return claims_from_roster(load_roster(Path(path)))


def roster_claims(path: Path | None, name: str | None = None) -> RosterClaims:
    """Claims of the roster at ``path``, named ``name`` (default: the path as given) in generated
    headers; no roster at all when ``path`` is None."""
    if path is None:
        return NO_ROSTER
    return RosterClaims(tuple(load_surface_claims(path)), name or Path(path).as_posix())


def default_roster_claims(path: Path = ROSTER_FILE) -> RosterClaims:
    """The repository's roster (``oncall/roster.yaml`` by default) when the file exists."""
    return roster_claims(path if Path(path).is_file() else None)
