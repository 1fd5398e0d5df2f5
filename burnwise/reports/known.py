"""Names a report is asked about (surface, service, person) checked against the ones that exist.

Why: ``burnwise handoff --surface paymnets`` used to print an empty note - no open incidents, no
noise, nothing to watch - and exit 0: a typo read as an all-clear. A report about something that
does not exist is an error that lists what does. What exists comes from the roster when there is
one (it is the authority on surfaces and people); without a roster, from the SLO specs (owners and
services) and the incident log (surfaces and services incidents were filed under).
"""

from __future__ import annotations

from burnwise.errors import BurnwiseError
from burnwise.generator.loader import LoadedSpec
from burnwise.roster.directory import Directory


def _fail(option: str, what: str, value: str, known: list[str], source: str) -> BurnwiseError:
    listing = ", ".join(sorted(set(known))) if known else "none"
    return BurnwiseError(f"{option} {value!r}: no such {what} in {source}; known: {listing}")


def check_surface(value: str, directory: Directory | None, catalog: list[LoadedSpec],
                  logged: list[str], option: str = "--surface") -> str:
    """``value`` when it is a known surface, else a BurnwiseError listing the known ones."""
    if directory is not None and directory.roster is not None:
        names = directory.surfaces()
        if value not in names:
            raise _fail(option, "surface", value, names, "the roster")
        return value
    names = sorted({s.spec.owner_surface for s in catalog} | {s for s in logged if s})
    if value not in names:
        raise _fail(option, "surface", value, names, "the SLO specs or the incident log (no roster given)")
    return value


def check_service(value: str, directory: Directory | None, catalog: list[LoadedSpec],
                  option: str = "SERVICE") -> str:
    """``value`` when a spec or a roster surface lists that service, else an error listing them."""
    names = {s.spec.service for s in catalog}
    if directory is not None and directory.roster is not None:
        names |= {svc for surface in directory.roster.surfaces for svc in surface.services}
    if value not in names:
        raise _fail(option, "service", value, sorted(names), "the SLO specs or the roster")
    return value


def check_person(value: str, directory: Directory | None, option: str = "--person") -> str:
    """``value`` when the roster has that person id, else an error listing the ids."""
    if directory is None or directory.roster is None:
        raise BurnwiseError(f"{option} {value!r}: people are checked against a roster; pass --roster")
    ids = [p.id for p in directory.roster.people]
    if value not in ids:
        raise _fail(option, "person", value, ids, "the roster")
    return value
