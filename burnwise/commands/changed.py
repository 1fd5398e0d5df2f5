"""`burnwise check --changed-since REF`: which promtool test files a pull request must run.

Why: a pull-request pipeline that touches one spec out of a hundred should not prove the other
ninety-nine again. A test file is run when it, or any rule file it loads, differs from the same
path at the git ref (or did not exist there). Rendered files are committed, and the drift step of
`burnwise check` proves that they are what the specs generate, so a spec whose rendered output did
not change cannot change what its tests see; everything else still runs. Git is asked once per
question, not once per file.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from burnwise.errors import BurnwiseError

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _git(args: list[str], cwd: Path) -> str:
    try:
        run = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BurnwiseError(f"--changed-since: cannot run git in {cwd.as_posix()}: {exc}") from None
    if run.returncode != 0:
        raise BurnwiseError(f"--changed-since: git {' '.join(args)} failed in {cwd.as_posix()}: {run.stderr.strip()}")
    return run.stdout


def changed_paths(out: Path, ref: str) -> set[Path]:
    """Files under ``out`` (resolved paths) that differ from ``ref`` or are not in it, including
    uncommitted and untracked changes."""
    out = out.resolve()
    if not out.is_dir():
        raise BurnwiseError(f"--changed-since: {out.as_posix()} is not a directory")
    _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], out)
    modified = _git(["diff", "--name-only", "--relative", "-z", ref, "--", "."], out).split("\0")
    known = set(_git(["ls-tree", "-r", "--name-only", "-z", ref, "--", "."], out).split("\0"))
    # ls-tree names are relative to the current folder too (no --full-name)
    changed = {(out / name).resolve() for name in modified if name}
    for path in out.rglob("*"):
        if path.is_file() and path.relative_to(out).as_posix() not in known:
            changed.add(path.resolve())
    return changed


def rule_files_of(test_file: Path) -> list[Path]:
    """The rule files a promtool test file loads (resolved; globs expanded); [] when unreadable."""
    try:
        data = yaml.load(test_file.read_text(encoding="utf-8"), Loader=_LOADER) or {}
        entries = [str(e) for e in data.get("rule_files") or []]
    except (OSError, yaml.YAMLError, AttributeError):
        return []
    found: list[Path] = []
    for entry in entries:
        if any(c in entry for c in "*?["):
            found += [p.resolve() for p in test_file.parent.glob(entry)]
        else:
            found.append((test_file.parent / entry).resolve())
    return found


def select_changed_tests(files: list[Path], out: Path, ref: str) -> list[Path]:
    """The test files among ``files`` that changed since ``ref`` or load a rule file that did.
    A test file whose rule files cannot be read, or lie outside ``out``, runs."""
    changed = changed_paths(out, ref)
    root = out.resolve()
    selected = []
    for path in files:
        rules = rule_files_of(path)
        outside = any(not rule.is_relative_to(root) for rule in rules)  # git was not asked about these
        if path.resolve() in changed or not rules or outside or any(rule in changed for rule in rules):
            selected.append(path)
    return selected
