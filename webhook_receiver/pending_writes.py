"""Rows a transaction appends and does not read back before it commits, written together.

Why: each incident change writes a timeline entry and a page, and a new incident its alerts; one
executemany per table at the end of an ingest round (or command) replaces one statement per row.
Callers flush before anything reads these tables and before the commit. The outbox insert is
ON CONFLICT DO NOTHING on ``idem_key``: a page already written for its step (by another process,
or a retry) is not new, so it is neither counted nor sent twice.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import sqlalchemy as sa
from burnwise.receiver import statements as sql
from burnwise.receiver.lifecycle import TimelineWrite
from burnwise.receiver.paging import PageSpec


class PageCounter(Protocol):
    pages: int
    skipped: list[tuple[int, str, str, str]]


def page_row(spec: PageSpec, now: datetime) -> dict:
    """The outbox row for one page spec (the incident id is the idem key's first part)."""
    return {
        "idem_key": spec.idem_key,
        "incident_id": int(spec.idem_key.split(":", 1)[0]),
        "target": spec.target,
        "action": spec.action,
        "recipient_role": spec.recipient_role,
        "recipient": spec.recipient,
        "body": spec.body,
        "status": spec.status,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
        "last_error": spec.reason,
    }


class PendingWrites:
    def __init__(self) -> None:
        self.alerts: list[dict] = []
        self.timeline: list[dict] = []
        self.pages: list[tuple[dict, PageSpec, PageCounter | None]] = []  # row, its spec, who counts it

    def add_timeline(self, entry: TimelineWrite) -> None:
        self.timeline.append(entry.to_row())

    def add_pages(self, specs: list[PageSpec], now: datetime, counter: PageCounter | None = None) -> None:
        """Queue outbox rows; ``counter.pages`` counts the pending ones actually new at the flush."""
        for spec in specs:
            row = page_row(spec, now)
            self.pages.append((row, spec, counter))
            if spec.status == "skipped":  # never silent: the incident's timeline says why
                text = f"{spec.target} {spec.action} not sent: {spec.reason}"
                data = {"page": spec.idem_key, "reason": spec.reason_code}
                self.add_timeline(TimelineWrite(row["incident_id"], now, "note", "burnwise", text, data))

    def flush(self, conn: sa.Connection) -> None:
        if self.alerts:
            conn.execute(sql.INSERT_ALERT, self.alerts)
        if self.timeline:
            conn.execute(sql.INSERT_TIMELINE, self.timeline)
        if self.pages:
            new = {row.idem_key for row in conn.execute(sql.for_dialect(conn).insert_page, [row for row, _, _ in self.pages])}
            for row, spec, counter in self.pages:
                if row["idem_key"] not in new:
                    continue
                new.discard(row["idem_key"])
                if counter is None:
                    continue
                if spec.status == "pending":
                    counter.pages += 1
                elif spec.status == "skipped":
                    counter.skipped.append((row["incident_id"], spec.target, spec.reason_code or "skipped", spec.reason or ""))
        self.alerts, self.timeline, self.pages = [], [], []
