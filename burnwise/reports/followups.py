"""Follow-ups are timeline notes: ``follow-up: <what>`` opens one, ``follow-up done: <what>`` closes it.

Why a text convention: the receiver's timeline already takes notes from the CLI and the API, so a
responder can record an action item mid-incident with ``burnwise incident note ID --text
"follow-up: add a canary [owner: anna] [due: 2026-12-15]"`` and close it later the same way,
without a new table. Matching is by the text after the prefix with the ``[owner: ...]`` and
``[due: ...]`` tags removed (case and surrounding space ignored), so closing an item need not
repeat its tags; a later note for the same item may add or change them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from burnwise.receiver.records import TimelineEntry

OPEN_PREFIX = "follow-up:"
DONE_PREFIX = "follow-up done:"
_TAG = re.compile(r"\[\s*(owner|due)\s*:\s*([^\]]*?)\s*\]", re.IGNORECASE)


@dataclass
class FollowUp:
    """One action item: what, whether it is done, who owns it and by when (None when not given)."""

    text: str
    done: bool = False
    owner: str | None = None
    due: str | None = None
    problem: str | None = None


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def without_tags(text: str) -> str:
    """``text`` with its ``[owner: ...]``/``[due: ...]`` tags removed (an owner is no blame)."""
    return _parse(text)[0]


def _parse(body: str) -> tuple[str, dict[str, str]]:
    tags = {name.lower(): value for name, value in _TAG.findall(body)}
    return " ".join(_TAG.sub(" ", body).split()), tags


def _apply(item: FollowUp, tags: dict[str, str]) -> None:
    if tags.get("owner"):
        item.owner = tags["owner"]
    if "due" in tags:
        try:
            item.due = date.fromisoformat(tags["due"]).isoformat()
        except ValueError:
            item.problem = f"due date {tags['due']!r} is not a date like 2026-12-15"


def follow_up_items(entries: list[TimelineEntry]) -> list[FollowUp]:
    """Every follow-up of one incident's timeline, open and done, in the order first written."""
    items: dict[str, FollowUp] = {}
    for entry in sorted(entries, key=lambda e: (e.at, e.id)):
        text = entry.text.strip()
        lowered = text.lower()
        if lowered.startswith(DONE_PREFIX):
            what, tags = _parse(text[len(DONE_PREFIX):])
            item = items.setdefault(_key(what), FollowUp(what))
            item.done = True
            _apply(item, tags)
        elif lowered.startswith(OPEN_PREFIX):
            what, tags = _parse(text[len(OPEN_PREFIX):])
            if not what:
                continue
            item = items.setdefault(_key(what), FollowUp(what))
            _apply(item, tags)
    return [item for item in items.values() if item.text]


def follow_ups(entries: list[TimelineEntry]) -> tuple[list[str], list[str]]:
    """(open, done) follow-up texts of one incident's timeline, in the order they were written."""
    items = follow_up_items(entries)
    return [i.text for i in items if not i.done], [i.text for i in items if i.done]
