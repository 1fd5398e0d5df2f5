"""YAML files -> roster and catalog models; shape errors name the file and the field path.

Loading checks shape only; cross-record checks (unknown people, training) are
:mod:`burnwise.roster.validate`'s job, so ``validate`` can report everything in one run.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ValidationError

from burnwise.errors import BurnwiseError
from burnwise.roster.findings import Finding, format_path
from burnwise.roster.model import Roster, RunbookCatalog
from burnwise.roster.yaml_source import read_yaml


class OncallFileError(BurnwiseError):
    """A roster or catalog file that does not parse; carries every problem as a finding."""

    def __init__(self, findings: list[Finding]) -> None:
        self.findings = sorted(findings)
        super().__init__("\n".join(f"{f.file}: {f.field}: {f.message}" if f.field else f"{f.file}: {f.message}"
                                   for f in self.findings))


def load_roster(path: Path) -> Roster:
    return _load(Path(path), Roster, "people:, surfaces: and optionally overrides:")


def load_catalog(path: Path) -> RunbookCatalog:
    return _load(Path(path), RunbookCatalog, "runbooks:")


def _load(path: Path, model: type[BaseModel], expected: str):
    try:
        data = read_yaml(path)
    except BurnwiseError as exc:
        raise OncallFileError([Finding(str(path), "", "refusal", str(exc).removeprefix(f"{path}: "), "file")]) from None
    if not isinstance(data, dict):
        raise OncallFileError([Finding(str(path), "", "refusal", f"expected a mapping with {expected}", "shape")])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise OncallFileError([_finding(path, error) for error in exc.errors()]) from None


def _finding(path: Path, error: dict) -> Finding:
    loc = tuple(error.get("loc", ()))
    message = error.get("msg", "invalid")
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        message = "unknown field: check the spelling (see docs/oncall.md for the fields)"
    elif kind == "missing":
        message = "required field is missing"
    elif kind == "literal_error":
        message = f"{message}, got {error.get('input')!r}"
    message = message.removeprefix("Value error, ")
    return Finding(str(path), format_path(loc), "refusal", message, "shape")
