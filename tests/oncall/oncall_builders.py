"""Small, valid roster and catalog documents for tests, to be bent into the case under test.

Tests start from a roster that passes validation and change one thing, so each test shows
exactly which change causes the finding it asserts.
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import yaml

from burnwise.roster.model import TOOLING_ITEMS

REPO = Path(__file__).resolve().parents[2]
EXAMPLE_ROSTER = REPO / "oncall" / "roster.yaml"
EXAMPLE_RUNBOOKS = REPO / "oncall" / "runbooks.yaml"


def trained(surface: str, *, on: date = date(2026, 6, 1)) -> dict:
    """A training record that passes the gate for ``surface``."""
    return {
        "drills": [{"date": on.isoformat(), "role": "observer"}, {"date": on.isoformat(), "role": "primary"}],
        "walkthroughs": [{"date": on.isoformat(), "surface": surface}],
        "tooling_check": {item: on.isoformat() for item in TOOLING_ITEMS},
    }


def person(pid: str, tz: str = "Europe/Berlin", surface: str | None = "web") -> dict:
    entry = {"id": pid, "name": pid.capitalize(), "email": f"{pid}@example.com", "pager_id": f"P{pid.upper()}",
             "timezone": tz}
    if surface:
        entry["training"] = trained(surface)
    return entry


def roster(members=("alice", "bob", "carol"), tz: str = "Europe/Berlin", **surface_fields) -> dict:
    """One surface ``web`` (service ``web``) with a weekly Monday 09:00 rotation and lead ``lena``."""
    surface = {
        "name": "web",
        "services": ["web"],
        "rotation": {
            "members": list(members),
            "shift": "1w",
            "handoff": {"weekday": "monday", "time": "09:00"},
            "timezone": tz,
            "start": "2026-01-05",
        },
        "lead": "lena",
        "smes": {"database": ["lena"]},
    }
    surface.update(surface_fields)
    people = [person(m, tz) for m in dict.fromkeys(members)] + [person("lena", tz, None)]
    return {"people": people, "surfaces": [surface], "overrides": []}


def catalog(**fields) -> dict:
    runbook = {
        "id": "web-availability",
        "title": "Web is failing",
        "url": "https://runbooks.example.com/web/availability",
        "owner": "web",
        "last_reviewed": "2026-11-01",
        "match": {"services": ["web"], "slos": ["availability"]},
        "steps": [{"action": "Roll back.", "revert": "Roll forward.", "verify": "Error ratio drops."}],
    }
    runbook.update(fields)
    return {"runbooks": [runbook]}


def write(directory: Path, name: str, document: dict) -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(copy.deepcopy(document), sort_keys=False), encoding="utf-8")
    return path
