"""The promtool wrapper against the real promtool binary.

The fixture files in ``data/promtool/`` are small rule and unit-test files that are valid, broken
or failing on purpose; each test runs the real binary on them and asserts on the parsed result.
"""

from __future__ import annotations

import math
import shutil
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from burnwise.generator.promtool.go_text import format_labels, read_go_quoted
from burnwise.generator.promtool.runner import (
    Promtool,
    PromtoolNotFound,
    RuleCheckResult,
    RuleTestResult,
)
from burnwise.generator.promtool.output import parse_samples
from burnwise.generator.promtool.results import Alert, Sample
from burnwise.generator.promtool.rule_tests import (
    AlertRuleTest,
    ExpectedAlert,
    ExpectedSample,
    InputSeries,
    PromqlExprTest,
    RuleTestFile,
    RuleTestGroup,
    Values,
    format_duration,
    format_number,
)

from burnwise.cli import main
from burnwise.errors import BurnwiseError

DATA = Path(__file__).parent / "data" / "promtool"


@pytest.fixture
def promtool(promtool_bin: str) -> Promtool:
    return Promtool.at(promtool_bin)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A private copy of the fixture files, so paths in results are this test's own."""
    target = tmp_path / "promtool"
    shutil.copytree(DATA, target)
    return target


# -- finding the binary ---------------------------------------------------------------------


def test_find_uses_burnwise_promtool_and_reports_version(promtool_bin: str) -> None:
    found = Promtool.find(env={"BURNWISE_PROMTOOL": promtool_bin, "PATH": ""})
    assert found.path == promtool_bin
    major, minor, patch = found.version_info
    assert found.version == f"{major}.{minor}.{patch}"
    assert major >= 2
    assert found.version in found.version_text


def test_find_searches_path(promtool_bin: str, tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "promtool").symlink_to(promtool_bin)
    found = Promtool.find(env={"PATH": str(bin_dir)})
    assert found.path == str(bin_dir / "promtool")


def test_nonexistent_burnwise_promtool_gives_install_hint(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "promtool"
    with pytest.raises(PromtoolNotFound) as caught:
        Promtool.find(env={"BURNWISE_PROMTOOL": str(missing), "PATH": ""})
    message = str(caught.value)
    assert isinstance(caught.value, BurnwiseError)
    assert str(missing) in message
    assert "apt-get install -y prometheus" in message


def test_no_promtool_on_path_gives_install_hint(tmp_path: Path) -> None:
    with pytest.raises(PromtoolNotFound, match=r"apt-get install -y prometheus"):
        Promtool.find(env={"PATH": str(tmp_path)})


def test_a_binary_that_is_not_promtool_is_refused() -> None:
    # python answers --version, but not as promtool does
    with pytest.raises(PromtoolNotFound, match="does not look like promtool"):
        Promtool.find(env={"BURNWISE_PROMTOOL": sys.executable})


def test_cli_prints_install_hint_without_traceback(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BURNWISE_PROMTOOL", str(tmp_path / "missing-promtool"))
    assert main(["promtool", "version"]) == 1
    err = capsys.readouterr().err
    assert "apt-get install -y prometheus" in err
    assert "Traceback" not in err


def test_lint_flag_follows_what_the_binary_supports(promtool: Promtool, data_dir: Path) -> None:
    command = promtool.check_rules([data_dir / "valid.rules.yaml"]).command
    assert ("--lint=all" in command) is promtool.supports_lint
    if promtool.version_info >= (2, 42, 0):  # the version burnwise is developed against has it
        assert promtool.supports_lint


# -- check rules -----------------------------------------------------------------------------


def test_valid_rules_pass(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.check_rules([data_dir / "valid.rules.yaml"])
    assert isinstance(result, RuleCheckResult)
    assert result.ok, result.format()
    assert result.exit_code == 0
    assert result.problems == []
    assert "SUCCESS" in result.raw_output


def test_broken_rules_name_file_group_and_rule(promtool: Promtool, data_dir: Path) -> None:
    path = str(data_dir / "broken.rules.yaml")
    result = promtool.check_rules([path])
    assert not result.ok
    assert result.exit_code == 1
    by_rule = {problem.rule: problem for problem in result.errors}
    assert set(by_rule) == {"slo:sli_error:ratio_rate5m", "CheckoutDown", "CheckoutBadTemplate"}

    recording = by_rule["slo:sli_error:ratio_rate5m"]
    assert (recording.file, recording.group, recording.rule_index) == (path, "checkout-slo", 2)
    assert "parse error" in recording.message
    assert recording.line == 12

    alerting = by_rule["CheckoutDown"]
    assert (alerting.group, alerting.rule_index, alerting.line) == ("checkout-slo", 3, 14)

    # promtool gives no line for template errors: burnwise finds the rule in the YAML
    template = by_rule["CheckoutBadTemplate"]
    assert template.line == 15
    assert "template" in template.message
    text = result.format()
    assert 'group "checkout-slo", rule 2 "slo:sli_error:ratio_rate5m"' in text
    assert "FAILED" in text


def test_rule_without_name_is_located_by_index(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.check_rules([data_dir / "unnamed_rule.rules.yaml"])
    [problem] = result.errors
    assert (problem.group, problem.rule_index, problem.rule, problem.line) == ("g", 2, None, 6)
    assert "record" in problem.message and "alert" in problem.message


def test_unknown_field_is_placed_in_its_rule(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.check_rules([data_dir / "unknown_field.rules.yaml"])
    [problem] = result.errors
    assert (problem.group, problem.rule, problem.rule_index, problem.line) == ("typo", "Down", 2, 8)
    assert "labesl" in problem.message


def test_yaml_syntax_error_is_reported_once_with_its_line(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.check_rules([data_dir / "yaml_syntax.rules.yaml"])
    assert not result.ok
    [problem] = result.problems  # promtool 2.42 prints it twice
    assert problem.line == 3
    assert problem.message.startswith("yaml:")
    assert result.raw_output.count(problem.message) >= 1


def test_duplicate_rule_is_a_lint_warning(promtool: Promtool, data_dir: Path) -> None:
    path = data_dir / "duplicate.rules.yaml"
    result = promtool.check_rules([path])
    assert result.ok, "lint findings are warnings unless made fatal"
    assert result.exit_code == 0
    [warning] = result.warnings
    assert warning.severity == "warning"
    assert (warning.rule, warning.group, warning.rule_index) == ("slo:requests:rate5m", "second", 1)
    assert 'group "first" rule 1' in warning.message
    assert 'slo="availability"' in warning.message


def test_lint_fatal_fails_with_exit_code_3(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.check_rules([data_dir / "duplicate.rules.yaml"], lint_fatal=True)
    assert not result.ok
    assert result.exit_code == 3
    assert len(result.warnings) == 1


def test_lint_off_finds_nothing(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.check_rules([data_dir / "duplicate.rules.yaml"], lint=False)
    assert result.ok
    assert result.problems == []
    assert "--lint=none" in result.command


def test_many_files_keep_each_problem_with_its_file(promtool: Promtool, data_dir: Path) -> None:
    files = [str(data_dir / name) for name in ("valid.rules.yaml", "broken.rules.yaml", "duplicate.rules.yaml")]
    missing = str(data_dir / "missing.rules.yaml")
    result = promtool.check_rules([*files, missing])
    assert not result.ok
    assert {problem.file for problem in result.problems} == {files[1], files[2], missing}
    [missing_problem] = [p for p in result.problems if p.file == missing]
    assert "does not exist" in missing_problem.message
    # the existing files were still checked
    assert {p.file for p in result.errors if p.file != missing} == {files[1]}


# -- test rules ------------------------------------------------------------------------------


def test_passing_unit_test_is_ok(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.test_rules([data_dir / "passing.test.yaml"])
    assert isinstance(result, RuleTestResult)
    assert result.ok, result.format()
    assert result.exit_code == 0
    assert result.failures == []


def test_failing_unit_test_yields_expected_and_got(promtool: Promtool, data_dir: Path) -> None:
    path = str(data_dir / "failing.test.yaml")
    result = promtool.test_rules([path])
    assert not result.ok
    assert result.exit_code == 1
    kinds = [failure.kind for failure in result.failures]
    assert kinds == ["alert", "expr", "expr_error"]
    alert, expr, expr_error = result.failures

    assert (alert.file, alert.test_index, alert.test_name) == (path, 2, "two instances down")
    assert (alert.alertname, alert.eval_time) == ("InstanceDown", "10m")
    labels = {"alertname": "InstanceDown", "job": "api", "severity": "page"}
    a_down = Alert(labels={**labels, "instance": "a"}, annotations={"summary": "a is down"})
    b_down = Alert(labels={**labels, "instance": "b"}, annotations={"summary": "b is down"})
    assert alert.expected == [a_down]
    assert alert.got == [a_down, b_down]
    assert alert.unexpected == [b_down] and alert.missing == []

    # promtool does not name the group of an expr failure: burnwise finds it in the test file
    assert (expr.test_index, expr.test_name) == (2, "two instances down")
    assert (expr.expr, expr.eval_time) == ("job:up:sum", "5m")
    assert expr.expected == [Sample(labels={"__name__": "job:up:sum", "job": "api"}, value=2)]
    assert expr.got == [Sample(labels={"__name__": "job:up:sum", "job": "api"}, value=0)]

    assert (expr_error.test_index, expr_error.test_name) == (3, None)
    assert expr_error.expr == "sum(rate(up[5m)"
    assert "parse error" in expr_error.message

    text = result.format()
    assert 'test 2 "two instances down": alert InstanceDown at 10m' in text
    assert 'instance="b"' in text


def test_missing_rule_file_fails_although_promtool_only_warns(promtool: Promtool, data_dir: Path) -> None:
    result = promtool.test_rules([data_dir / "missing_rule_file.test.yaml"])
    assert result.exit_code == 0  # promtool's own verdict
    assert not result.ok
    [failure] = result.failures
    assert failure.kind == "missing_rule_file"
    assert "does-not-exist.rules.yaml" in failure.message


def test_unit_test_of_broken_rule_file_reports_the_rule(promtool: Promtool, data_dir: Path) -> None:
    test_file = data_dir / "broken_rules.test.yaml"
    test_file.write_text(
        "rule_files: [broken.rules.yaml]\ntests:\n  - interval: 1m\n    input_series: []\n"
    )
    result = promtool.test_rules([test_file])
    assert not result.ok
    assert result.exit_code == 1
    assert any("CheckoutDown" in f.message and f.kind == "error" for f in result.failures)


def test_missing_test_file_is_a_failure(promtool: Promtool, data_dir: Path) -> None:
    missing = data_dir / "nope.test.yaml"
    result = promtool.test_rules([data_dir / "passing.test.yaml", missing])
    assert not result.ok
    [failure] = result.failures
    assert failure.file == str(missing)


def test_no_files_is_not_a_silent_success(promtool: Promtool) -> None:
    checked = promtool.check_rules([])
    tested = promtool.test_rules([])
    assert not checked.ok and "no rule files" in checked.problems[0].message
    assert not tested.ok and "no test files" in tested.failures[0].message


def _promtool_pids_running(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if marker in cmdline:
                pids.append(int(entry.name))
    return pids


def test_timeout_kills_promtool_and_says_so(promtool: Promtool, data_dir: Path) -> None:
    slow = data_dir / "slow.test.yaml"
    started = time.monotonic()
    result = promtool.test_rules([slow], timeout=1)
    waited = time.monotonic() - started
    assert result.timed_out
    assert not result.ok
    assert result.exit_code is None
    assert result.failures[-1].kind == "timeout"
    assert result.failures[-1].file == str(slow)  # the file promtool was working on
    assert "did not finish within 1s" in result.failures[-1].message
    assert "timed out" in result.format()
    assert waited < 20, "the slow test runs for far longer; the wrapper must not wait for it"
    assert _promtool_pids_running(str(slow)) == []


# -- the CLI ---------------------------------------------------------------------------------


def test_cli_check_prints_problems_and_fails(promtool_bin, data_dir, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    assert main(["promtool", "check", str(data_dir / "broken.rules.yaml")]) == 1
    out = capsys.readouterr().out
    assert '"CheckoutDown"' in out and 'group "checkout-slo"' in out
    assert main(["promtool", "check", "--lint-fatal", str(data_dir / "duplicate.rules.yaml")]) == 3
    assert main(["promtool", "check", str(data_dir / "valid.rules.yaml")]) == 0


def test_cli_test_json_is_parsed_result(promtool_bin, data_dir, monkeypatch, capsys) -> None:
    import json

    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    assert main(["promtool", "test", "--json", str(data_dir / "failing.test.yaml")]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False
    assert [f["kind"] for f in data["failures"]] == ["alert", "expr", "expr_error"]
    assert main(["promtool", "test", str(data_dir / "passing.test.yaml")]) == 0
    assert "ok" in capsys.readouterr().out


def test_cli_version(promtool_bin, monkeypatch, capsys) -> None:
    monkeypatch.setenv("BURNWISE_PROMTOOL", promtool_bin)
    assert main(["promtool", "version"]) == 0
    assert Promtool.at(promtool_bin).version in capsys.readouterr().out


# -- Go text formats (pure) ------------------------------------------------------------------


def test_go_quoted_strings_decode_escapes_and_utf8() -> None:
    text = r'"a\"b\\c\n\t\u00e9\xc3\xa9 ü" rest'
    value, end = read_go_quoted(text, 0)
    assert value == 'a"b\\c\n\téé ü'
    assert text[end:] == " rest"
    with pytest.raises(ValueError):
        read_go_quoted('"unterminated', 0)


def test_samples_with_special_values() -> None:
    samples = parse_samples('{a="x, y"} NaN, {a="z"} +Inf, {} -1.5E-03')
    assert [s.labels for s in samples] == [{"a": "x, y"}, {"a": "z"}, {}]
    assert math.isnan(samples[0].value)
    assert samples[1].value == math.inf
    assert samples[2].value == -0.0015
    assert parse_samples("nil") == []


def test_format_labels_is_sorted_and_quoted() -> None:
    assert format_labels({"b": 'q"', "a": "1"}) == '{a="1", b="q\\""}'



# -- writing test files (burnwise.generator.promtool.rule_tests) ---------------------------------------------


def _expand(pieces: list[tuple[str, object, int]]) -> list[float | None]:
    """The samples the builder calls should produce, spelled out one by one (None = missing)."""
    samples: list[float | None] = []
    for kind, value, count in pieces:
        for i in range(count):
            if kind == "repeat":
                samples.append(value)
            elif kind == "ramp":
                start, step = value
                samples.append(start + step * i)
            else:
                samples.append(None)
    return samples


def test_built_series_have_the_samples_they_claim(promtool: Promtool, tmp_path: Path) -> None:
    values = (
        Values()
        .repeat(3, 4)
        .ramp(-5, 2.5, 5)
        .missing(3)
        .counter(increase=0.25, samples=6)
        .ramp(100, -7, 2)
        .repeat(0.00001, 1)
    )
    expected = _expand(
        [("repeat", 3, 4), ("ramp", (-5, 2.5), 5), ("missing", None, 3),
         ("ramp", (5.25, 0.25), 6), ("ramp", (100, -7), 2), ("repeat", 0.00001, 1)]
    )
    assert len(values) == len(expected)
    checks = [
        PromqlExprTest(
            expr=f"m @ {minute * 60}",
            eval_time=f"{len(expected)}m",
            exp_samples=[ExpectedSample.of("m", {"job": "x"}, value)],
        )
        for minute, value in enumerate(expected)
        if value is not None
    ]
    checks.append(
        PromqlExprTest(
            expr=f"count_over_time(m[{len(expected)}m])",
            eval_time=f"{len(expected) - 1}m",
            exp_samples=[ExpectedSample.of(None, {"job": "x"}, sum(v is not None for v in expected))],
        )
    )
    test_file = RuleTestFile(
        rule_files=[],
        tests=[RuleTestGroup(
            name="notation", interval="1m",
            input_series=[InputSeries.of("m", {"job": "x"}, values)],
            promql_expr_test=checks,
        )],
    )
    result = promtool.test_rules([test_file.write(tmp_path / "notation.test.yaml")])
    assert result.ok, result.format()


def _outage_file(rules: str, expected_instances: list[str]) -> RuleTestFile:
    return RuleTestFile(
        rule_files=[rules],
        evaluation_interval=timedelta(minutes=1),
        tests=[RuleTestGroup(
            name="instance a down",
            interval=timedelta(seconds=60),
            input_series=[
                InputSeries.of("up", {"job": "api", "instance": "a"}, Values().repeat(1, 2).repeat(0, 10)),
                InputSeries.of("up", {"instance": "b", "job": "api"}, Values().repeat(1, 12)),
            ],
            alert_rule_test=[
                AlertRuleTest(eval_time="4m", alertname="InstanceDown", exp_alerts=[]),
                AlertRuleTest(
                    eval_time=timedelta(minutes=10),
                    alertname="InstanceDown",
                    exp_alerts=[
                        ExpectedAlert(
                            exp_labels={"severity": "page", "job": "api", "instance": name},
                            exp_annotations={"summary": f"{name} is down"},
                        )
                        for name in expected_instances
                    ],
                ),
            ],
        )],
    )


def test_built_alert_test_passes_and_a_wrong_one_fails(promtool: Promtool, data_dir: Path) -> None:
    good = _outage_file("unit.rules.yaml", ["a"]).write(data_dir / "built_good.test.yaml")
    assert promtool.test_rules([good]).ok

    wrong = _outage_file("unit.rules.yaml", ["b"]).write(data_dir / "built_wrong.test.yaml")
    result = promtool.test_rules([wrong])
    [failure] = result.failures
    assert (failure.kind, failure.test_name, failure.eval_time) == ("alert", "instance a down", "10m")
    assert [alert.labels["instance"] for alert in failure.expected] == ["b"]
    assert [alert.labels["instance"] for alert in failure.got] == ["a"]


def test_test_file_yaml_is_deterministic() -> None:
    first = _outage_file("r.yaml", ["a", "b"]).to_yaml()
    again = RuleTestFile.model_validate(yaml.safe_load(first)).to_yaml()
    assert first == again
    assert "evaluation_interval: 1m\n" in first
    labels_block = first[first.index("exp_labels:"):first.index("exp_annotations:")]
    assert labels_block.index("instance") < labels_block.index("job") < labels_block.index("severity")


def test_durations_and_numbers_are_normalised() -> None:
    assert format_duration(timedelta(seconds=90)) == "1m30s"
    assert format_duration(timedelta(days=3, milliseconds=5)) == "3d5ms"
    assert format_duration(0) == "0s"
    assert format_duration("1h30m") == "1h30m"
    with pytest.raises(ValueError, match="not a Prometheus duration"):
        format_duration("90 seconds")
    assert [format_number(v) for v in (3.0, 0.1, 1e-05, -2.5)] == ["3", "0.1", "0.00001", "-2.5"]
    with pytest.raises(ValueError):
        Values().repeat(1, 0)
