"""Error scenarios: traffic and error ratio as piecewise functions of time, validated like specs.

Why a model: generated unit tests, the backtest and regression cases all speak of incidents as
"100% errors from minute 120", "a 7.2x burn", "a 10-minute blip". A :class:`Scenario` says that
once, as constant pieces or linear ramps (``to_*``), with error ratios written absolutely
(``ratio: 0.01``) or relative to the SLO's budget (``burn: 14.4``), so one scenario works for a
99.9% and a 99% SLO alike. Users write their own in YAML (:func:`load_scenarios`); the rest of
the chain (:mod:`~burnwise.generator.proof.timeline` for per-minute counts,
:mod:`~burnwise.generator.proof.series` for the input series the SLI reads) turns it into
promtool input. Every number is a :class:`~decimal.Decimal`, so files are byte-identical.
"""

from __future__ import annotations


from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import yaml
from burnwise.durations import DurationError, parse_duration
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from burnwise.errors import BurnwiseError


class ScenarioError(BurnwiseError):
    """A scenario (or the SLI it is applied to) cannot be turned into series."""


# --------------------------------------------------------------------------------------------
# Scenarios: piecewise functions of time
# --------------------------------------------------------------------------------------------


def _duration(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and value == 0:
        return 0
    if isinstance(value, str) and value.strip() in ("0", "0s"):
        return 0
    try:
        return parse_duration(value)  # type: ignore[arg-type]
    except DurationError as exc:
        raise ValueError(str(exc)) from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TrafficPiece(_Strict):
    """Events per second from ``from`` until the next piece; ``to`` ramps linearly towards it."""

    start: int = Field(alias="from")
    value: Decimal = Field(ge=0)
    to: Decimal | None = Field(default=None, ge=0)

    _start = field_validator("start", mode="before")(_duration)


class ErrorPiece(_Strict):
    """Error ratio from ``from`` until the next piece: ``ratio`` (0..1) or ``burn`` (x budget)."""

    start: int = Field(alias="from")
    ratio: Decimal | None = Field(default=None, ge=0, le=1)
    burn: Decimal | None = Field(default=None, ge=0)
    to_ratio: Decimal | None = Field(default=None, ge=0, le=1)
    to_burn: Decimal | None = Field(default=None, ge=0)

    _start = field_validator("start", mode="before")(_duration)

    @model_validator(mode="after")
    def _one_unit(self) -> ErrorPiece:
        if (self.ratio is None) == (self.burn is None):
            raise ValueError("give exactly one of `ratio` (0..1) or `burn` (multiple of the error budget)")
        if self.ratio is not None and self.to_burn is not None or self.burn is not None and self.to_ratio is not None:
            raise ValueError("a ramp keeps its unit: `ratio` with `to_ratio`, `burn` with `to_burn`")
        return self

    def start_ratio(self, budget: Decimal) -> Decimal:
        return self.ratio if self.ratio is not None else self.burn * budget  # type: ignore[operator]

    def end_ratio(self, budget: Decimal) -> Decimal | None:
        if self.to_ratio is not None:
            return self.to_ratio
        if self.to_burn is not None:
            return self.to_burn * budget
        return None


def _pieces(value: Any, key: str) -> Any:
    """A bare number is one constant piece from the start."""
    if isinstance(value, (int, float, str, Decimal)) and not isinstance(value, bool):
        return [{"from": 0, key: value}]
    return value


class Scenario(_Strict):
    """A named error scenario. Time 0 is the end of the healthy lead-in."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    description: str = ""
    duration: int
    #: Events per second; None means "the SLO's default traffic" (enough for `min_events`).
    traffic: list[TrafficPiece] | None = None
    error_ratio: list[ErrorPiece] = Field(min_length=1)
    #: When set, the error pieces repeat with this period (flapping).
    cycle: int | None = None
    #: When the errors stop: reset times are measured from here.
    recovery_at: int | None = None
    #: Events per second during the healthy history before time 0 (default: the SLO's traffic).
    history_traffic: Decimal | None = Field(default=None, ge=0)
    #: Which side of each tier's threshold the scenario sits on (tier name -> fires|silent), for
    #: scenarios built to probe a threshold; they sit clearly on that side (:data:`PROBE_MARGIN`).
    expect: dict[str, Literal["fires", "silent"]] = Field(default_factory=dict)

    _durations = field_validator("duration", "cycle", "recovery_at", mode="before")(
        lambda value: None if value is None else _duration(value)
    )

    @field_validator("traffic", mode="before")
    @classmethod
    def _traffic(cls, value: Any) -> Any:
        return None if value is None else _pieces(value, "value")

    @field_validator("error_ratio", mode="before")
    @classmethod
    def _errors(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [{"from": 0, **value}]
        return _pieces(value, "ratio")

    @model_validator(mode="after")
    def _ordered(self) -> Scenario:
        for pieces, label in ((self.traffic or [], "traffic"), (self.error_ratio, "error_ratio")):
            starts = [piece.start for piece in pieces]
            if starts != sorted(set(starts)):
                raise ValueError(f"{label} pieces must have increasing `from` times")
            if starts and starts[0] != 0:
                raise ValueError(f"the first {label} piece must start `from: 0s`")
        return self

    def steady_ratio(self, budget: Decimal) -> Decimal | None:
        """The error ratio while the incident lasts, when it is constant (for Workbook times)."""
        first = self.error_ratio[0]
        if self.cycle or first.end_ratio(budget) is not None:
            return None
        if len(self.error_ratio) > 1 and self.recovery_at != self.error_ratio[1].start:
            return None
        return first.start_ratio(budget)


#: A probing burn sits this much above the factor it must exceed (10%): never on a threshold,
#: where `>` against exact decimals and Sloth's float compare differ and a tier fires or not by luck.
PROBE_MARGIN = Decimal("1.1")
#: Closer than this (relative) to a tier's factor counts as sitting on the threshold.
TIE_TOLERANCE = Decimal("0.05")


def effective_burn(burn: Decimal, budget: Decimal) -> Decimal:
    """The burn a scenario really causes: an error ratio cannot exceed 1."""
    return min(burn * budget, Decimal(1)) / budget


def ties(burn: Decimal, factor: Decimal) -> bool:
    """Whether ``burn`` sits on ``factor``'s threshold (within :data:`TIE_TOLERANCE`)."""
    return abs(burn - factor) < factor * TIE_TOLERANCE


def probe_burns(factors: dict[str, list[Decimal]], budget: Decimal) -> list[tuple[Decimal, dict[str, str]]]:
    """Burns that probe every threshold from clearly above, plus one clearly below all of them,
    each with the side of every tier it sits on (``factors``: tier name -> its conditions' factors).
    A probe that would land on another tier's threshold, or that the error ratio's cap of 1 pulls
    onto one, is dropped."""
    all_factors = sorted({f for values in factors.values() for f in values}, reverse=True)
    if not all_factors:
        return []
    candidates = [f * PROBE_MARGIN for f in all_factors] + [min(all_factors) / 2]
    probes: list[tuple[Decimal, dict[str, str]]] = []
    for burn in candidates:
        real = effective_burn(burn, budget)
        if any(ties(real, f) for f in all_factors) or any(effective_burn(b, budget) == real for b, _ in probes):
            continue
        expect = {tier: ("fires" if any(real > f for f in values) else "silent") for tier, values in factors.items()}
        probes.append((burn.normalize(), expect))
    return probes


def _piece_value(pieces: list, at: int, end: int, start_of, end_of) -> Decimal:
    index = max(i for i, piece in enumerate(pieces) if piece.start <= at)
    piece = pieces[index]
    start, target = start_of(piece), end_of(piece)
    if target is None:
        return start
    stop = pieces[index + 1].start if index + 1 < len(pieces) else end
    span = max(stop - piece.start, 1)
    return start + (target - start) * Decimal(at - piece.start) / Decimal(span)


def error_ratio_at(scenario: Scenario, seconds: int, budget: Decimal) -> Decimal:
    at = seconds % scenario.cycle if scenario.cycle else seconds
    end = scenario.cycle or scenario.duration
    value = _piece_value(scenario.error_ratio, at, end, lambda p: p.start_ratio(budget), lambda p: p.end_ratio(budget))
    return min(max(value, Decimal(0)), Decimal(1))


def traffic_at(scenario: Scenario, seconds: int, default: Decimal) -> Decimal:
    if not scenario.traffic:
        return default
    return _piece_value(scenario.traffic, seconds, scenario.duration, lambda p: p.value, lambda p: p.to)


def load_scenarios(path: Path) -> list[Scenario]:
    """Scenarios from a YAML file: a list, or a mapping with a `scenarios` list."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read scenario file: {exc}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError(f"{path}: invalid YAML: {exc}") from None
    items = data.get("scenarios") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise ScenarioError(f"{path}: expected a list of scenarios (or `scenarios:` with a list)")
    scenarios = []
    for index, item in enumerate(items):
        try:
            scenarios.append(Scenario.model_validate(item))
        except ValidationError as exc:
            name = item.get("name") if isinstance(item, dict) else None
            where = f"scenarios[{index}]" + (f" ({name})" if name else "")
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'scenario'}: "
                f"{error['msg'].removeprefix('Value error, ')}"
                for error in exc.errors(include_url=False)
            )
            raise ScenarioError(f"{path}: {where}: {problems}") from None
    return scenarios


def scenario(name: str, description: str, duration: int, errors: list[dict], **extra: Any) -> Scenario:
    """Build a scenario in code with the same validation as YAML ones."""
    return Scenario.model_validate({"name": name, "description": description, "duration": duration, "error_ratio": errors, **extra})
