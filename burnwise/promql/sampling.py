"""Label values that satisfy matchers: what a synthetic series must carry to be selected.

Why: generated tests and regression cases feed promtool the series an SLI's queries read, so
for ``code=~"5.."`` they need a value such as ``500``. :func:`sample_regex` writes the shortest
string a (simple) regular expression describes - literals, classes, escapes, groups,
alternatives (the first), quantifiers (their minimum) - and checks it with the regex itself, so
a pattern it cannot follow yields None rather than a wrong value. The standard library's regex
internals are private and not used.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from burnwise.promql.matchers import Matcher

_ESCAPES = {"d": "0", "w": "a", "s": " ", "D": "a", "W": "-", "S": "a"}
_ANCHORS = {"A", "z", "Z", "b", "B"}


class _Unsupported(Exception):
    pass


class _Sampler:
    """Recursive descent over a regex, writing the shortest matching text of its first branch."""

    def __init__(self, pattern: str) -> None:
        self.text, self.pos = pattern, 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        self.pos += 1
        return char

    def alternatives(self) -> str:
        first = self.sequence()
        while self.peek() == "|":
            self.take()
            self.sequence()  # parsed for syntax only: the first branch is the sample
        return first

    def sequence(self) -> str:
        out = []
        while self.peek() and self.peek() not in "|)":
            atom = self.atom()
            out.append(atom * self.quantifier())
        return "".join(out)

    def quantifier(self) -> int:
        char = self.peek()
        if char in ("*", "?"):
            self.take()
            count = 0
        elif char == "+":
            self.take()
            count = 1
        elif char == "{" and re.match(r"\{\d+(,\d*)?\}", self.text[self.pos:]):
            found = re.match(r"\{(\d+)(,\d*)?\}", self.text[self.pos:])
            self.pos += found.end()
            count = int(found.group(1))
        else:
            return 1
        if self.peek() in ("?", "+"):  # lazy or possessive: same minimum
            self.take()
        return count

    def atom(self) -> str:
        char = self.take()
        if char == "(":
            if self.peek() == "?":
                self.take()
                if self.take() != ":":
                    raise _Unsupported("group flags")
            inner = self.alternatives()
            if self.take() != ")":
                raise _Unsupported("unbalanced group")
            return inner
        if char == "[":
            return self.char_class()
        if char == "\\":
            escaped = self.take()
            if escaped in _ANCHORS:
                return ""
            return _ESCAPES.get(escaped, escaped)
        if char == ".":
            return "0"
        if char in "^$":
            return ""
        if char in "*+?{":
            raise _Unsupported("quantifier without atom")
        return char

    def char_class(self) -> str:
        negated = self.peek() == "^"
        if negated:
            self.take()
        members: list[str] = []
        first = True
        while self.peek() and (self.peek() != "]" or first):
            char = self.take()
            first = False
            if char == "\\":
                escaped = self.take()
                members.append(_ESCAPES.get(escaped, escaped))
            elif self.peek() == "-" and self.text[self.pos + 1:self.pos + 2] not in ("", "]"):
                self.take()
                end = self.take()
                members.extend(chr(c) for c in range(ord(char), ord(end) + 1))
            else:
                members.append(char)
        if self.take() != "]":
            raise _Unsupported("unclosed class")
        if not negated:
            return members[0] if members else "x"
        return next(c for c in "xy0a-" if c not in members)


def sample_regex(pattern: str) -> str | None:
    """A short string that ``pattern`` matches in full (PromQL regexes are anchored), or None."""
    sampler = _Sampler(pattern)
    try:
        sample = sampler.alternatives()
        if sampler.pos != len(pattern):
            return None
        return sample if re.fullmatch(pattern, sample) else None
    except (_Unsupported, re.error, StopIteration):
        return None


def candidates(matchers: Iterable[Matcher], preferred: Iterable[str]) -> list[str]:
    """Values to try for one label: those its matchers name or describe, then ``preferred``."""
    values = []
    for matcher in matchers:
        if matcher.op == "=":
            values.append(matcher.value)
        elif matcher.op == "=~":
            sample = sample_regex(matcher.value)
            if sample is not None:
                values.append(sample)
    return values + list(preferred)


def choose(matchers: list[Matcher], preferred: Iterable[str], avoid: list[Matcher] = ()) -> str | None:
    """A value satisfying every matcher in ``matchers`` and failing one in ``avoid`` (if given)."""
    for value in candidates(matchers, preferred):
        if all(m.accepts(value) for m in matchers) and (not avoid or not all(m.accepts(value) for m in avoid)):
            return value
    return None


def labels_for(matchers: Iterable[Matcher], preferred: Iterable[str]) -> dict[str, str] | None:
    """A label set meeting every matcher (empty values left out), or None when a label is stuck."""
    matchers = list(matchers)
    preferred = tuple(preferred)
    labels = {}
    for name in sorted({m.name for m in matchers}):
        value = choose([m for m in matchers if m.name == name], preferred)
        if value is None:
            return None
        if value:
            labels[name] = value
    return labels
