"""The handoff log: what the outgoing engineer added to a handoff, and the incoming one's sign-off.

Why a reviewed YAML file (``oncall/handoffs.yaml``) and not the receiver's database: the handoff
is a conversation between two people, not an incident; it must be written when the receiver is
down, and read back by the next handoff. Per surface the log keeps:

* the *open* handoff: annotations ("what would you worry about"), each stamped with who, when and
  the version of the handoff it was added in (every change bumps the version);
* the accepted handoffs: who accepted, when, when the live walkthrough happened and with whom,
  and the items the incoming engineer carried over into their shift;
* known false positives: alert names marked "known false positive, tuning ticket X", shown in
  every handoff's noisy-alert table until cleared.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import yaml
from pydantic import BaseModel, ValidationError

from burnwise.errors import BurnwiseError
from burnwise.roster.findings import format_path
from burnwise.roster.yaml_source import read_yaml


class Annotation(BaseModel):
    text: str
    by: str
    at: str
    version: int


class Acceptance(BaseModel):
    by: str
    at: str
    walkthrough_at: str
    walkthrough_with: list[str]
    carried_over: list[str] = []


class HandoffRecord(BaseModel):
    version: int = 0
    opened_at: str
    annotations: list[Annotation] = []
    accepted: Acceptance | None = None


class FalsePositive(BaseModel):
    ticket: str
    by: str
    at: str


class SurfaceLog(BaseModel):
    handoffs: list[HandoffRecord] = []
    known_false_positives: dict[str, FalsePositive] = {}

    def open_record(self) -> HandoffRecord | None:
        last = self.handoffs[-1] if self.handoffs else None
        return last if last is not None and last.accepted is None else None

    def last_accepted(self) -> HandoffRecord | None:
        return next((h for h in reversed(self.handoffs) if h.accepted is not None), None)


class HandoffLog(BaseModel):
    surfaces: dict[str, SurfaceLog] = {}


def load_log(path: Path) -> HandoffLog:
    if not Path(path).exists():
        return HandoffLog()
    try:
        return HandoffLog.model_validate(read_yaml(Path(path)) or {})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BurnwiseError(f"{path}: {format_path(tuple(first['loc']))}: {first['msg']}") from None


def save_log(path: Path, log: HandoffLog) -> None:
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    document = log.model_dump(mode="json", exclude_none=True)
    Path(path).write_text("# Handoff annotations and sign-offs: written by `burnwise handoff annotate|accept|false-positive`.\n"
                          + yaml.safe_dump(document, sort_keys=True, allow_unicode=True), encoding="utf-8")


def _stamp(at: datetime) -> str:
    from burnwise.reports.timing import iso

    return iso(at)


def annotate(log: HandoffLog, surface: str, text: str, by: str, at: datetime) -> HandoffRecord:
    if not text.strip():
        raise BurnwiseError("--text is empty: write what the next primary should worry about")
    entry = log.surfaces.setdefault(surface, SurfaceLog())
    record = entry.open_record()
    if record is None:
        record = HandoffRecord(opened_at=_stamp(at))
        entry.handoffs.append(record)
    record.version += 1
    record.annotations.append(Annotation(text=text.strip(), by=by, at=_stamp(at), version=record.version))
    return record


def accept(log: HandoffLog, surface: str, by: str, at: datetime, walkthrough_at: datetime, with_people: list[str],
           carried: list[str]) -> HandoffRecord:
    if walkthrough_at > at:
        raise BurnwiseError(f"--walkthrough-at {_stamp(walkthrough_at)} is after the acceptance ({_stamp(at)}): "
                            "accept once the live walkthrough has happened")
    if not with_people:
        raise BurnwiseError("--with is empty: name who walked you through the handoff (roster ids)")
    entry = log.surfaces.setdefault(surface, SurfaceLog())
    record = entry.open_record()
    if record is None:
        record = HandoffRecord(opened_at=_stamp(at))
        entry.handoffs.append(record)
    record.version += 1
    record.accepted = Acceptance(by=by, at=_stamp(at), walkthrough_at=_stamp(walkthrough_at),
                                 walkthrough_with=list(dict.fromkeys(with_people)),
                                 carried_over=[c.strip() for c in carried if c.strip()])
    return record


def mark_false_positive(log: HandoffLog, surface: str, alertname: str, ticket: str | None, by: str,
                        at: datetime) -> None:
    entry = log.surfaces.setdefault(surface, SurfaceLog())
    if ticket is None:
        if entry.known_false_positives.pop(alertname, None) is None:
            raise BurnwiseError(f"--alert {alertname!r} is not marked as a known false positive on {surface!r}; "
                                f"marked: {', '.join(sorted(entry.known_false_positives)) or 'none'}")
        return
    entry.known_false_positives[alertname] = FalsePositive(ticket=ticket, by=by, at=_stamp(at))
