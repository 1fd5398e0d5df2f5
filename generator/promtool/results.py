"""Structured results of promtool runs: the models the CLI prints and tests assert on.

``promtool check rules`` gives :class:`RuleCheckResult` (a list of :class:`RuleProblem`), ``promtool
test rules`` gives :class:`RuleTestResult` (a list of :class:`TestFailure`, with the expected and
actual :class:`Alert` and :class:`Sample` items). Frozen pydantic models, so a result can be
compared, serialised with ``--json`` and never changed after parsing.
"""

from __future__ import annotations

from typing import Literal

from burnwise.generator.promtool.go_text import format_labels, format_value
from pydantic import BaseModel, ConfigDict

Severity = Literal["error", "warning"]
FailureKind = Literal[
    "alert",  # alert_rule_test: expected alerts differ from the alerts that fired
    "expr",  # promql_expr_test: expected samples differ from the query result
    "expr_error",  # promql_expr_test: the expression itself failed (parse/eval error)
    "missing_rule_file",  # a rule_files entry matched no file (promtool only warns; we fail)
    "error",  # the test file or a rule file could not be loaded, or anything else promtool said
    "timeout",  # promtool was stopped after the time limit
]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


# --------------------------------------------------------------------------------------------
# Models
# --------------------------------------------------------------------------------------------


class RuleProblem(_Frozen):
    """One finding of ``promtool check rules``: an error, or a lint warning.

    ``rule_index`` is 1-based within its group, as promtool counts. ``group``/``rule`` are filled
    from the YAML file when promtool names only an index or only a line.
    """

    file: str | None = None
    group: str | None = None
    rule: str | None = None
    rule_index: int | None = None
    line: int | None = None
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = self.file or "promtool"
        if self.line:
            where += f":{self.line}"
        parts = [where]
        if self.group is not None:
            parts.append(f'group "{self.group}"')
        if self.rule is not None or self.rule_index is not None:
            rule = f"rule {self.rule_index}" if self.rule_index is not None else "rule"
            if self.rule:
                rule += f' "{self.rule}"'
            parts.append(rule)
        return f"{', '.join(parts)}: {self.severity}: {self.message}"


class Alert(_Frozen):
    """An alert as promtool prints it in ``test rules`` (labels include ``alertname``)."""

    labels: dict[str, str]
    annotations: dict[str, str] = {}

    def __str__(self) -> str:
        text = format_labels(self.labels)
        if self.annotations:
            text += f" annotations {format_labels(self.annotations)}"
        return text


class Sample(_Frozen):
    """One sample of a ``promql_expr_test`` result (value may be NaN or +/-Inf)."""

    labels: dict[str, str]
    value: float

    def __str__(self) -> str:
        return f"{format_labels(self.labels)} {format_value(self.value)}"


class TestFailure(_Frozen):
    """One failure of ``promtool test rules``.

    ``test_index`` is 1-based within the file's ``tests:`` list. promtool names the test group only
    for alert tests (and only if it has a ``name``); burnwise finds the group from the test file.
    ``expected``/``got`` are parsed lists (``Alert`` or ``Sample``); ``message`` always keeps
    promtool's own text for the failure.
    """

    __test__ = False  # not a pytest test class

    file: str | None = None
    kind: FailureKind
    test_name: str | None = None
    test_index: int | None = None
    eval_time: str | None = None
    alertname: str | None = None
    expr: str | None = None
    expected: list[Alert | Sample] | None = None
    got: list[Alert | Sample] | None = None
    message: str

    @property
    def missing(self) -> list[Alert | Sample]:
        """Expected items that promtool did not get."""
        got = self.got or []
        return [item for item in self.expected or [] if item not in got]

    @property
    def unexpected(self) -> list[Alert | Sample]:
        """Items promtool got that the test did not expect."""
        expected = self.expected or []
        return [item for item in self.got or [] if item not in expected]

    def format(self) -> str:
        head = self.file or "promtool"
        if self.test_index is not None:
            head += f": test {self.test_index}"
        if self.test_name:
            head += f' "{self.test_name}"'
        if self.kind == "alert":
            head += f": alert {self.alertname} at {self.eval_time}"
        elif self.kind in ("expr", "expr_error"):
            head += f": expr {self.expr} at {self.eval_time}"
        if self.kind in ("alert", "expr"):
            lines = [head + ":"]
            lines += _item_block("expected", self.expected)
            lines += _item_block("got", self.got)
            return "\n".join(lines)
        return f"{head}: {self.message}"

    def __str__(self) -> str:
        return self.format()


def _item_block(title: str, items: list[Alert | Sample] | None) -> list[str]:
    if not items:
        return [f"    {title}: (nothing)"]
    return [f"    {title}:"] + [f"      {item}" for item in items]


class RuleCheckResult(_Frozen):
    """What ``promtool check rules`` said, parsed. ``ok`` is false on any error (and on lint
    warnings only when they were made fatal)."""

    files: list[str]
    command: list[str]
    exit_code: int | None
    ok: bool
    timed_out: bool = False
    problems: list[RuleProblem] = []
    raw_output: str = ""

    @property
    def errors(self) -> list[RuleProblem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[RuleProblem]:
        return [p for p in self.problems if p.severity == "warning"]

    def format(self) -> str:
        status = "ok" if self.ok else "FAILED"
        counts = f"{_plural(len(self.errors), 'error')}, {_plural(len(self.warnings), 'warning')}"
        lines = [
            f"promtool check rules: {_plural(len(self.files), 'file')}: {status}"
            f" ({counts}{_exit_text(self.exit_code, self.timed_out)})"
        ]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


class RuleTestResult(_Frozen):
    """What ``promtool test rules`` said, parsed. ``ok`` needs exit code 0 and no failures; a rule
    file that matches nothing is a failure here even though promtool only warns about it."""

    files: list[str]
    command: list[str]
    exit_code: int | None
    ok: bool
    timed_out: bool = False
    failures: list[TestFailure] = []
    raw_output: str = ""

    def format(self) -> str:
        status = "ok" if self.ok else "FAILED"
        lines = [
            f"promtool test rules: {_plural(len(self.files), 'file')}: {status}"
            f" ({_plural(len(self.failures), 'failure')}"
            f"{_exit_text(self.exit_code, self.timed_out)})"
        ]
        for failure in self.failures:
            lines += ["  " + line for line in failure.format().splitlines()]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _exit_text(exit_code: int | None, timed_out: bool) -> str:
    if timed_out:
        return ", timed out"
    return f", exit code {exit_code}"

