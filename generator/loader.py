"""Find spec files and load them into :class:`~burnwise.generator.spec.ServiceSpec` models.

Native `burnwise/v1` YAML is read here. Other formats are recognised by their version/kind and
handed to an importer in :mod:`burnwise.generator.importers` (Sloth, OpenSLO, Pyrra, Jsonnet), which returns
documents in the `burnwise/v1` shape; all of them are then validated by the same model, so every
format gets the same checks and the same error messages.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from burnwise.generator.errors import SpecError, SpecProblem
from burnwise.generator.spec import (
    ALERT_NAME_PATTERN,
    NAME_PATTERN,
    SPEC_VERSION,
    ServiceSpec,
)
from pydantic import ValidationError

#: libyaml's safe loader where PyYAML has it (about 5x faster on large spec sets), the same data either way
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
SPEC_SUFFIXES = (".yaml", ".yml", ".jsonnet")
PATTERN_MESSAGES = {
    NAME_PATTERN: "must be lowercase letters, digits and dashes, starting with a letter or digit",
    ALERT_NAME_PATTERN: "must be a valid alert name (letters, digits, '_' and '-', starting with a letter or '_')",
}


@dataclass(frozen=True)
class LoadedSpec:
    """A validated spec and where it came from (for headers, error messages and drift checks)."""

    source: str  # path as the user named it, relative where possible
    spec: ServiceSpec
    origin: str = SPEC_VERSION  # input format, e.g. "burnwise/v1", "prometheus/v1", "openslo/v1"


def discover(paths: list[Path]) -> tuple[list[Path], list[SpecProblem]]:
    """Spec files named directly, or found (sorted, not recursively) in the directories named."""
    found: list[Path] = []
    missing: list[SpecProblem] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.is_file() and p.suffix in SPEC_SUFFIXES))
        elif path.exists():
            found.append(path)
        else:
            missing.append(SpecProblem(str(path), "", "no such file or directory"))
    return found, missing


def display_path(path: Path) -> str:
    """The path relative to the working directory when it is inside it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_documents(path: Path, display: str) -> list[Any]:
    """Raw documents of one file: YAML (one or more documents) or evaluated Jsonnet."""
    if path.suffix == ".jsonnet":
        from burnwise.generator.importers import jsonnet as jsonnet_importer

        return jsonnet_importer.evaluate(path, display)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError([SpecProblem(display, "", f"cannot read file: {exc}")]) from None
    try:
        return flatten_documents(yaml.load_all(text, Loader=SAFE_LOADER))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise SpecError([SpecProblem(display, where, f"invalid YAML: {problem}")]) from None


def flatten_documents(documents: Any) -> list[Any]:
    """YAML documents, with a document that is a list read as one document per item: the OpenSLO
    SDK, oslo and Nobl9's tools write a file as one YAML list of objects."""
    out: list[Any] = []
    for doc in documents:
        if isinstance(doc, list):
            out.extend(item for item in doc if item is not None)
        elif doc is not None:
            out.append(doc)
    return out


#: document format -> importer module in burnwise.generator.importers with `to_burnwise(doc, display) -> list[dict]`
IMPORTERS = {
    "prometheus/v1": "sloth",
    "sloth.slok.dev/v1": "sloth",
    "openslo/v1": "openslo",
    "openslo/v1alpha": "openslo",
    "pyrra.dev/v1alpha1": "pyrra",
    "v1alpha1": "pyrra",  # Pyrra objects as some repositories commit them, without the group
}


def document_format(doc: Any) -> str | None:
    if not isinstance(doc, dict):
        return None
    return doc.get("version") or doc.get("apiVersion")


def format_key(doc: Any) -> str:
    """The key that names a document's format, as the document spells it (for messages)."""
    return "apiVersion" if isinstance(doc, dict) and not doc.get("version") and doc.get("apiVersion") else "version"


def to_native(doc: Any, display: str, sloth_period: int | None = None) -> tuple[str, list[Any]]:
    """(origin format, burnwise/v1 documents) for one raw document; ``sloth_period`` is the SLO
    period of Sloth specs (Sloth's ``--default-slo-period``; they have no period field)."""
    fmt = document_format(doc)
    if fmt == SPEC_VERSION or fmt is None:
        return SPEC_VERSION, [doc]
    module_name = IMPORTERS.get(str(fmt))
    key = format_key(doc)
    if module_name is None:
        known = ", ".join([SPEC_VERSION, *sorted(IMPORTERS)])
        kind = f" (kind {doc.get('kind')})" if doc.get("kind") else ""
        raise SpecError([SpecProblem(display, key, f"unknown spec format: {key} {fmt!r}{kind} (known: {known})")])
    try:
        module = importlib.import_module(f"burnwise.generator.importers.{module_name}")
    except ModuleNotFoundError:
        raise SpecError([SpecProblem(display, key, f"reading {key} {fmt!r} specs is not supported by this build")]) from None
    if module_name == "sloth" and sloth_period is not None:
        return str(fmt), module.convert(doc, display, period=sloth_period).documents
    return str(fmt), module.to_burnwise(doc, display)


def format_location(loc: tuple[Any, ...], data: Any) -> str:
    """`('slos', 1, 'objective')` -> `slos[1] (latency): objective`, naming the SLO when it has a name."""
    parts: list[str] = []
    i = 0
    while i < len(loc):
        key = loc[i]
        if isinstance(key, int) and parts:
            parts[-1] = f"{parts[-1]}[{key}]"
        else:
            parts.append(str(key))
        i += 1
    if len(loc) >= 2 and loc[0] == "slos" and isinstance(loc[1], int):
        slo_name = None
        if isinstance(data, dict) and isinstance(data.get("slos"), list) and loc[1] < len(data["slos"]):
            entry = data["slos"][loc[1]]
            if isinstance(entry, dict) and isinstance(entry.get("name"), str):
                slo_name = entry["name"]
        head = f"slos[{loc[1]}]" + (f" ({slo_name})" if slo_name else "")
        # parts[0] is "slos[1]"; the field path is what follows it.
        tail = ".".join(parts[1:])
        return f"{head}: {tail}" if tail else head
    return ".".join(parts)


def problems_from_validation(exc: ValidationError, data: Any, display: str) -> list[SpecProblem]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        message = error["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")
        if error["type"] == "extra_forbidden":
            message = "unknown field (check the spelling; see `burnwise schema`)"
        elif error["type"] == "missing":
            message = "required field is missing"
        elif error["type"] == "string_pattern_mismatch":
            message = PATTERN_MESSAGES.get(str(error.get("ctx", {}).get("pattern")), message)
            message = f"{error.get('input')!r} {message}"
        # pydantic reports union/tagged members in loc; drop function-validator noise.
        loc = tuple(part for part in loc if not (isinstance(part, str) and part.startswith("function-")))
        problems.append(SpecProblem(display, format_location(loc, data), message))
    return problems


def validate_document(doc: Any, display: str) -> ServiceSpec:
    if not isinstance(doc, dict):
        raise SpecError([SpecProblem(display, "", "a spec must be a mapping with version, service and slos")])
    try:
        return ServiceSpec.model_validate(doc)
    except ValidationError as exc:
        raise SpecError(problems_from_validation(exc, doc, display)) from None


def load_specs(paths: list[Path], sloth_period: int | None = None) -> list[LoadedSpec]:
    """Load and validate every spec; raises one SpecError listing all problems in all files.
    ``sloth_period`` (seconds) is the period of imported Sloth SLOs (default 30d, as Sloth's)."""
    files, problems = discover(paths)
    loaded: list[LoadedSpec] = []
    for path in files:
        display = display_path(path)
        try:
            raws = read_documents(path, display)
        except SpecError as exc:
            problems.extend(exc.problems)
            continue
        for raw in raws:  # every document is checked: one failing SLO does not hide the next
            try:
                origin, documents = to_native(raw, display, sloth_period)
            except SpecError as exc:
                problems.extend(p for p in exc.problems if p not in problems)
                continue
            for doc in documents:
                try:
                    loaded.append(LoadedSpec(display, validate_document(doc, display), origin))
                except SpecError as exc:
                    problems.extend(exc.problems)
    first_source: dict[str, str] = {}
    for item in loaded:
        first = first_source.setdefault(item.spec.service, item.source)
        if item is not next(i for i in loaded if i.spec.service == item.spec.service):
            elsewhere = "earlier in the same file" if first == item.source else f"in {first}"
            problems.append(
                SpecProblem(item.source, "service", f"service {item.spec.service!r} is also defined {elsewhere}; one service per file")
            )
    if problems:
        raise SpecError(problems)
    return loaded
