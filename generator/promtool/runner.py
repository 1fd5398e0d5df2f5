"""Run the real ``promtool`` and return structured results.

burnwise proves its rules with Prometheus' own tool rather than a re-implementation, so every
check and unit test goes through this wrapper: it finds the binary (``BURNWISE_PROMTOOL`` or
``PATH``), knows its version and whether it can lint, runs ``check rules`` / ``test rules`` with a
time limit, and hands the text to :mod:`burnwise.generator.promtool.output` to be parsed.

Exit codes of promtool 2.42, as mapped here:

* ``0``: success. ``check rules`` also exits 0 when it found only lint warnings (unless
  ``--lint-fatal``); those warnings are still returned as problems with severity ``warning``.
* ``1``: errors (invalid rule file, failed unit test, missing file, bad usage).
* ``3``: lint findings with ``--lint-fatal`` (``lint_fatal=True`` here).
* Anything else (a crash, a signal) counts as a failure and keeps the raw output.

A run that exceeds its timeout is killed (its own pid only) and returned with ``timed_out=True``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from burnwise.generator.promtool.output import parse_check_output, parse_test_output
from burnwise.generator.promtool.results import (
    Alert,
    RuleCheckResult,
    RuleProblem,
    RuleTestResult,
    Sample,
    TestFailure,
)

from burnwise.errors import BurnwiseError

__all__ = [
    "Alert",
    "ENV_VAR",
    "INSTALL_HINT",
    "Promtool",
    "PromtoolNotFound",
    "RuleCheckResult",
    "RuleProblem",
    "RuleTestResult",
    "Sample",
    "TestFailure",
]

ENV_VAR = "BURNWISE_PROMTOOL"
INSTALL_COMMAND = (
    "install it with `apt-get install -y prometheus` (Debian/Ubuntu; the package ships promtool) "
    "or download a Prometheus release from https://prometheus.io/download/"
)
INSTALL_HINT = f"{INSTALL_COMMAND}, or set {ENV_VAR} to the promtool binary"
EXIT_OK, EXIT_FAILED, EXIT_LINT = 0, 1, 3
_VERSION = re.compile(r"version (?P<version>\d+\.\d+\.\d+)")


class PromtoolNotFound(BurnwiseError):
    """promtool is missing or unusable; the message says how to install it."""


@dataclass(frozen=True)
class _Run:
    exit_code: int | None
    output: str
    timed_out: bool


@dataclass(frozen=True)
class Promtool:
    """A promtool binary that answered ``--version``. Build it with :meth:`find`."""

    path: str
    version_text: str = field(repr=False)

    @classmethod
    def find(cls, env: Mapping[str, str] | None = None) -> Promtool:
        """The promtool named by ``BURNWISE_PROMTOOL``, else the first on ``PATH``.

        Raises :class:`PromtoolNotFound` (a :class:`BurnwiseError`) with install instructions.
        """
        env = os.environ if env is None else env
        configured = env.get(ENV_VAR)
        if configured:
            path = (
                configured
                if os.sep in configured
                else shutil.which(configured, path=env.get("PATH"))
            )
            if not path or not os.path.isfile(path) or not os.access(path, os.X_OK):
                raise PromtoolNotFound(
                    f"{ENV_VAR}={configured} is not an executable file: fix or unset it; "
                    f"to get promtool, {INSTALL_COMMAND}"
                )
        else:
            path = shutil.which("promtool", path=env.get("PATH"))
            if not path:
                raise PromtoolNotFound(f"promtool not found on PATH: {INSTALL_HINT}")
        return cls.at(path)

    @classmethod
    def at(cls, path: str) -> Promtool:
        """The promtool at ``path``, checked by running ``promtool --version``."""
        try:
            completed = subprocess.run(
                [path, "--version"], capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            message = f"{path} does not run as promtool ({exc}): {INSTALL_HINT}"
            raise PromtoolNotFound(message) from None
        text = (completed.stdout + completed.stderr).strip()
        if completed.returncode != 0 or not _VERSION.search(text):
            first = text.splitlines()[0] if text else f"exit code {completed.returncode}"
            raise PromtoolNotFound(
                f"{path} does not look like promtool (`--version` said: {first}): {INSTALL_HINT}"
            )
        return cls(path=path, version_text=text)

    @property
    def version(self) -> str:
        """The release, e.g. ``"2.42.0"`` (distribution suffixes such as ``+ds`` dropped)."""
        match = _VERSION.search(self.version_text)
        assert match is not None  # checked in at()
        return match["version"]

    @property
    def version_info(self) -> tuple[int, int, int]:
        major, minor, patch = (int(part) for part in self.version.split("."))
        return major, minor, patch

    @cached_property
    def supports_lint(self) -> bool:
        """Whether ``check rules --lint`` exists (read from the binary's own help text)."""
        run = self._run(["check", "rules", "--help"], timeout=30)
        return "--lint" in run.output

    def check_rules(
        self,
        paths: Iterable[str | os.PathLike[str]],
        *,
        lint: bool = True,
        lint_fatal: bool = False,
        timeout: float = 60,
    ) -> RuleCheckResult:
        """``promtool check rules`` on ``paths``.

        ``lint=True`` runs all lint checks the version has (``--lint=all``), ``False`` none;
        lint findings are warnings unless ``lint_fatal``. Missing files are reported as problems
        and the rest are still checked.
        """
        files = [str(path) for path in paths]
        missing, present = _split_missing(files)
        args = ["check", "rules"]
        if self.supports_lint:
            args.append("--lint=all" if lint else "--lint=none")
            if lint and lint_fatal:
                args.append("--lint-fatal")
        command = [self.path, *args, *present]
        problems = [
            RuleProblem(file=file, message="file does not exist: check the path")
            for file in missing
        ]
        if not files:
            problems.append(RuleProblem(message="no rule files given: nothing was checked"))
        if not present:
            return RuleCheckResult(
                files=files, command=command, exit_code=None, ok=False, problems=problems
            )
        run = self._run(args + present, timeout=timeout)
        problems += parse_check_output(run.output)
        has_errors = any(p.severity == "error" for p in problems)
        has_warnings = any(p.severity == "warning" for p in problems)
        if run.timed_out:
            problems.append(
                RuleProblem(
                    file=_file_in_progress(run.output, "Checking "),
                    message=_timeout_message("check rules", timeout),
                )
            )
        elif (
            run.exit_code not in (EXIT_OK, EXIT_FAILED, EXIT_LINT)
            or (run.exit_code == EXIT_FAILED and not has_errors)
            or (run.exit_code == EXIT_LINT and not has_warnings)
        ):
            problems.append(RuleProblem(message=_unexplained(run)))
        ok = (
            run.exit_code == EXIT_OK
            and not any(p.severity == "error" for p in problems)
            and not (lint_fatal and has_warnings)
        )
        return RuleCheckResult(
            files=files,
            command=command,
            exit_code=run.exit_code,
            ok=ok,
            timed_out=run.timed_out,
            problems=problems,
            raw_output=run.output,
        )

    def test_rules(
        self, paths: Iterable[str | os.PathLike[str]], *, timeout: float = 300
    ) -> RuleTestResult:
        """``promtool test rules`` on the test files ``paths``.

        A ``rule_files`` entry that matches no file is a failure (promtool itself only warns and
        then passes tests that assert nothing).
        """
        files = [str(path) for path in paths]
        missing, present = _split_missing(files)
        command = [self.path, "test", "rules", *present]
        failures = [
            TestFailure(file=file, kind="error", message="file does not exist: check the path")
            for file in missing
        ]
        if not files:
            failures.append(TestFailure(kind="error", message="no test files given: nothing ran"))
        if not present:
            return RuleTestResult(
                files=files, command=command, exit_code=None, ok=False, failures=failures
            )
        run = self._run(["test", "rules", *present], timeout=timeout)
        failures += parse_test_output(run.output)
        if run.timed_out:
            failures.append(
                TestFailure(
                    file=_file_in_progress(run.output, "Unit Testing:  "),
                    kind="timeout",
                    message=_timeout_message("test rules", timeout),
                )
            )
        elif run.exit_code not in (EXIT_OK, EXIT_FAILED) or (
            run.exit_code == EXIT_FAILED
            and all(f.kind == "missing_rule_file" for f in failures)
        ):
            failures.append(TestFailure(kind="error", message=_unexplained(run)))
        ok = run.exit_code == EXIT_OK and not failures
        return RuleTestResult(
            files=files,
            command=command,
            exit_code=run.exit_code,
            ok=ok,
            timed_out=run.timed_out,
            failures=failures,
            raw_output=run.output,
        )

    def _run(self, args: list[str], timeout: float) -> _Run:
        """Run promtool with stdout and stderr on one pipe (promtool's order is the meaning)."""
        try:
            process = subprocess.Popen(
                [self.path, *args],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            raise PromtoolNotFound(f"cannot run {self.path} ({exc}): {INSTALL_HINT}") from None
        try:
            output, _ = process.communicate(timeout=timeout)
            return _Run(process.returncode, output, timed_out=False)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
            return _Run(None, output or "", timed_out=True)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()


def _split_missing(files: list[str]) -> tuple[list[str], list[str]]:
    missing = [file for file in files if not Path(file).is_file()]
    return missing, [file for file in files if file not in missing]


def _file_in_progress(output: str, header: str) -> str | None:
    """The file promtool was working on when it was stopped: the last one it announced."""
    started = [line[len(header) :] for line in output.splitlines() if line.startswith(header)]
    return started[-1] if started else None


def _timeout_message(what: str, timeout: float) -> str:
    return (
        f"promtool {what} did not finish within {timeout:g}s and was stopped: "
        "raise the timeout, or shorten the tests (fewer input samples, a longer interval)"
    )


def _unexplained(run: _Run) -> str:
    text = run.output.strip() or "(no output)"
    return f"promtool exited with code {run.exit_code}: {text}"
