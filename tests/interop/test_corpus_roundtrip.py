"""Every file of the interop corpus round-trips through `convert` into a burnwise spec that loads into
the same specs as the original, validates, and generates rules `promtool check rules` accepts.

The corpus (tests/interop/corpus/<format>/) holds specs written for these tests in every format
burnwise reads: native YAML, Jsonnet, Sloth (file format and Kubernetes CRD), OpenSLO (stream,
list form, v1alpha) and Pyrra (incl. bare v1alpha1), with grouped and multi-document files.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from burnwise.generator.convert import convert_file
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import rule_files
from burnwise.generator.promql_check import promql_problems
from burnwise.generator.promtool.runner import Promtool
from burnwise.generator.spec import SLO

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(p for p in CORPUS.rglob("*") if p.suffix in (".yaml", ".yml", ".jsonnet"))
GROUPING_ON_MAIN = "group_by" in SLO.model_fields
NEEDS_GROUPING = pytest.mark.skipif(not GROUPING_ON_MAIN, reason="needs the `group_by` SLO field (helper `grouping`)")


def _param(path: Path):
    marks = [NEEDS_GROUPING] if path.name.startswith("grouped-") and path.parent.name == "pyrra" else []
    return pytest.param(path, id=path.relative_to(CORPUS).as_posix(), marks=marks)


def _converted(path: Path, tmp_path: Path) -> Path:
    fmt = path.parent.name
    out = tmp_path / f"{path.stem}.yaml"
    if fmt == "burnwise":
        out.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    else:
        out.write_text(convert_file(path, fmt), encoding="utf-8")
    return out


def test_the_corpus_covers_every_format_and_shape():
    names = {p.relative_to(CORPUS).as_posix() for p in FILES}
    assert {p.split("/")[0] for p in names} == {"burnwise", "jsonnet", "sloth", "openslo", "pyrra"}
    texts = {n: (CORPUS / n).read_text() for n in names}
    assert any("kind: PrometheusServiceLevel" in t for t in texts.values())  # Sloth CRD
    assert any(t.lstrip().startswith(("- apiVersion", "# As the OpenSLO")) for n, t in texts.items() if n.startswith("openslo"))  # list form
    assert any("apiVersion: v1alpha1" in t for t in texts.values())  # bare Pyrra
    assert sum("\n---\n" in t for t in texts.values()) >= 3  # multi-document
    assert [n for n in names if "grouped-" in n] and any("by (" in t for t in texts.values())


@pytest.mark.parametrize("path", [_param(p) for p in FILES])
def test_corpus_file_round_trips_through_convert(path, tmp_path, monkeypatch, promtool_bin):
    monkeypatch.chdir(tmp_path)
    original = load_specs([path])
    converted_path = _converted(path, tmp_path)
    converted = load_specs([converted_path])
    assert [item.spec for item in converted] == [item.spec for item in original], "convert changed what the spec means"
    promtool = Promtool.at(promtool_bin)
    assert promql_problems(converted, promtool) == []
    rendered = rule_files(converted)
    paths = []
    for name, text in rendered.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        paths.append(tmp_path / name)
    result = promtool.check_rules(paths, lint=False)
    assert result.ok, [str(p) for p in result.problems]
    assert sum(len(yaml.safe_load(t)["groups"]) for t in rendered.values()) == sum(len(i.spec.slos) for i in converted)
