"""Structured validation results, so the CLI, ``burnwise check`` and tests share one shape."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, order=True)
class Finding:
    """One problem: where (file and field path), how bad (refusal blocks, warning informs), what."""

    file: str
    field: str
    level: Literal["refusal", "warning"]
    message: str
    code: str = ""

    @property
    def is_refusal(self) -> bool:
        return self.level == "refusal"

    @property
    def severity(self) -> str:
        """``error`` for a refusal, ``warning`` otherwise (the vocabulary ``burnwise check`` uses)."""
        return "error" if self.is_refusal else "warning"

    def __str__(self) -> str:
        where = f"{self.file}: {self.field}" if self.field else self.file
        return f"{self.level}: {where}: {self.message}"


def format_path(loc: tuple) -> str:
    """``("surfaces", 1, "rotation", "members", 0)`` -> ``surfaces[1].rotation.members[0]``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text
