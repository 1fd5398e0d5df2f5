"""Jsonnet specs: the shipped library and example, ext vars, library paths, errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest
from burnwise.generator.errors import SpecError
from burnwise.generator.importers.jsonnet import (
    EXT_VARS_ENV,
    LIBRARY_PATH_ENV,
    ext_vars,
)
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import rule_files

from tests.interop.corpus import REPO_ROOT


def test_storefront_example_renders_what_is_committed(monkeypatch):
    monkeypatch.chdir(REPO_ROOT)
    loaded = load_specs([Path("slo_specs/storefront.jsonnet")])
    assert [item.spec.service for item in loaded] == ["cart-api", "catalog-api"]
    for item in loaded:
        assert [s.name for s in item.spec.slos] == ["availability", "latency"]
        assert item.spec.slos[1].sli.latency.threshold == pytest.approx(0.25)
    for path, text in rule_files(loaded).items():
        assert (REPO_ROOT / "rendered_rules" / path).read_text() == text


def test_library_helpers_compose_with_overrides(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(LIBRARY_PATH_ENV, str(REPO_ROOT / "slo_specs" / "lib"))
    monkeypatch.setenv(EXT_VARS_ENV, "env=staging,objective=99.5")
    (tmp_path / "api.jsonnet").write_text(
        """
        local bw = import 'burnwise.libsonnet';
        bw.service('api-' + std.extVar('env'), owner='payments', slos=[
          bw.availability('api') + { objective: std.parseJson(std.extVar('objective')) },
          bw.withoutTier(bw.latency('api', 0.5), 'sev1'),
        ])
        """
    )
    [item] = load_specs([tmp_path / "api.jsonnet"])
    assert item.spec.service == "api-staging"
    assert str(item.spec.slos[0].objective) == "99.5"
    assert item.spec.slos[1].alerting.tiers.sev1.disable


def test_runtime_error_keeps_jsonnet_file_and_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "broken.jsonnet").write_text("{\n  version: 'burnwise/v1',\n  service: error 'no service named',\n}\n")
    with pytest.raises(SpecError) as caught:
        load_specs([tmp_path / "broken.jsonnet"])
    [problem] = caught.value.problems
    assert problem.file.endswith("broken.jsonnet")
    assert problem.where.startswith("line 3,")
    assert "no service named" in problem.message


def test_error_inside_an_imported_library_names_the_library(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "team.libsonnet").write_text("{\n  slo(name):: {\n    name: name,\n    objective: error 'no objective for ' + name,\n  },\n}\n")
    (tmp_path / "svc.jsonnet").write_text(
        "local t = import 'team.libsonnet';\n{ version: 'burnwise/v1', service: 's', slos: [t.slo('a')] }\n"
    )
    with pytest.raises(SpecError) as caught:
        load_specs([tmp_path / "svc.jsonnet"])
    [problem] = caught.value.problems
    assert problem.file.endswith("team.libsonnet") and problem.where.startswith("line 4,")
    assert "no objective for a" in problem.message


def test_syntax_error_and_missing_import(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "syntax.jsonnet").write_text("{\n  version: 'burnwise/v1'\n  service: 'x',\n}\n")
    (tmp_path / "imports.jsonnet").write_text("import 'nowhere.libsonnet'\n")
    with pytest.raises(SpecError) as caught:
        load_specs([tmp_path / "syntax.jsonnet", tmp_path / "imports.jsonnet"])
    text = str(caught.value)
    assert "syntax.jsonnet: line 3" in text
    assert "nowhere.libsonnet" in text


def test_ext_vars_must_be_name_value():
    assert ext_vars("a=1, b=x=y") == {"a": "1", "b": "x=y"}
    with pytest.raises(SpecError, match="must be name=value"):
        ext_vars("novalue")
