"""Pydantic models of the roster (``oncall/roster.yaml``) and runbook catalog (``oncall/runbooks.yaml``).

The models check shape and single-field sense (a real IANA zone, a duration that parses, an
override that ends after it starts). Checks across records (unknown people, the training gate,
fairness) live in :mod:`burnwise.roster.validate`, so every such problem is reported at once
as a finding instead of stopping at the first.
"""

from __future__ import annotations

from datetime import date as Date
from datetime import datetime, timedelta
from datetime import time as Time
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from burnwise.percent import parse_percent
from burnwise.roster.durations import parse_duration
from burnwise.roster.matchers import Matcher, parse_matcher

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
ID_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"


def _check_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{name!r} is not an IANA time zone: use a name like Europe/Berlin or America/New_York"
        ) from None
    return name


def _check_duration(text: str) -> str:
    parse_duration(text)
    return text


def _check_matcher(text: str) -> str:
    parse_matcher(text)
    return text


def _check_aware(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment.isoformat()} has no UTC offset: write it like 2026-12-24T09:00:00+01:00")
    return moment


TimeZoneName = Annotated[str, AfterValidator(_check_zone)]
DurationText = Annotated[str, AfterValidator(_check_duration)]
MatcherText = Annotated[str, AfterValidator(_check_matcher)]
AwareDatetime = Annotated[datetime, AfterValidator(_check_aware)]
Identifier = Annotated[str, Field(pattern=ID_PATTERN)]


class _Strict(BaseModel):
    """Unknown keys are errors: a typo like ``rotaton`` must not silently drop a rotation."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- people and training -------------------------------------------------------------------------


class Drill(_Strict):
    """A drill taken, written under the person (the short form; see :class:`DrillRecord`)."""

    date: Date
    role: Literal["observer", "primary", "backup"]


class Walkthrough(_Strict):
    """A runbook walk-through done for one surface."""

    date: Date
    surface: str


#: What a tooling check covers: each item is checked (and dated) on its own.
TOOLING_ITEMS = ("paging", "dashboards", "deploy_log", "rollback", "postmortem_template", "escalation_directory")


class ToolingCheck(_Strict):
    """The date each tool was last checked to work for this person (None: not checked)."""

    paging: Date | None = None
    dashboards: Date | None = None
    deploy_log: Date | None = None
    rollback: Date | None = None
    postmortem_template: Date | None = None
    escalation_directory: Date | None = None

    def items(self) -> dict[str, Date | None]:
        return {name: getattr(self, name) for name in TOOLING_ITEMS}


class TrainingRecord(_Strict):
    drills: list[Drill] = []
    walkthroughs: list[Walkthrough] = []
    tooling_check: ToolingCheck | Date | None = Field(
        default=None,
        description="One date per item (paging, dashboards, deploy_log, rollback, postmortem_template, "
        "escalation_directory). A single date is read but does not pass the gate: it does not say what was checked.",
    )


class DrillParticipant(_Strict):
    person: str
    role: Literal["observer", "primary", "backup"]


class DrillRecord(_Strict):
    """A drill as a record of its own: scheduled drills are not training until their outcome is ``done``."""

    date: Date
    surface: str
    scenario: str
    participants: list[DrillParticipant] = Field(min_length=1)
    outcome: Literal["scheduled", "done", "cancelled"] = "scheduled"
    notes: str | None = None


class FairnessPolicy(_Strict):
    """When validate warns that one person carries far more night/weekend/holiday hours than the others."""

    ratio: float = Field(default=1.5, gt=1, description="warn above this many times the surface's median")
    min_excess_hours: float = Field(default=8.0, ge=0, description="... and at least this many hours above it")
    weeks: int = Field(default=12, ge=1, description="how far ahead to count")


class TrainingPolicy(_Strict):
    """How long training counts, and how early to warn before it lapses."""

    validity_days: int = Field(default=365, ge=1)
    warn_days: int = Field(default=30, ge=0)


class Person(_Strict):
    id: Identifier
    name: str
    email: str | None = None
    pager_id: str | None = None
    timezone: TimeZoneName
    training: TrainingRecord = TrainingRecord()
    holidays: list[Date] = Field(default=[], description="Local days off (public holidays): on-call hours then count as unsocial.")


# --- rotations and surfaces ----------------------------------------------------------------------


class Handoff(_Strict):
    """When a shift changes hands, as wall-clock time in the rotation's zone."""

    weekday: Literal[WEEKDAYS] = "monday"  # type: ignore[valid-type]
    time: Time = Time(9, 0)

    @property
    def weekday_index(self) -> int:
        return WEEKDAYS.index(self.weekday)


class Rotation(_Strict):
    """Ordered members taking turns; shift lengths are whole days so handoffs keep their wall clock."""

    members: list[str]
    shift: DurationText = "1w"
    handoff: Handoff = Handoff()
    timezone: TimeZoneName = "UTC"
    start: Date | None = Field(
        default=None,
        description="Local date the first member's first shift began; default: first handoff weekday from 2024-01-01.",
    )

    @field_validator("shift")
    @classmethod
    def _whole_days(cls, value: str) -> str:
        delta = parse_duration(value)
        if delta % timedelta(days=1):
            raise ValueError(
                f"shift {value!r} is not a whole number of days: use 1d, 2d, 1w ... "
                "(split a day between zones with follow_the_sun instead)"
            )
        return value

    @model_validator(mode="after")
    def _start_on_handoff_weekday(self) -> "Rotation":
        if self.start is not None and self.shift_days % 7 == 0 and self.start.weekday() != self.handoff.weekday_index:
            raise ValueError(
                f"start {self.start.isoformat()} is a {WEEKDAYS[self.start.weekday()]}, but weekly shifts "
                f"hand off on {self.handoff.weekday}: move start to a {self.handoff.weekday}"
            )
        return self

    @property
    def shift_days(self) -> int:
        return parse_duration(self.shift).days

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def anchor(self) -> Date:
        """The local date shift 0 began."""
        if self.start is not None:
            return self.start
        base = Date(2024, 1, 1)  # a Monday
        if self.shift_days % 7:
            return base
        return base + timedelta(days=(self.handoff.weekday_index - base.weekday()) % 7)


def _parse_hours(text: str) -> tuple[Time, Time]:
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start, end = Time.fromisoformat(start_text), Time.fromisoformat(end_text)
    except ValueError:
        raise ValueError(f"{text!r} is not an hour range: write it like 08:00-20:00 (may wrap midnight)") from None
    if start == end:
        raise ValueError(f"{text!r} is empty: start and end must differ")
    return start, end


class FollowTheSunSegment(_Strict):
    """Members who cover the surface during ``hours`` of their own zone (a range may wrap midnight)."""

    name: Identifier
    timezone: TimeZoneName
    hours: str
    members: list[str]

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: str) -> str:
        _parse_hours(value)
        return value

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def hour_range(self) -> tuple[Time, Time]:
        return _parse_hours(self.hours)

    def covers(self, local: Time) -> bool:
        start, end = self.hour_range
        if start < end:
            return start <= local < end
        return local >= start or local < end




class BudgetPolicy(_Strict):
    """The error-budget policy a deploy gate enforces: freeze changes when the budget is gone or low.

    ``freeze_below``: the share of the period's error budget under which changes stop (``0%``: only
    when it is exhausted). ``allow``: change kinds that still ship when frozen (reliability fixes).
    """

    freeze_below: str = "0%"
    allow: list[str] = ["reliability"]

    @field_validator("freeze_below")
    @classmethod
    def _percent(cls, value: str) -> str:
        parse_percent(value)
        return value

    @property
    def threshold(self) -> float:
        return parse_percent(self.freeze_below)


class WatchSignal(_Strict):
    """A custom signal the handoff shows: a PromQL expression, a threshold, a label and a dashboard.

    For failures that never page - prediction drift, stale features, pipeline lag - so the next
    primary sees them. Give exactly one of ``above`` or ``below``: the signal is crossed when the
    expression's value is above (or below) it.
    """

    label: str
    expr: str
    above: float | None = None
    below: float | None = None
    dashboard: str | None = None

    @model_validator(mode="after")
    def _one_threshold(self) -> "WatchSignal":
        if (self.above is None) == (self.below is None):
            raise ValueError(f"watch signal {self.label!r}: give exactly one of above: or below:")
        return self

    def crossed(self, value: float) -> bool:
        return value > self.above if self.above is not None else value < self.below  # type: ignore[operator]

    @property
    def threshold_text(self) -> str:
        return f"> {self.above:g}" if self.above is not None else f"< {self.below:g}"


class Surface(_Strict):
    """A service surface one team answers for: what it covers, who is on call, how fast to ack."""

    name: Identifier
    description: str | None = None
    services: list[str] = []
    matchers: list[MatcherText] = []
    rotation: Rotation
    follow_the_sun: list[FollowTheSunSegment] = []
    lead: str | None = None
    lead_rotation: Rotation | None = None
    backup_from: str | None = Field(
        default=None, description="Another surface whose primary backs this one up (platform on-call as backup)."
    )
    lead_from: str | None = Field(default=None, description="Another surface whose primary is this one's lead.")
    smes: dict[str, list[str]] = {}
    ack_timeouts: dict[str, DurationText] = {}
    budget_policy: BudgetPolicy | None = None
    watch: list[WatchSignal] = []
    routing_key: str | None = None
    routing_key_env: str | None = Field(
        default=None, description="Environment variable holding the routing key, so no key is committed."
    )

    @model_validator(mode="after")
    def _one_lead_kind(self) -> "Surface":
        if sum(x is not None for x in (self.lead, self.lead_rotation, self.lead_from)) > 1:
            raise ValueError("give one of lead, lead_rotation or lead_from, not several")
        return self

    @property
    def parsed_matchers(self) -> list[Matcher]:
        return [parse_matcher(m) for m in self.matchers]

    def members(self) -> list[str]:
        """Everyone who can be primary or backup here, rotation first, without repeats."""
        seen: dict[str, None] = dict.fromkeys(self.rotation.members)
        for segment in self.follow_the_sun:
            seen.update(dict.fromkeys(segment.members))
        return list(seen)


class Override(_Strict):
    """A swap: ``person`` takes ``replaces``'s place on ``surface`` from ``start`` until ``end``."""

    surface: str
    person: str
    replaces: str
    start: AwareDatetime
    end: AwareDatetime
    reason: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Override":
        if self.end <= self.start:
            raise ValueError(f"end {self.end.isoformat()} is not after start {self.start.isoformat()}")
        if self.person == self.replaces:
            raise ValueError(f"{self.person!r} cannot replace themselves")
        return self

    def active(self, at: datetime) -> bool:
        return self.start <= at < self.end


class Roster(_Strict):
    people: list[Person]
    surfaces: list[Surface]
    overrides: list[Override] = []
    drills: list[DrillRecord] = []
    training_policy: TrainingPolicy = TrainingPolicy()
    fairness: FairnessPolicy = FairnessPolicy()

    @field_validator("people")
    @classmethod
    def _unique_people(cls, people: list[Person]) -> list[Person]:
        _no_duplicates([p.id for p in people], "person id")
        return people

    @field_validator("surfaces")
    @classmethod
    def _unique_surfaces(cls, surfaces: list[Surface]) -> list[Surface]:
        _no_duplicates([s.name for s in surfaces], "surface name")
        return surfaces

    def person(self, person_id: str) -> Person | None:
        return next((p for p in self.people if p.id == person_id), None)

    def surface(self, name: str) -> Surface | None:
        return next((s for s in self.surfaces if s.name == name), None)


# --- runbooks ------------------------------------------------------------------------------------
# The runbook catalog models live in burnwise.roster.runbooks (steps now carry runnable actions);
# re-exported here so existing imports keep working.
from burnwise.roster.runbooks import (  # noqa: E402,F401
    Action,
    AutoRun,
    CatalogSettings,
    Runbook,
    RunbookCatalog,
    RunbookMatch,
    Step,
)


def _no_duplicates(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}: each must be unique")
        seen.add(value)
