"""Small pure helpers of the harness: block overlap, the generation corpus, generated-file splitting."""

from __future__ import annotations

from burnwise.generator.loader import load_specs

from bench.generation import split_generated
from bench.prometheus import has_overlaps
from bench.spec_corpus import write_corpus


def test_overlap_detection_of_tsdb_blocks():
    assert not has_overlaps([(0, 10), (10, 20)])
    assert has_overlaps([(0, 10), (5, 20)])
    assert has_overlaps([(10, 20), (0, 30)])
    assert not has_overlaps([])


def test_generation_corpus_is_valid_burnwise_and_sized(tmp_path):
    paths = write_corpus(tmp_path, files=3, slos_per_file=7)
    loaded = load_specs([tmp_path])
    assert len(paths) == 3
    assert sum(len(item.spec.slos) for item in loaded) == 21
    kinds = {slo.sli.kind for item in loaded for slo in item.spec.slos}
    assert kinds == {"events", "latency"}


def test_split_generated_separates_comment_header_from_yaml():
    header, body = split_generated("# a\n# b\ngroups: []\n# not header\n")
    assert header == "# a\n# b\n"
    assert body == "groups: []\n# not header\n"
