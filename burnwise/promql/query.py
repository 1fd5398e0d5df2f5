"""Reading PromQL with a real parser: the selectors a query reads and the shape of its expression.

Why `promql-parser`: hand-written scanners over query text broke on nesting, strings with braces
and keywords; the package implements Prometheus' own grammar and gives the syntax tree. SLI
queries carry a window placeholder (`{{.window}}`) where PromQL expects a duration, so
:func:`parse` substitutes a sentinel duration first, and :func:`placeholder_ranges_in` finds where
the placeholder stood from the sentinel's positions in the tree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from datetime import timedelta

import promql_parser

from burnwise.promql.matchers import Matcher

#: Stands in for a window placeholder while parsing; far longer than any real window or offset.
SENTINEL = "7777777s"
_SENTINEL = timedelta(seconds=7777777)
_OPS = {"Equal": "=", "NotEqual": "!=", "Re": "=~", "NotRe": "!~"}


class PromQLSyntaxError(ValueError):
    """The query does not parse as PromQL; the message is the parser's."""


@dataclass(frozen=True)
class Selector:
    """A vector selector: metric name (None when only matchers select) and its other matchers."""

    metric: str | None
    matchers: tuple[Matcher, ...]


@lru_cache(maxsize=8192)
def _parsed(text: str) -> promql_parser.Expr:
    """One parse per distinct text: the generator asks about the same SLI query once per window
    and per check (13,400 parses for 1,000 SLOs); callers only read the tree."""
    return promql_parser.parse(text)


def parse(query: str, placeholder: str | None = None) -> promql_parser.Expr:
    """The syntax tree of ``query``, with ``placeholder`` (if given) read as a duration."""
    text = query.replace(placeholder, SENTINEL) if placeholder else query
    try:
        return _parsed(text)
    except ValueError as exc:
        raise PromQLSyntaxError(f"{query.strip()!r} is not valid PromQL: {exc}") from None


def children(node: object) -> list[object]:
    """Sub-expressions of a node, in the order they are written."""
    if isinstance(node, promql_parser.AggregateExpr):
        return [node.param, node.expr] if node.param is not None else [node.expr]
    if isinstance(node, promql_parser.BinaryExpr):
        return [node.lhs, node.rhs]
    if isinstance(node, promql_parser.Call):
        return list(node.args)
    if isinstance(node, promql_parser.MatrixSelector):
        return [node.vector_selector]
    if isinstance(node, (promql_parser.ParenExpr, promql_parser.SubqueryExpr, promql_parser.UnaryExpr)):
        return [node.expr]
    return []


def walk(node: object) -> Iterator[tuple[object, object | None]]:
    """Every node with its parent, depth first, in source order."""
    stack: list[tuple[object, object | None]] = [(node, None)]
    while stack:
        current, parent = stack.pop()
        yield current, parent
        stack.extend((child, current) for child in reversed(children(current)))


def _matcher(raw: object) -> Matcher:
    return Matcher(raw.name, _OPS[str(raw.op).rsplit(".", 1)[-1]], raw.value)


def vector_selector(node: promql_parser.VectorSelector) -> Selector:
    matchers = [_matcher(m) for m in node.matchers.matchers]
    metric = node.name
    names = [m for m in matchers if m.name == "__name__" and m.op == "="]
    if metric is None and names:
        metric = names[0].value
    return Selector(metric, tuple(m for m in matchers if m.name != "__name__"))


def selectors(query: str, placeholder: str | None = None) -> list[Selector]:
    """Every vector selector in ``query``, in order of appearance (repeats kept)."""
    return [vector_selector(node) for node, _ in walk(parse(query, placeholder)) if isinstance(node, promql_parser.VectorSelector)]


def parse_selector(text: str) -> Selector:
    """A lone selector such as ``{job="api",code=~"5.."}`` or ``metric{...}`` (empty text: none)."""
    if not text.strip():
        return Selector(None, ())
    node = parse(text)
    if not isinstance(node, promql_parser.VectorSelector):
        raise PromQLSyntaxError(f"{text.strip()!r} is not a series selector such as {{job=\"api\"}}")
    return vector_selector(node)


def is_plain_aggregation(query: str, op: str = "sum", placeholder: str | None = None) -> bool:
    """True when the whole query is one ``op(...)`` without ``by``/``without`` (one series out)."""
    node = parse(query, placeholder)
    return isinstance(node, promql_parser.AggregateExpr) and str(node.op) == op and node.modifier is None


@dataclass(frozen=True)
class Aggregation:
    """The outermost aggregation of a query: ``sum by (a, b) (...)`` is ("sum", "by", ("a", "b"))."""

    op: str
    modifier: str | None  # "by", "without" or None
    labels: tuple[str, ...]


def outer_aggregation(query: str, placeholder: str | None = None) -> Aggregation | None:
    """The aggregation the whole query is (brackets around it ignored), or None when it is not one."""
    node = parse(query, placeholder)
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    if not isinstance(node, promql_parser.AggregateExpr):
        return None
    modifier = node.modifier
    if modifier is None:
        return Aggregation(str(node.op), None, ())
    kind = "by" if str(modifier.type).endswith("By") else "without"
    return Aggregation(str(node.op), kind, tuple(modifier.labels))


def _durations(node: object) -> list[timedelta | None]:
    found = []
    if isinstance(node, (promql_parser.MatrixSelector, promql_parser.SubqueryExpr)):
        found.append(node.range)
    if isinstance(node, promql_parser.SubqueryExpr):
        found.append(node.step)
    if isinstance(node, (promql_parser.VectorSelector, promql_parser.SubqueryExpr)):
        found.append(node.offset)
    return found


def placeholder_ranges_in(query: str, placeholder: str, functions: tuple[str, ...]) -> bool:
    """True when every ``placeholder`` in ``query`` is the range of a direct argument of one of
    ``functions`` (e.g. ``rate(x[{{.window}}])``), and nowhere else (offsets, steps, other
    functions' ranges). Queries that do not parse are answered False."""
    try:
        tree = parse(query, placeholder)
    except PromQLSyntaxError:
        return False
    expected = query.count(placeholder)
    good = 0
    for node, parent in walk(tree):
        hits = sum(1 for d in _durations(node) if d == _SENTINEL)
        if not hits:
            continue
        in_function = isinstance(parent, promql_parser.Call) and parent.func.name in functions
        is_range = (
            isinstance(node, (promql_parser.MatrixSelector, promql_parser.SubqueryExpr)) and node.range == _SENTINEL
        )
        if not (in_function and is_range and hits == 1):
            return False
        good += 1
    return good == expected
