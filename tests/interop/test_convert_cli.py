"""`burnwise convert`: Sloth/OpenSLO files become burnwise/v1 YAML that loads, with comments on changes."""

from __future__ import annotations

import yaml
from burnwise.generator.loader import load_specs

from burnwise.cli import main
from tests.interop.corpus import corpus_dir


def test_sloth_file_to_stdout_is_valid_burnwise_with_comments(capsys, tmp_path, monkeypatch):
    assert main(["convert", "--from", "sloth", str(corpus_dir() / "multifile.yml")]) == 0
    text = capsys.readouterr().out
    comments = [line for line in text.splitlines() if line.startswith("#")]
    assert any("tiers.sev1.severity and tiers.sev2.severity = 'pageteam'" in c for c in comments)
    assert any("sloth_severity" in c for c in comments)
    docs = list(yaml.safe_load_all(text))
    assert [d["service"] for d in docs] == ["myservice", "myservice2"]
    assert all(d["version"] == "burnwise/v1" for d in docs)
    # the written file loads with the same model `generate` uses
    monkeypatch.chdir(tmp_path)
    (tmp_path / "out.yaml").write_text(text)
    assert [s.spec.service for s in load_specs([tmp_path / "out.yaml"])] == ["myservice", "myservice2"]


def test_openslo_file_with_out_merges_one_service(tmp_path, capsys):
    out = tmp_path / "converted" / "k8s-apiserver.yaml"
    assert main(["convert", "--from", "openslo", str(corpus_dir() / "openslo-kubernetes-apiserver.yml"), "--out", str(out)]) == 0
    docs = list(yaml.safe_load_all(out.read_text()))
    assert len(docs) == 1 and docs[0]["service"] == "k8s-apiserver"
    assert [s["name"] for s in docs[0]["slos"]] == [
        "requests-availability-openslo",
        "requests-latency-openslo-0",
        "requests-latency-openslo-1",
    ]
    assert "no alertPolicies" in out.read_text()


def test_sloth_windows_for_a_7d_period(capsys):
    examples = corpus_dir()
    args = ["convert", "--from", "sloth", str(examples / "getting-started.yml"), "--period", "7d", "--windows", str(examples / "windows" / "7d.yaml")]
    assert main(args) == 0
    doc = yaml.safe_load(capsys.readouterr().out)
    slo = doc["slos"][0]
    assert slo["period"] == 7 * 86400
    assert slo["alerting"]["tiers"]["sev1"]["windows"] == [{"factor": 13.44, "long": "1h", "short": "5m"}]


def test_plugin_is_a_user_error_without_traceback(tmp_path, capsys):
    spec = yaml.safe_load((corpus_dir() / "getting-started.yml").read_text())
    spec["slos"][0]["sli"] = {"plugin": {"id": "sloth-common/availability"}}
    path = tmp_path / "plugin.yml"
    path.write_text(yaml.safe_dump(spec))
    assert main(["convert", "--from", "sloth", str(path)]) != 0
    err = capsys.readouterr().err
    assert "slos[0] (requests-availability).sli.plugin" in err and "Traceback" not in err


def test_wrong_format_for_the_file_names_it(capsys):
    assert main(["convert", "--from", "openslo", str(corpus_dir() / "getting-started.yml")]) != 0
    assert "is not OpenSLO" in capsys.readouterr().err
