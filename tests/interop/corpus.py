"""Where the shared Sloth corpus lives (beside the clone), and burnwise rules rendered from its specs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from burnwise.generator.loader import to_native, validate_document
from burnwise.generator.render import render_rule_file
from burnwise.generator.rules import rule_groups
from burnwise.generator.spec import ServiceSpec

from tests.conftest import IN_CI

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = REPO_ROOT.parent / "shared" / "conformance" / "sloth"
EXAMPLES = CORPUS / "examples"


def corpus_dir() -> Path:
    """The examples folder, or fail (CI) / skip (by hand) when the shared corpus is not beside the repo."""
    if not EXAMPLES.is_dir():
        reason = f"Sloth corpus not found at {EXAMPLES} (expected ../shared/conformance/sloth beside the repo)"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    return EXAMPLES


def example_names() -> list[str]:
    if not EXAMPLES.is_dir():
        return ["getting-started.yml"]  # the test then skips/fails in corpus_dir() with the reason
    return sorted(p.name for p in EXAMPLES.glob("*.yml"))


def load_example(path: Path) -> list[ServiceSpec]:
    """burnwise specs from a Sloth or OpenSLO example, through the same importers `generate` uses."""
    specs = []
    for raw in yaml.safe_load_all(path.read_text(encoding="utf-8")):
        if raw is None:
            continue
        _origin, documents = to_native(raw, path.name)
        specs.extend(validate_document(doc, path.name) for doc in documents)
    return specs


def render_example(specs: list[ServiceSpec], source: str) -> str:
    groups = [group for spec in specs for group in rule_groups(spec)]
    return render_rule_file(groups, source)
