"""The error-budget policy in a spec: ``policy: {freeze_below: 0%, allow: [reliability]}``.

Why in the spec: "when the budget is gone, stop shipping features" belongs next to the objective
it protects, reviewed with it. It sits on a service (every SLO of it) or on one SLO (which wins).
The generator only validates it; ``burnwise budget gate`` enforces it (the roster surface's
``budget_policy`` remains the fallback for specs that give none).
"""

from __future__ import annotations

from burnwise.percent import parse_percent
from pydantic import BaseModel, ConfigDict, Field, field_validator

KIND_PATTERN = r"^[a-z][a-z0-9_-]*$"




class BudgetPolicySpec(BaseModel):
    """Freeze changes when the error budget left is under ``freeze_below``; ``allow`` kinds ship anyway."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    freeze_below: str = Field(default="0%", description="Share of the period's error budget under which changes stop.")
    allow: list[str] = Field(default=["reliability"], description="Change kinds that still ship while frozen.")

    @field_validator("freeze_below", mode="before")
    @classmethod
    def _percent(cls, value: object) -> str:
        parse_percent(value)
        return str(value).strip()

    @field_validator("allow")
    @classmethod
    def _kinds(cls, kinds: list[str]) -> list[str]:
        import re

        for kind in kinds:
            if not re.match(KIND_PATTERN, kind):
                raise ValueError(f"change kind {kind!r} must be lower-case words like reliability or security-fix")
        return kinds

    @property
    def threshold(self) -> float:
        return parse_percent(self.freeze_below)
