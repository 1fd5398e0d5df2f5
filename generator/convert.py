"""`burnwise convert`: a Sloth, OpenSLO, Pyrra or Jsonnet file as `burnwise/v1` YAML, with what changed as comments.

Reading Sloth/OpenSLO directly (`burnwise generate`) is enough to run them; converting is for
teams that move to burnwise for good. The comments at the top of the output name every field
that burnwise carries differently (e.g. a Sloth page `severity` label becoming a tier severity)
so a reviewer sees the whole translation in one place. What cannot be carried at all is an error
(:class:`burnwise.generator.errors.SpecError`) naming the field, never a silent drop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from burnwise.generator.errors import SpecError, SpecProblem
from burnwise.generator.importers import openslo, pyrra, sloth
from burnwise.generator.loader import read_documents, validate_document
from burnwise.generator.render import dump_yaml

FORMATS = ("sloth", "openslo", "pyrra", "jsonnet")


def merge_services(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One document per service: OpenSLO writes one SLO per document, burnwise one service per file."""
    merged: dict[Any, dict[str, Any]] = {}
    for doc in documents:
        first = merged.get(doc.get("service"))
        if first is None:
            merged[doc.get("service")] = {**doc, "slos": list(doc.get("slos", []))}
        else:
            first["slos"].extend(doc.get("slos", []))
    return list(merged.values())


def _sloth_documents(raw: list[Any], display: str, period: int | None, windows_files: list[Path]):
    # Like Sloth's --slo-period-windows-path: the windows whose period is the SLOs' period win;
    # a file for another period is still passed on, so the notes say it was not applied.
    windows = None
    target = period or sloth.DEFAULT_PERIOD
    for path in windows_files:
        for doc in read_documents(path, str(path)):
            candidate = sloth.read_alert_windows(doc, str(path))
            if windows is None or candidate.period == target:
                windows = candidate
    documents, notes, problems = [], [], []
    for doc in raw:
        if isinstance(doc, dict) and doc.get("kind") == "AlertWindows":
            continue
        try:
            result = sloth.convert(doc, display, period=period, windows=windows)
        except SpecError as exc:  # keep going: every failing document of the file is reported
            problems.extend(exc.problems)
            continue
        documents.extend(result.documents)
        notes.extend(str(n) for n in result.notes)
    if problems:
        raise SpecError(problems)
    return documents, notes


def _openslo_documents(raw: list[Any], display: str):
    documents, notes, problems = [], [], []
    for doc in raw:
        version = doc.get("apiVersion") if isinstance(doc, dict) else None
        if version not in ("openslo/v1", "openslo/v1alpha"):
            problems.append(SpecProblem(display, "apiVersion", f"{version!r} is not OpenSLO (openslo/v1 or openslo/v1alpha)"))
            continue
        try:
            converted = openslo.to_burnwise(doc, display)
        except SpecError as exc:  # keep going: every failing SLO of the file is reported
            problems.extend(exc.problems)
            continue
        for out in converted:
            for slo in out["slos"]:
                alerting = slo.get("alerting", {})
                if alerting.get("page", {}).get("disable") and alerting.get("ticket", {}).get("disable"):
                    notes.append(f"SLO {slo['name']}: no alertPolicies, so no alerts (as in Sloth); add alerting.tiers to page")
        documents.extend(converted)
    if problems:
        raise SpecError(problems)
    return documents, notes


def _pyrra_documents(raw: list[Any], display: str):
    documents, notes, problems = [], [], []
    for doc in raw:
        try:
            result = pyrra.convert(doc, display)
        except SpecError as exc:  # keep going: every failing object of the file is reported
            problems.extend(exc.problems)
            continue
        documents.extend(result.documents)
        notes.extend(result.notes)
    if problems:
        raise SpecError(problems)
    return documents, notes


def convert_file(path: Path, source_format: str, *, period: int | None = None, windows: list[Path] | None = None) -> str:
    """The burnwise/v1 YAML text for one input file (several services become several documents)."""
    display = str(path)
    raw = read_documents(path, display)
    if source_format == "sloth":
        documents, notes = _sloth_documents(raw, display, period, windows or [])
    elif source_format == "openslo":
        documents, notes = _openslo_documents(raw, display)
    elif source_format == "pyrra":
        documents, notes = _pyrra_documents(raw, display)
    elif source_format == "jsonnet":  # evaluated once: the YAML a team keeps when it leaves Jsonnet
        documents, notes = [dict(doc) if isinstance(doc, dict) else doc for doc in raw], []
    else:
        raise SpecError([SpecProblem(display, "", f"unknown input format {source_format!r} (known: {', '.join(FORMATS)})")])
    documents = merge_services(documents)
    for doc in documents:
        validate_document(doc, display)  # the output must load as it is
    lines = [f"# Converted by burnwise from {path.name} ({source_format}). Review, then delete the source.\n"]
    for note in sorted(set(notes)):
        lines.append(f"# - {note}\n")
    body = "---\n".join(dump_yaml(_plain(doc)) for doc in documents)
    return "".join(lines) + body


NUMERIC_KEYS = ("objective", "factor", "threshold")


def _plain(value: Any) -> Any:
    """Plain YAML types; objectives and factors as numbers again (the importers keep exact text)."""
    if isinstance(value, dict):
        return {k: (yaml.safe_load(v) if k in NUMERIC_KEYS and isinstance(v, str) else _plain(v)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value
