"""Spec problems that name file, SLO and field, collected so a user sees all of them at once."""

from __future__ import annotations

from dataclasses import dataclass

from burnwise.errors import BurnwiseError


@dataclass(frozen=True, order=True)
class SpecProblem:
    file: str
    where: str  # e.g. "slos[1] (latency): objective", or "" for the whole file
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.where}: {self.message}" if self.where else f"{self.file}: {self.message}"


class SpecError(BurnwiseError):
    """One or more invalid specs; ``problems`` lists each with its location."""

    def __init__(self, problems: list[SpecProblem]) -> None:
        self.problems = sorted(problems)
        count = len(self.problems)
        header = f"{count} problem{'s' if count != 1 else ''} in SLO specs:"
        super().__init__("\n".join([header, *(f"  {p}" for p in self.problems)]))
