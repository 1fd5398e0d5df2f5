"""Follow-ups are timeline notes: ``follow-up: <what>`` opens one, ``follow-up done: <what>`` closes it.

Why a text convention: the receiver's timeline already takes notes from the CLI and the API, so a
responder can record an action item mid-incident with ``burnwise incident note ID --text
"follow-up: ..."`` and close it later the same way, without a new table. Matching is by the text
after the prefix (case and surrounding space ignored).
"""

from __future__ import annotations

from burnwise.receiver.records import TimelineEntry

OPEN_PREFIX = "follow-up:"
DONE_PREFIX = "follow-up done:"


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def follow_ups(entries: list[TimelineEntry]) -> tuple[list[str], list[str]]:
    """(open, done) follow-ups of one incident's timeline, in the order they were written."""
    opened: dict[str, str] = {}
    done: dict[str, str] = {}
    for entry in sorted(entries, key=lambda e: (e.at, e.id)):
        text = entry.text.strip()
        lowered = text.lower()
        if lowered.startswith(DONE_PREFIX):
            what = text[len(DONE_PREFIX):].strip()
            done[_key(what)] = opened.pop(_key(what), what)
        elif lowered.startswith(OPEN_PREFIX):
            what = text[len(OPEN_PREFIX):].strip()
            if what and _key(what) not in done:
                opened.setdefault(_key(what), what)
    return list(opened.values()), list(done.values())
