"""Evaluate `.jsonnet` specs into `burnwise/v1` documents with the `jsonnet` Python package.

Jsonnet makes a fleet of similar SLOs short (see `slo_specs/lib/burnwise.libsonnet`). A file
evaluates to one document or a list of documents. Imports resolve relative to the importing file,
then in the spec file's folder and its `lib/`, then in `BURNWISE_JSONNET_PATH` (folders separated
by the OS path separator). External variables come from `BURNWISE_JSONNET_EXT_VARS`
(`name=value,name=value`), so one spec can render per environment. Jsonnet's own error text is
kept, and its file and line become the problem's location.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

from burnwise.generator.errors import SpecError, SpecProblem

LIBRARY_PATH_ENV = "BURNWISE_JSONNET_PATH"
EXT_VARS_ENV = "BURNWISE_JSONNET_EXT_VARS"
_LOCATION = re.compile(r"(?P<file>[^\s:]+\.(?:jsonnet|libsonnet|json)):(?P<line>\d+):(?P<col>\d+)")


def library_paths(path: Path, extra: list[str] | None = None) -> list[str]:
    env = [p for p in os.environ.get(LIBRARY_PATH_ENV, "").split(os.pathsep) if p]
    return [str(path.parent), str(path.parent / "lib"), *env, *(extra or [])]


def ext_vars(text: str | None = None) -> dict[str, str]:
    text = os.environ.get(EXT_VARS_ENV, "") if text is None else text
    out = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SpecError([SpecProblem(EXT_VARS_ENV, "", f"{item!r} must be name=value")])
        out[name.strip()] = value
    return out


def _problem(display: str, message: str) -> SpecProblem:
    first = message.strip().splitlines()[0] if message.strip() else "evaluation failed"
    match = _LOCATION.search(message)
    if match:
        return SpecProblem(match["file"], f"line {match['line']}, column {match['col']}", f"Jsonnet: {first}")
    return SpecProblem(display, "", f"Jsonnet: {first}")


def evaluate(path: Path, display: str, *, extra_paths: list[str] | None = None, variables: dict[str, str] | None = None) -> list[Any]:
    import _jsonnet

    search = library_paths(path, extra_paths)

    def import_callback(directory: str, name: str) -> tuple[str, bytes]:
        for base in [directory, *search]:
            candidate = Path(base) / name
            if candidate.is_file():
                return str(candidate), candidate.read_bytes()
        raise RuntimeError(f"cannot find import {name!r} (searched {', '.join([directory, *search])})")

    try:
        text = _jsonnet.evaluate_file(
            display if Path(display).exists() else str(path),
            ext_vars=ext_vars() if variables is None else variables,
            import_callback=import_callback,
        )
    except RuntimeError as exc:
        raise SpecError([_problem(display, str(exc))]) from None
    result = json.loads(text)
    documents = result if isinstance(result, list) else [result]
    for index, doc in enumerate(documents):
        if not isinstance(doc, dict):
            raise SpecError([SpecProblem(display, f"document {index}", "a Jsonnet spec must evaluate to an object or a list of objects")])
    return documents
