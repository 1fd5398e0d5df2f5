"""Turn promtool's text output into structured results.

promtool (checked against 2.42) prints human text, not JSON, and mixes stdout and stderr: the file
headers go to stdout, the errors to stderr. :mod:`burnwise.generator.promtool` runs it with both streams on
one pipe so the order is kept, and this module reads that text back into models that the CLI
prints and tests assert on.

Why a parser at all: a bare "exit code 1" tells an SRE nothing, and promtool's own text names a
rule by *index* in some messages and not at all in others. So the parsers also read the YAML files
(:mod:`burnwise.generator.promtool.rule_outline`) to name the group and rule a line belongs to. The rule it follows throughout: a line it does not
understand is kept verbatim as a problem or failure of its own - information is never dropped.
"""

from __future__ import annotations

import re

from burnwise.durations import seconds_or_none
from burnwise.generator.promtool.go_text import (
    format_labels,
    parse_labels,
    read_go_quoted,
    read_labels,
)
from burnwise.generator.promtool.results import Alert, RuleProblem, Sample, TestFailure
from burnwise.generator.promtool.rule_outline import (
    GroupEntry,
    find_rule,
    locate_line,
    rule_file_outline,
    test_file_outline,
)

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
        entry = find_rule(outline, group, index)
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
    group, rule = locate_line(outline, line)
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
        seconds = seconds_or_none(failure.eval_time)
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
