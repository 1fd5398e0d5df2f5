"""The JSON Schema of `burnwise/v1`, from the pydantic model, for editor completion and validation.

Generated, not hand-written, so it can never disagree with what `burnwise validate` accepts. Two
adjustments make it match the YAML people write: durations (`period`, `long`, `short`,
`no_data_for`) are validated from text such as `30d` into seconds, so the schema accepts both
forms; and numbers kept exact as Decimal (objective, factor, threshold) accept numbers or strings.
"""

from __future__ import annotations

import json
from typing import Any

from burnwise.generator.spec import ServiceSpec

SCHEMA_ID = "https://burnwise.dev/schema/burnwise-v1.json"
DURATION_FIELDS = ("period", "long", "short", "no_data_for", "budget_exhausted_for")
DURATION = {
    "anyOf": [
        {"type": "string", "pattern": r"^(\d+y)?(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?$", "examples": ["30d", "1h", "5m"]},
        {"type": "integer", "minimum": 1, "description": "seconds"},
    ]
}


def _patch_durations(node: Any) -> None:
    if isinstance(node, dict):
        properties = node.get("properties")
        if isinstance(properties, dict):
            for name in DURATION_FIELDS:
                if name in properties:
                    field = properties[name]
                    keep = {k: v for k, v in field.items() if k in ("title", "description", "default")}
                    nullable = any(option.get("type") == "null" for option in field.get("anyOf", []))
                    duration = {"anyOf": [*DURATION["anyOf"], *([{"type": "null"}] if nullable else [])]}
                    properties[name] = {**keep, **duration}
        for value in node.values():
            _patch_durations(value)
    elif isinstance(node, list):
        for value in node:
            _patch_durations(value)


def json_schema() -> dict[str, Any]:
    schema = ServiceSpec.model_json_schema()
    _patch_durations(schema)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "burnwise/v1 SLO spec",
        **{k: v for k, v in schema.items() if k != "title"},
    }


def schema_text() -> str:
    return json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
