"""People's names inside quoted text of a postmortem draft, flagged for restating as system causes.

Why flag and not rewrite: a blameless postmortem describes what in the system let a change or a
decision do harm ("a model could reach production without a canary"), not who made it. The draft
quotes the timeline and the resolve note verbatim because they are the record; when such a quote
names a person from the roster (or anyone who acted on the incident), the reviewer is asked to
restate it before publishing. The draft itself never asserts blame, and never edits a quote.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel

RESTATE = "restate it as a system cause (what let this happen?), not as who did it"


class NamedPerson(BaseModel):
    """Where a quote names a person, who, and the quote itself."""

    where: str
    names: list[str]
    quote: str
    note: str = RESTATE


def name_patterns(people: Iterable[tuple[str, str]]) -> dict[str, re.Pattern]:
    """(id, full name) pairs -> display name -> a whole-word, case-blind pattern of id, name and its parts."""
    patterns: dict[str, re.Pattern] = {}
    for person_id, name in people:
        words = {person_id, name, *name.split()}
        words = sorted((w for w in words if len(w) >= 2), key=len, reverse=True)
        if words:
            alternatives = "|".join(re.escape(w) for w in words)
            patterns[name or person_id] = re.compile(rf"(?<![\w.-])(?:{alternatives})(?![\w-])", re.IGNORECASE)
    return patterns


def names_in(text: str, patterns: dict[str, re.Pattern]) -> list[str]:
    """Display names of everyone ``text`` mentions, sorted."""
    return sorted(name for name, pattern in patterns.items() if pattern.search(text))


def flag(where: str, text: str, patterns: dict[str, re.Pattern]) -> NamedPerson | None:
    found = names_in(text, patterns)
    return NamedPerson(where=where, names=found, quote=text) if found else None
