"""Alertmanager-style label matchers (``team=payments``, ``namespace=~"pay-.*"``).

Surfaces and runbooks that are not keyed by service name still need to claim alerts; using the
matcher syntax SREs already write in Alertmanager routes keeps the roster readable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

_SYNTAX = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"(.*)"|(.*?))\s*$')


@dataclass(frozen=True)
class Matcher:
    """One label condition; a regex is anchored at both ends, as in Prometheus."""

    name: str
    op: str
    value: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        found = re.fullmatch(self.value, actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        return f'{self.name}{self.op}"{self.value}"'


def parse_matcher(text: str) -> Matcher:
    """Parse ``name=value`` (ops ``=``, ``!=``, ``=~``, ``!~``); ValueError explains the syntax."""
    found = _SYNTAX.match(text) if isinstance(text, str) else None
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


def all_match(matchers: list[Matcher], labels: Mapping[str, str]) -> bool:
    """True when every matcher holds (an empty list claims nothing, see callers)."""
    return all(m.matches(labels) for m in matchers)
