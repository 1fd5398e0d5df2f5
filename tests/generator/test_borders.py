"""The generator's borders: it imports only the ground floor, has no import circles, no big modules.

The roster reaches the generator as data (RosterClaims from the CLI), so a generator module that
imports the roster domain, the receiver, the reports or the CLI fails here, as does a circle
hidden in a function-level import (pipeline <-> unit_tests used to be one).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GENERATOR = REPO / "generator"
#: What the generator may import from outside itself: the ground floor.
GROUND_FLOOR = ("burnwise.errors", "burnwise.durations", "burnwise.layout", "burnwise.percent", "burnwise.promql")


def _modules() -> dict[str, Path]:
    found = {}
    for path in GENERATOR.rglob("*.py"):
        parts = [p for p in path.relative_to(GENERATOR).with_suffix("").parts if p != "__init__"]
        found[".".join(["burnwise.generator", *parts])] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every burnwise module named in an import anywhere in the file (function level included)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("burnwise"):
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names if alias.name.startswith("burnwise"))
    return names


def test_generator_imports_only_itself_and_the_ground_floor():
    outside = {
        f"{name} imports {target}"
        for name, path in _modules().items()
        for target in _imports(path)
        if not target.startswith("burnwise.generator")
        and not any(target == floor or target.startswith(floor + ".") for floor in GROUND_FLOOR)
        and target != "burnwise"
    }
    assert not outside, sorted(outside)


def test_no_import_circles_in_the_generator():
    modules = _modules()
    graph = {name: {t for t in _imports(path) if t in modules and t != name} for name, path in modules.items()}
    circles = []

    def visit(name: str, trail: list[str]) -> None:
        for target in sorted(graph[name]):
            if target in trail:
                circles.append(" -> ".join(trail[trail.index(target):] + [target]))
            elif target not in done:
                visit(target, trail + [target])
        done.add(name)

    done: set[str] = set()
    for name in sorted(graph):
        if name not in done:
            visit(name, [name])
    assert not circles, circles


def test_no_generator_module_over_500_lines():
    big = {p.relative_to(REPO).as_posix(): n for p in GENERATOR.rglob("*.py") if (n := len(p.read_text().splitlines())) > 500}
    assert not big, big
