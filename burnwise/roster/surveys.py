"""On-call experience surveys: one short record per person per month, kept in a reviewed YAML file.

Why a file next to the roster and not a database table: the survey is an input to the monthly
rotation review (`burnwise rotation health`), read by the same people who review the roster, and
it must survive without the receiver running. One record per (person, month): recording again
for the same month replaces the earlier answer, so a correction is not counted twice.

Fields: ``satisfaction`` 1 (burning out) to 5 (sustainable), ``load`` 1 (too light) to 5 (too
heavy), and an optional ``review`` - the person's own notes from their on-call experience review.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from burnwise.errors import BurnwiseError
from burnwise.roster.findings import format_path
from burnwise.roster.yaml_source import read_yaml


class SurveyRecord(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    person: str
    surface: str
    month: str = Field(description="YYYY-MM")
    satisfaction: int = Field(ge=1, le=5)
    load: int = Field(ge=1, le=5)
    review: str | None = None

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        try:
            date.fromisoformat(f"{value}-01")
        except ValueError:
            raise ValueError(f"{value!r} is not a month: write it like 2026-11") from None
        if len(value) != 7:
            raise ValueError(f"{value!r} is not a month: write it like 2026-11")
        return value


class SurveyFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    surveys: list[SurveyRecord] = []


def load_surveys(path: Path) -> list[SurveyRecord]:
    """Every record in ``path``; [] when the file does not exist yet."""
    if not Path(path).exists():
        return []
    data = read_yaml(Path(path)) or {}
    try:
        return SurveyFile.model_validate(data).surveys
    except ValidationError as exc:
        first = exc.errors()[0]
        raise BurnwiseError(f"{path}: {format_path(tuple(first['loc']))}: {first['msg']}") from None


def record_survey(path: Path, record: SurveyRecord) -> list[SurveyRecord]:
    """Add ``record`` (replacing the same person's answer for that month and surface), write, return all."""
    kept = [r for r in load_surveys(path) if (r.person, r.month, r.surface) != (record.person, record.month, record.surface)]
    records = sorted([*kept, record], key=lambda r: (r.month, r.surface, r.person))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    document = {"surveys": [r.model_dump(exclude_none=True) for r in records]}
    Path(path).write_text("# On-call experience surveys: written by `burnwise rotation survey`.\n"
                          + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return records
