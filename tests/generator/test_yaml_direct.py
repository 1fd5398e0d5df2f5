"""The direct YAML writer writes PyYAML's pure-emitter bytes, or declines: never other bytes.

It must also *not* decline the documents burnwise generates (else generation is slow again):
every committed file and every file of the benchmark's kinds of SLOs is written directly.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.generation import split_generated
from bench.spec_corpus import write_corpus
from burnwise.generator import yaml_direct
from burnwise.generator.loader import load_specs
from burnwise.generator.pipeline import render_outputs
from burnwise.generator.yaml_out import RULES_STYLE, TEST_FILE_STYLE, _promtool_float_text

REPO = Path(__file__).resolve().parents[2]


def direct(style, data):
    if style is RULES_STYLE:
        return yaml_direct.write(data, literal_multiline=True)
    return yaml_direct.write(data, literal_multiline=False, float_text=_promtool_float_text)


def _outputs(tmp_path) -> dict[str, str]:
    write_corpus(tmp_path / "corpus", files=1, slos_per_file=10)
    return render_outputs(load_specs([REPO / "slo_specs", tmp_path / "corpus"]))


def test_every_generated_file_is_written_directly_with_the_pure_bytes(tmp_path, monkeypatch):
    monkeypatch.chdir(REPO)
    outputs = _outputs(tmp_path)
    assert len(outputs) > 10
    for path, text in outputs.items():
        if not path.endswith(".yaml"):
            continue
        style = TEST_FILE_STYLE if path.startswith("tests/") else RULES_STYLE
        _header, body = split_generated(text)
        data = yaml.safe_load(body)
        assert style.dump(data, "pure") == body, path
        assert direct(style, data) == body, path


_ascii = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30)
_tricky = st.lists(st.sampled_from(list(" :#-?\"'{}[],&*!|>%@`ab0.~\n") + ["true", "null", "1e3", "0x1", "---", "..."]), max_size=8).map("".join)
_scalar = st.one_of(_ascii, _tricky, st.integers(), st.floats(allow_nan=False, allow_infinity=False), st.booleans(), st.none())
_docs = st.recursive(
    _scalar,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(st.one_of(_ascii, _tricky), children, max_size=4)),
    max_leaves=30,
).map(lambda doc: {"groups": [{"name": "g", "rules": [doc]}], "x": doc if isinstance(doc, str) else 1})


@settings(max_examples=800, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_docs)
def test_direct_writes_the_pure_bytes_or_declines(doc):
    for style in (RULES_STYLE, TEST_FILE_STYLE):
        text = direct(style, doc)
        if text is not None:
            assert text == style.dump(doc, "pure")


@pytest.mark.parametrize(
    "doc",
    [
        {"a": "é"},  # not ASCII
        {"a": [[1]]},  # a sequence in a sequence
        {"a": "x\n"},  # a trailing break: `|` chomping
        {"a": " x\ny"},  # a leading space: an indentation indicator
        {"k" * 101: 1},  # a long key
    ],
)
def test_direct_declines_what_it_does_not_know(doc):
    assert yaml_direct.write(doc, literal_multiline=True) is None
    assert RULES_STYLE.dump(doc) == RULES_STYLE.dump(doc, "pure")


def test_a_container_seen_twice_is_left_to_pyyaml_which_writes_an_anchor():
    shared = {"a": 1}
    doc = {"x": shared, "y": shared}
    assert yaml_direct.write(doc, literal_multiline=True) is None
    assert "&id001" in RULES_STYLE.dump(doc)
