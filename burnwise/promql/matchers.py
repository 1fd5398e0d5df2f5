"""Label matchers (`job="api"`, `code=~"5.."`): the one Matcher class, its parsing and its spelling.

Why one class: a selector in an SLI query, a matcher in a roster surface (Alertmanager syntax,
``team=payments``) and a matcher burnwise writes into a rule are the same thing: a label name, an
operator and a value; regexes are anchored at both ends, as in Prometheus and Alertmanager.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

OPERATORS = ("=", "!=", "=~", "!~")
_ALERTMANAGER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"(.*)"|(.*?))\s*$')


def quote(value: str) -> str:
    """A PromQL / Alertmanager double-quoted string for ``value``."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


@dataclass(frozen=True)
class Matcher:
    """One label condition; ``value`` is unquoted and unescaped."""

    name: str
    op: str
    value: str

    def accepts(self, value: str) -> bool:
        """Whether a label with ``value`` (``""`` for an absent label) satisfies this matcher."""
        if self.op == "=":
            return value == self.value
        if self.op == "!=":
            return value != self.value
        try:
            found = re.fullmatch(self.value, value) is not None
        except re.error:
            return False
        return found if self.op == "=~" else not found

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a label set satisfies this matcher (an absent label reads as ``""``)."""
        return self.accepts(labels.get(self.name, ""))

    def to_promql(self) -> str:
        """`name="value"` with the value quoted and escaped, for selectors and Alertmanager routes."""
        return f"{self.name}{self.op}{quote(self.value)}"

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


def all_match(matchers: Iterable[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher holds (an empty list holds for every label set)."""
    return all(m.matches(labels) for m in matchers)


def parse_matcher(text: str) -> Matcher:
    """Alertmanager's matcher syntax, ``name=value`` or ``name=~"regex"`` (ops ``=``, ``!=``,
    ``=~``, ``!~``; quotes optional); ValueError explains the syntax."""
    found = _ALERTMANAGER.match(text) if isinstance(text, str) else None
    if not found:
        raise ValueError(
            f"{text!r} is not a label matcher: write name=value, name!=value, name=~regex or name!~regex"
        )
    name, op, quoted, bare = found.groups()
    value = quoted if quoted is not None else bare
    if op in ("=~", "!~"):
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"{text!r}: invalid regular expression: {exc}") from None
    return Matcher(name, op, value)


def selector_text(matchers: Iterable[Matcher], metric: str = "") -> str:
    """`metric{a="b",c=~"d"}`, matchers in the given order (``{}`` bodies are left out for none)."""
    body = ",".join(m.to_promql() for m in matchers)
    return f"{metric}{{{body}}}" if body or not metric else metric
