"""`burnwise schema`: the JSON Schema from the pydantic model accepts the repo's specs and refuses typos."""

from __future__ import annotations

import json

import pytest
import yaml

from burnwise.cli import main
from tests.interop.corpus import REPO_ROOT


@pytest.fixture
def schema(capsys) -> dict:
    assert main(["schema"]) == 0
    return json.loads(capsys.readouterr().out)


def test_schema_describes_burnwise_v1(schema):
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["properties"]["version"]["const"] == "burnwise/v1"
    assert set(schema["required"]) >= {"version", "service", "slos"}
    assert schema["additionalProperties"] is False
    slo = schema["$defs"]["SLO"]
    durations = [option.get("type") for option in slo["properties"]["period"]["anyOf"]]
    assert durations == ["string", "integer"]


def test_schema_output_is_deterministic(capsys):
    main(["schema"])
    first = capsys.readouterr().out
    main(["schema"])
    assert capsys.readouterr().out == first


def test_repo_specs_validate_and_a_typo_does_not(schema):
    jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is needed to apply the schema")
    validator = jsonschema.Draft202012Validator(schema)
    specs = sorted((REPO_ROOT / "slo_specs").glob("*.yaml"))
    assert specs
    for path in specs:
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text())))
        assert not errors, f"{path.name}: {[e.message for e in errors]}"
    broken = yaml.safe_load(specs[0].read_text())
    broken["slos"][0]["objectiv"] = broken["slos"][0].pop("objective")
    assert list(validator.iter_errors(broken))


def test_schema_written_to_a_file(tmp_path):
    out = tmp_path / "schema" / "burnwise-v1.json"
    assert main(["schema", "--out", str(out)]) == 0
    assert json.loads(out.read_text())["title"] == "burnwise/v1 SLO spec"
