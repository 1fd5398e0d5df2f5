"""The shape of the code, kept by a test: two pipelines apart, no circles, small modules.

docs/architecture.md draws the map: the generator (specs -> rules) and the receiver (payloads ->
pages) stand side by side and never import each other; neither imports the command line, the demo
or the terminal output (the edges); no module imports itself back through others; no module in the
product packages is over 500 lines. Every import is counted, also the ones inside functions, since
a circle hidden behind a late import is still a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROOTS = {"burnwise": REPO / "burnwise", "burnwise.generator": REPO / "generator", "burnwise.receiver": REPO / "webhook_receiver"}
EDGES = ("burnwise.cli", "burnwise.commands", "burnwise.output", "burnwise.demo", "burnwise.__main__")
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for root_name, root in ROOTS.items():
        for path in sorted(root.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([root_name, *parts])] = path
    return found


MODULES = _modules()


def _imports(name: str, path: Path) -> set[str]:
    """Every burnwise module that ``name`` imports, resolved to modules that exist."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets.add(module)
            targets.update(f"{module}.{alias.name}" for alias in node.names)
    return {t for t in targets if t in MODULES and t != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _inside(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def test_the_pipelines_never_import_each_other_or_the_edges():
    wrong = []
    for name, targets in GRAPH.items():
        for target in sorted(targets):
            if _inside(name, "burnwise.generator") and _inside(target, "burnwise.receiver"):
                wrong.append(f"{name} -> {target}")
            if _inside(name, "burnwise.receiver") and _inside(target, "burnwise.generator"):
                wrong.append(f"{name} -> {target}")
            product = not any(_inside(name, edge) for edge in EDGES)
            if product and any(_inside(target, edge) for edge in EDGES):
                wrong.append(f"{name} -> {target}")
    assert wrong == []


def test_no_import_circles():
    """Tarjan's strongly connected components over the module graph: every component is one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(GRAPH[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for name in sorted(GRAPH):
        if name not in index:
            visit(name)
    # a package's __init__ re-exporting its own submodules is not a circle between jobs
    real = [c for c in circles if not all(_inside(m, c[0]) for m in c)]
    assert real == []


def test_no_module_over_500_lines():
    long = {str(path.relative_to(REPO)): n for path in MODULES.values() if (n := path.read_text(encoding="utf-8").count("\n")) > MAX_LINES}
    assert long == {}


def test_the_map_names_every_module():
    """docs/architecture.md has one line per module, so a newcomer finds each by its name."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [str(path.relative_to(REPO)) for name, path in MODULES.items() if path.name != "__init__.py" and str(path.relative_to(REPO)) not in text]
    assert missing == []
