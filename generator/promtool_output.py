"""Turn promtool's text output into structured results.

promtool (checked against 2.42) prints human text, not JSON, and mixes stdout and stderr: the file
headers go to stdout, the errors to stderr. :mod:`generator.promtool` runs it with both streams on
one pipe so the order is kept, and this module reads that text back into models that the CLI
prints and tests assert on.

Why a parser at all: a bare "exit code 1" tells an SRE nothing, and promtool's own text names a
rule by *index* in some messages and not at all in others. So this module also reads the YAML files
to name the group and rule a line belongs to. The rule it follows throughout: a line it does not
understand is kept verbatim as a problem or failure of its own - information is never dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
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


# --------------------------------------------------------------------------------------------
# Go-formatted values: strconv.Quote strings, labels.String(), FormatFloat('E')
# --------------------------------------------------------------------------------------------

_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", '"': '"', "'": "'",
}


def read_go_quoted(text: str, pos: int) -> tuple[str, int]:
    """Read a Go ``strconv.Quote`` string starting at ``text[pos] == '"'``.

    Returns the decoded string and the index just after the closing quote. Raises ValueError when
    the text is not a complete quoted string.
    """
    if pos >= len(text) or text[pos] != '"':
        raise ValueError(f"expected '\"' at {pos}")
    out = bytearray()
    i = pos + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return out.decode("utf-8", errors="replace"), i + 1
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        if i + 1 >= len(text):
            break
        esc = text[i + 1]
        if esc in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[esc].encode("utf-8")
            i += 2
        elif esc == "x":
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        elif esc in "uU":
            width = 4 if esc == "u" else 8
            out += chr(int(text[i + 2 : i + 2 + width], 16)).encode("utf-8")
            i += 2 + width
        elif esc in "01234567":
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
        else:
            raise ValueError(f"unknown escape \\{esc}")
    raise ValueError("unterminated quoted string")


def read_labels(text: str, pos: int = 0) -> tuple[dict[str, str], int]:
    """Read a Prometheus label set as ``labels.String()`` prints it: ``{a="x", b="y"}``."""
    if pos >= len(text) or text[pos] != "{":
        raise ValueError(f"expected '{{' at {pos}")
    labels: dict[str, str] = {}
    i = pos + 1
    if text.startswith("}", i):
        return labels, i + 1
    while True:
        eq = text.find("=", i)
        if eq < 0:
            raise ValueError("label without '='")
        name = text[i:eq]
        value, i = read_go_quoted(text, eq + 1)
        labels[name] = value
        if text.startswith(", ", i):
            i += 2
        elif text.startswith("}", i):
            return labels, i + 1
        else:
            raise ValueError(f"unexpected text after label {name!r}")


def parse_labels(text: str) -> dict[str, str]:
    labels, end = read_labels(text.strip())
    if end != len(text.strip()):
        raise ValueError("trailing text after label set")
    return labels


def format_labels(labels: dict[str, str]) -> str:
    """Labels in Prometheus notation, sorted by name, values quoted like promtool does."""
    inner = ", ".join(f"{name}={_quote(labels[name])}" for name in sorted(labels))
    return "{" + inner + "}"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def format_value(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value) if value != int(value) or abs(value) >= 1e16 else str(int(value))


_FLOAT = re.compile(r"[-+]?(?:Inf|NaN|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)")


def parse_samples(text: str) -> list[Sample]:
    """Parse promtool's sample list: ``nil`` or ``{labels} 1E+00, {labels} 2.5E+00``."""
    text = text.strip()
    if text == "nil":
        return []
    samples: list[Sample] = []
    pos = 0
    while True:
        labels, pos = read_labels(text, pos)
        if not text.startswith(" ", pos):
            raise ValueError("expected a value after the labels")
        match = _FLOAT.match(text, pos + 1)
        if not match:
            raise ValueError("expected a number")
        samples.append(Sample(labels=labels, value=float(match.group(0))))
        pos = match.end()
        if pos == len(text):
            return samples
        if not text.startswith(", ", pos):
            raise ValueError("expected ', ' between samples")
        pos += 2


def parse_alerts(text: str) -> list[Alert]:
    """Parse promtool's alert list (``[]`` or ``[`` + ``N:`` / ``Labels:{}`` / ``Annotations:{}``
    entries + ``]``), as printed in an alert_rule_test failure."""
    text = text.strip().rstrip(",").strip()
    if not (text.startswith("[") and text.endswith("]")):
        raise ValueError("alert list is not in brackets")
    alerts: list[Alert] = []
    labels: dict[str, str] | None = None
    for raw in text[1:-1].splitlines():
        line = raw.strip().rstrip(",")
        if not line or re.fullmatch(r"\d+:", line):
            continue
        if line.startswith("Labels:"):
            if labels is not None:
                alerts.append(Alert(labels=labels))
            labels = parse_labels(line[len("Labels:") :])
        elif line.startswith("Annotations:") and labels is not None:
            annotations = parse_labels(line[len("Annotations:") :])
            alerts.append(Alert(labels=labels, annotations=annotations))
            labels = None
        else:
            raise ValueError(f"unexpected line in alert list: {line!r}")
    if labels is not None:
        alerts.append(Alert(labels=labels))
    return alerts


_DURATION_PART = re.compile(r"(\d+)(ms|y|w|d|h|m|s)")
_UNIT_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}


def duration_seconds(text: str | int | float | None) -> float | None:
    """Seconds of a Prometheus duration (``1h30m``, ``0s``); None when it is not one."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    text = text.strip()
    if not text:
        return None
    parts = _DURATION_PART.findall(text)
    if "".join(n + u for n, u in parts) != text:
        return None
    return float(sum(int(n) * _UNIT_SECONDS[u] for n, u in parts))


# --------------------------------------------------------------------------------------------
# Rule and test files, read to name what promtool only numbers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RuleEntry:
    group: str
    index: int  # 1-based, like promtool
    name: str | None
    labels: tuple[tuple[str, str], ...]
    first_line: int
    last_line: int


@dataclass(frozen=True)
class GroupEntry:
    name: str
    first_line: int
    last_line: int
    rules: list[RuleEntry] = field(default_factory=list)


def _compose(path: str) -> yaml.Node | None:
    try:
        return yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None


def _mapping_get(node: yaml.Node, key: str) -> yaml.Node | None:
    if not isinstance(node, yaml.MappingNode):
        return None
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _scalar(node: yaml.Node | None) -> str | None:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _lines(node: yaml.Node) -> tuple[int, int]:
    first = node.start_mark.line + 1
    return first, max(first, node.end_mark.line)


def rule_file_outline(path: str) -> list[GroupEntry]:
    """Groups and rules of a rule file with their line ranges; empty when it is not valid YAML."""
    root = _compose(path)
    groups_node = _mapping_get(root, "groups") if root is not None else None
    if not isinstance(groups_node, yaml.SequenceNode):
        return []
    outline: list[GroupEntry] = []
    for group_node in groups_node.value:
        name = _scalar(_mapping_get(group_node, "name")) or ""
        group = GroupEntry(name, *_lines(group_node))
        rules_node = _mapping_get(group_node, "rules")
        if isinstance(rules_node, yaml.SequenceNode):
            for index, rule_node in enumerate(rules_node.value, start=1):
                rule_name = _scalar(_mapping_get(rule_node, "record")) or _scalar(
                    _mapping_get(rule_node, "alert")
                )
                labels_node = _mapping_get(rule_node, "labels")
                labels: list[tuple[str, str]] = []
                if isinstance(labels_node, yaml.MappingNode):
                    labels = [
                        (str(_scalar(k)), str(_scalar(v))) for k, v in labels_node.value
                    ]
                group.rules.append(
                    RuleEntry(name, index, rule_name, tuple(sorted(labels)), *_lines(rule_node))
                )
        outline.append(group)
    return outline


def _locate_line(
    outline: list[GroupEntry], line: int
) -> tuple[GroupEntry | None, RuleEntry | None]:
    for group in outline:
        if group.first_line <= line <= group.last_line:
            for rule in group.rules:
                if rule.first_line <= line <= rule.last_line:
                    return group, rule
            return group, None
    return None, None


def _find_rule(outline: list[GroupEntry], group: str, index: int) -> RuleEntry | None:
    for entry in outline:
        if entry.name == group and 1 <= index <= len(entry.rules):
            return entry.rules[index - 1]
    return None


@dataclass(frozen=True)
class TestCaseEntry:
    __test__ = False

    kind: Literal["alert", "expr"]
    key: str  # alertname or expr
    eval_seconds: float | None


@dataclass(frozen=True)
class TestGroupEntry:
    __test__ = False

    index: int  # 1-based
    name: str
    cases: tuple[TestCaseEntry, ...]


def test_file_outline(path: str) -> list[TestGroupEntry]:
    """The ``tests:`` groups of a promtool test file and their assertions (empty if unreadable)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return []
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, list):
        return []
    outline = []
    for index, test in enumerate(tests, start=1):
        if not isinstance(test, dict):
            continue
        cases: list[TestCaseEntry] = []
        for kind, section, key in (
            ("alert", "alert_rule_test", "alertname"),
            ("expr", "promql_expr_test", "expr"),
        ):
            for case in test.get(section) or []:
                if isinstance(case, dict):
                    seconds = duration_seconds(case.get("eval_time"))
                    cases.append(TestCaseEntry(kind, str(case.get(key)), seconds))
        outline.append(TestGroupEntry(index, str(test.get("name") or ""), tuple(cases)))
    return outline


test_file_outline.__test__ = False  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------
# check rules
# --------------------------------------------------------------------------------------------

_RULE_ERROR = re.compile(
    r'^(?:(?P<line>\d+):(?P<col>\d+): (?:\d+:\d+: )?)?'
    r'group "(?P<group>(?:[^"\\]|\\.)*)", rule (?P<index>\d+), "(?P<name>(?:[^"\\]|\\.)*)": '
    r"(?P<message>.*)$",
    re.DOTALL,
)
_POSITION = re.compile(r"^(?P<line>\d+):(?P<col>\d+): (?P<message>.*)$", re.DOTALL)
_REPEATED_GROUP = re.compile(r'^groupname: "(?P<group>(?:[^"\\]|\\.)*)" is repeated')
_YAML_LINE = re.compile(r"^yaml: line (?P<line>\d+): ")
_UNMARSHAL_ENTRY = re.compile(r"^\s*line (?P<line>\d+): (?P<message>.*)$")


def _unquote_group(text: str) -> str:
    try:
        return read_go_quoted(f'"{text}"', 0)[0]
    except ValueError:
        return text


def _file_error_problems(file: str, text: str, outline: list[GroupEntry]) -> list[RuleProblem]:
    """Problems from one ``<file>: ...`` error of promtool (the file prefix already removed)."""
    match = _RULE_ERROR.match(text)
    if match:
        group = _unquote_group(match["group"])
        index = int(match["index"])
        entry = _find_rule(outline, group, index)
        name = _unquote_group(match["name"]) or (entry.name if entry else None)
        line = int(match["line"]) if match["line"] and int(match["line"]) > 0 else None
        if line is None and entry is not None:
            line = entry.first_line
        return [
            RuleProblem(
                file=file,
                group=group,
                rule=name,
                rule_index=index,
                line=line,
                message=match["message"],
            )
        ]
    if text.startswith("yaml: unmarshal errors:"):
        problems = []
        for entry_text in text.splitlines()[1:]:
            entry = _UNMARSHAL_ENTRY.match(entry_text)
            if entry:
                message = "yaml: " + entry["message"]
                problems.append(_positioned(file, int(entry["line"]), message, outline))
            elif entry_text.strip():
                problems.append(RuleProblem(file=file, message=entry_text.strip()))
        return problems or [RuleProblem(file=file, message=text)]
    yaml_line = _YAML_LINE.match(text)
    if yaml_line:
        return [_positioned(file, int(yaml_line["line"]), text, outline)]
    position = _POSITION.match(text)
    if position:
        problem = _positioned(file, int(position["line"]), position["message"], outline)
        repeated = _REPEATED_GROUP.match(position["message"])
        if repeated:
            problem = problem.model_copy(
                update={
                    "group": _unquote_group(repeated["group"]),
                    "rule": None,
                    "rule_index": None,
                }
            )
        return [problem]
    return [RuleProblem(file=file, message=text)]


def _positioned(file: str, line: int, message: str, outline: list[GroupEntry]) -> RuleProblem:
    group, rule = _locate_line(outline, line)
    return RuleProblem(
        file=file,
        group=group.name if group else None,
        rule=rule.name if rule else None,
        rule_index=rule.index if rule else None,
        line=line or None,
        message=message,
    )


_LINT_HEAD = re.compile(r"^lint error (?P<count>\d+) duplicate rule\(s\) found\.$")


def _lint_problems(file: str, text: str, outline: list[GroupEntry]) -> list[RuleProblem]:
    """Problems from promtool's duplicate-rule lint text (one warning per duplicated rule)."""
    lines = text.splitlines()
    if not lines or not _LINT_HEAD.match(lines[0]):
        return [RuleProblem(file=file, message=text, severity="warning")]
    duplicates: list[tuple[str, dict[str, str]]] = []
    tail: list[str] = []
    for line in lines[1:]:
        if line.startswith("Metric: "):
            duplicates.append((line[len("Metric: ") :], {}))
        elif line == "Label(s):" and duplicates:
            continue
        elif line.startswith("\t") and ": " in line and duplicates:
            name, value = line[1:].split(": ", 1)
            duplicates[-1][1][name] = value
        else:
            tail.append(line)
    if not duplicates:
        return [RuleProblem(file=file, message=text, severity="warning")]
    reason = " ".join(tail).strip() or "duplicate rule"
    reason = reason[0].lower() + reason[1:]
    problems = []
    for metric, labels in duplicates:
        key = tuple(sorted(labels.items()))
        copies = [
            rule
            for group in outline
            for rule in group.rules
            if rule.name == metric and rule.labels == key
        ]
        where = ", ".join(f'group "{rule.group}" rule {rule.index}' for rule in copies)
        message = f"duplicate rule {metric}{format_labels(labels) if labels else ''}"
        message += f" ({where}): {reason}" if where else f": {reason}"
        last = copies[-1] if copies else None
        problems.append(
            RuleProblem(
                file=file,
                group=last.group if last else None,
                rule=metric,
                rule_index=last.index if last else None,
                line=last.first_line if last else None,
                message=message,
                severity="warning",
            )
        )
    return problems


def parse_check_output(text: str) -> list[RuleProblem]:
    """All problems in the combined stdout+stderr of ``promtool check rules FILE...``."""
    problems: list[RuleProblem] = []
    outlines: dict[str, list[GroupEntry]] = {}
    current_file: str | None = None
    failed = False
    errors: list[list[str]] = []  # each error as its lines

    def flush() -> None:
        nonlocal errors
        seen: set[RuleProblem] = set()
        for error_lines in errors:
            new = _error_problems(current_file, "\n".join(error_lines).rstrip("\n"), outlines)
            for problem in new:
                if problem not in seen:  # promtool 2.42 repeats YAML syntax errors verbatim
                    seen.add(problem)
                    problems.append(problem)
        errors = []

    for line in text.splitlines():
        if line.startswith("Checking "):
            flush()
            current_file, failed = line[len("Checking ") :], False
            continue
        if line.startswith("  SUCCESS: "):
            flush()
            failed = False
            continue
        if line == "  FAILED:":
            flush()
            failed = True
            continue
        if not line.strip():
            if errors and errors[-1][-1] != "":
                errors[-1].append("")
            continue
        starts_error = (
            not errors
            or not failed
            or (current_file is not None and line.startswith(f"{current_file}: "))
            or line.startswith("lint error ")
            or line.startswith("promtool: ")
        )
        if starts_error:
            errors.append([line])
        else:
            errors[-1].append(line)
    flush()
    return problems


def _error_problems(
    current_file: str | None, text: str, outlines: dict[str, list[GroupEntry]]
) -> list[RuleProblem]:
    text = text.strip("\n")
    if current_file is None:
        return [RuleProblem(message=text)]
    if current_file not in outlines:
        outlines[current_file] = rule_file_outline(current_file)
    outline = outlines[current_file]
    if text.startswith(f"{current_file}: "):
        return _file_error_problems(current_file, text[len(current_file) + 2 :], outline)
    if text.startswith("lint error "):
        return _lint_problems(current_file, text, outline)
    return [RuleProblem(file=current_file, message=text)]


# --------------------------------------------------------------------------------------------
# test rules
# --------------------------------------------------------------------------------------------

_MISSING_RULE_FILE = "  WARNING: no file match pattern "
_ALERT_HEAD = re.compile(r"^    alertname: (?P<alertname>.*), time: (?P<time>[0-9a-z]+), ?$")
_EXPR_REST = re.compile(r"^, time: (?P<time>[0-9a-z]+),(?: err: (?P<err>.*))?$")


def _parse_alert_failure(file: str | None, chunk: str) -> TestFailure:
    lines = chunk.splitlines()
    name = lines[0][len("    name: ") :]
    name = name[:-1] if name.endswith(",") else name
    head = _ALERT_HEAD.match(lines[1]) if len(lines) > 1 else None
    body = "\n".join(lines[2:])
    exp_at, got_at = body.find("exp:"), body.find("\n        got:")
    if not head or exp_at < 0 or got_at < 0:
        raise ValueError("alert failure not understood")
    expected = parse_alerts(body[exp_at + len("exp:") : got_at])
    got = parse_alerts(body[got_at + len("\n        got:") :])
    return TestFailure(
        file=file,
        kind="alert",
        test_name=name or None,
        eval_time=head["time"],
        alertname=head["alertname"],
        expected=expected,
        got=got,
        message=chunk,
    )


def _parse_expr_failure(file: str | None, chunk: str) -> TestFailure:
    first, _, rest = chunk.partition("\n")
    expr, end = read_go_quoted(first, len("    expr: "))
    head = _EXPR_REST.match(first[end:])
    if not head:
        raise ValueError("expr failure not understood")
    if head["err"] is not None:
        message = head["err"] + ("\n" + rest if rest.strip() else "")
        return TestFailure(
            file=file, kind="expr_error", eval_time=head["time"], expr=expr, message=message.strip()
        )
    exp_line = got_line = None
    for line in rest.splitlines():
        if line.startswith("        exp: "):
            exp_line = line[len("        exp: ") :]
        elif line.startswith("        got: "):
            got_line = line[len("        got: ") :]
        elif line.strip():
            raise ValueError("unexpected line in expr failure")
    if exp_line is None or got_line is None:
        raise ValueError("expr failure without exp/got")
    return TestFailure(
        file=file,
        kind="expr",
        eval_time=head["time"],
        expr=expr,
        expected=parse_samples(exp_line),
        got=parse_samples(got_line),
        message=chunk,
    )


def _chunk_failure(file: str | None, chunk: str) -> TestFailure:
    """One blank-line separated error of a FAILED test file; unknown text kept as kind 'error'."""
    try:
        if chunk.startswith("    name: "):
            return _parse_alert_failure(file, chunk)
        if chunk.startswith("    expr: "):
            return _parse_expr_failure(file, chunk)
    except (ValueError, IndexError):
        pass  # not the shape we know: keep promtool's text as it is
    return TestFailure(file=file, kind="error", message=chunk.strip())


def _assign_test_groups(file: str, failures: list[TestFailure]) -> list[TestFailure]:
    """Name the test group of each failure from the test file.

    promtool reports failures in the order of the ``tests:`` list, so each failure belongs to the
    first group at or after the previous failure's group that has a matching assertion.
    """
    outline = test_file_outline(file)
    if not outline:
        return failures
    cursor = 0
    named: list[TestFailure] = []
    for failure in failures:
        if failure.kind not in ("alert", "expr", "expr_error"):
            named.append(failure)
            continue
        if failure.kind == "alert":
            kind, key = "alert", failure.alertname
        else:
            kind, key = "expr", failure.expr
        seconds = duration_seconds(failure.eval_time)
        candidates = [
            position
            for position, group in enumerate(outline)
            if (failure.kind != "alert" or not failure.test_name or failure.test_name == group.name)
            and any(
                case.kind == kind and case.key == key and case.eval_seconds == seconds
                for case in group.cases
            )
        ]
        later = [position for position in candidates if position >= cursor]
        chosen = later[0] if later else (candidates[0] if candidates else None)
        if chosen is None:
            named.append(failure)
            continue
        cursor = chosen
        group = outline[chosen]
        named.append(
            failure.model_copy(update={"test_index": group.index, "test_name": group.name or None})
        )
    return named


def parse_test_output(text: str) -> list[TestFailure]:
    """All failures in the combined stdout+stderr of ``promtool test rules FILE...``."""
    sections: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in text.splitlines():
        if line.startswith("Unit Testing:  "):
            sections.append((line[len("Unit Testing:  ") :], []))
        else:
            sections[-1][1].append(line)
    failures: list[TestFailure] = []
    for file, lines in sections:
        file_failures: list[TestFailure] = []
        chunks: list[list[str]] = [[]]
        in_failed = file is None  # text before any file header is an error of its own

        def new_chunk() -> None:
            if chunks[-1]:
                chunks.append([])

        for line in lines:
            if file is not None and line.startswith(_MISSING_RULE_FILE):
                pattern = line[len(_MISSING_RULE_FILE) :]
                file_failures.append(
                    TestFailure(
                        file=file,
                        kind="missing_rule_file",
                        message=f"rule_files entry {pattern!r} matches no file"
                        " (paths are relative to the test file)",
                    )
                )
            elif file is not None and line in ("  SUCCESS", "  FAILED:"):
                new_chunk()
                in_failed = line == "  FAILED:"
            elif not line.strip():
                new_chunk()
            elif in_failed:
                chunks[-1].append(line)
            else:  # a line promtool printed outside a failure block: keep it on its own
                new_chunk()
                chunks[-1].append(line)
                new_chunk()
        file_failures += [_chunk_failure(file, "\n".join(chunk)) for chunk in chunks if chunk]
        if file is not None:
            file_failures = _assign_test_groups(file, file_failures)
        failures += file_failures
    return failures
