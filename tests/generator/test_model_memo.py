"""The expected-value model runs once per kind of SLO, and that changes no byte of the output.

`burnwise.generator.proof.unit_tests` computes each SLO's expectations on a view of the SLO with its names,
labels and queries blanked (:data:`MODEL_BLIND_FIELDS`), and reuses the result for every SLO with
the same view. These tests compare against the model run on every SLO as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from burnwise.generator.proof import unit_tests
from burnwise.generator.loader import load_specs
from burnwise.generator.spec import SLO

from bench.spec_corpus import write_corpus
from tests.generator.specs import service_spec, slo, write_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh_memo(monkeypatch):
    memo: dict = {}
    monkeypatch.setattr(unit_tests, "_memo", memo)
    return memo


def test_memo_changes_no_byte_of_the_generated_tests(tmp_path, monkeypatch, fresh_memo):
    write_corpus(tmp_path / "corpus", files=2, slos_per_file=12)
    monkeypatch.chdir(ROOT)
    specs = load_specs([ROOT / "slo_specs", tmp_path / "corpus"])
    shared = unit_tests.unit_test_files(specs)
    slo_count = sum(len(item.spec.slos) for item in specs)
    assert 0 < len(fresh_memo) < slo_count - 10, "the corpus repeats its kinds of SLO: the memo must be hit"

    fresh_memo.clear()
    monkeypatch.setattr(unit_tests, "_model_view", lambda slo: slo)  # the model sees every SLO as it is
    monkeypatch.setattr(unit_tests, "_BLIND_EXCLUDE", None)  # and every SLO is its own key
    one_by_one = unit_tests.unit_test_files(specs)
    assert len(fresh_memo) == slo_count
    assert shared.keys() == one_by_one.keys()
    for path in shared:
        assert shared[path] == one_by_one[path], path


def _variant(name: str, **extra) -> dict:
    return slo(
        name=name,
        description=f"{name} of the checkout",
        labels={"tier": name},
        sli={
            "events": {
                "error_query": f'sum(rate(errors_total{{handler="{name}"}}[{{{{.window}}}}]))',
                "total_query": f'sum(rate(requests_total{{handler="{name}"}}[{{{{.window}}}}]))',
            }
        },
        alerting={"runbook_url": f"https://runbooks.example.com/{name}", "labels": {"channel": name}},
        **extra,
    )


def test_slos_differing_only_in_names_labels_and_queries_share_one_model_run(tmp_path, fresh_memo):
    spec = service_spec(slos=[_variant("alpha"), _variant("beta"), _variant("gamma", objective=99.5)])
    [loaded] = load_specs([write_spec(tmp_path, spec)])
    [text] = unit_tests.unit_test_files([loaded]).values()
    assert len(fresh_memo) == 2  # alpha and beta share one; gamma's objective is its own
    assert "memo" not in text, "the model view's placeholders leaked into the output"
    for name in ("alpha", "beta", "gamma"):
        assert f"checkout/{name}: full outage" in text
        assert f'handler="{name}"' in text


def _full_slo(sli: dict) -> SLO:
    """An SLO with every optional part the blind fields point into."""
    alert_class = {"labels": {"a": "b"}, "annotations": {"c": "d"}}
    tier = {"labels": {"t": "1"}, "annotations": {"u": "2"}}
    return SLO.model_validate(
        {
            "name": "real",
            "objective": 99.9,
            "description": "d",
            "labels": {"l": "v"},
            "sli": sli,
            "alerting": {
                "name": "RealAlert",
                "labels": {"x": "y"},
                "annotations": {"z": "w"},
                "runbook_url": "https://r",
                "no_data_for": "10m",
                "page": alert_class,
                "ticket": alert_class,
                "tiers": {"sev1": tier, "sev2": {**tier, "labels": {"t": "2"}}, "sev3": tier},
            },
        }
    )


SLIS = {
    "events": {"events": {"error_query": "e[{{.window}}]", "total_query": "t[{{.window}}]"}},
    "latency": {"latency": {"metric": "h", "selector": '{job="x"}', "threshold": 0.3}},
    "raw": {"raw": {"error_ratio_query": "r[{{.window}}]", "test_series": {"healthy": {"a": "0"}, "failing": {"a": "1"}, "failing_error_ratio": 0.5}}},
}


@pytest.mark.parametrize("kind", sorted(SLIS))
def test_every_blind_field_is_a_spec_field_and_is_blanked(kind):
    """A misspelt path would blank nothing (and split the memo); a path into another SLI kind is skipped."""
    real = _full_slo(SLIS[kind])
    view = unit_tests._model_view(real)
    for path, placeholder in unit_tests.MODEL_BLIND_FIELDS.items():
        if path[0] == "sli" and path[1] != kind:
            assert getattr(view.sli, path[1]) is None
            continue
        model, value = real, view
        for part in path[:-1]:
            assert part in type(model).model_fields, path
            model, value = getattr(model, part), getattr(value, part)
        assert path[-1] in type(model).model_fields, path
        assert getattr(value, path[-1]) == placeholder, path
    assert (view.objective, view.period, view.min_events) == (real.objective, real.period, real.min_events)
    assert view.sli.kind == kind
    # the memo key leaves out exactly what the view blanks: the real SLO and its view share a key
    assert view.model_dump_json(exclude=unit_tests._BLIND_EXCLUDE) == real.model_dump_json(exclude=unit_tests._BLIND_EXCLUDE)
    assert view.model_dump_json() != real.model_dump_json()
