"""Input series for promtool that make an SLI report a given error ratio, minute by minute.

Why parse the SLI queries: a regression case must feed the *current* rule file the raw series its
SLI reads (the recordings are computed by the rules under test). burnwise knows the series behind
a latency SLI (``<metric>_count`` and ``<metric>_bucket``); for an events SLI it reads the one
selector of the error query and of the total query and picks label values that satisfy them -
the error series matches both, the good series matches the total but not the error selector.
Anything more exotic is refused with a message, never guessed silently; the command then runs
promtool on the result, so a wrong guess shows up at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from burnwise.errors import BurnwiseError
from burnwise.generator.numbers import format_decimal
from burnwise.generator.promtool.rule_tests import InputSeries, Values
from burnwise.generator.spec import SLI

_SELECTOR = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{[^}]*\})?\s*\[")
_MATCHER = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"')
#: Values tried for a label when the matchers do not name one outright.
_POOL = ("500", "503", "200", "404", "429", "0", "1", "error", "ok", "true", "false", "5xx", "2xx", "a", "burnwise")


@dataclass(frozen=True)
class Matcher:
    label: str
    op: str
    value: str

    def accepts(self, candidate: str) -> bool:
        if self.op == "=":
            return candidate == self.value
        if self.op == "!=":
            return candidate != self.value
        try:
            hit = re.fullmatch(self.value, candidate) is not None
        except re.error:
            return False
        return hit if self.op == "=~" else not hit


@dataclass(frozen=True)
class Selector:
    metric: str
    matchers: tuple[Matcher, ...]


@dataclass(frozen=True)
class Minutes:
    """``minutes`` samples, each adding ``total`` events of which ``errors`` failed."""

    minutes: int
    total: int
    errors: int


def selectors(query: str) -> list[Selector]:
    """Every ``metric{...}[range]`` in a query, in order, without repeats."""
    found: list[Selector] = []
    for metric, braces in _SELECTOR.findall(query):
        matchers = tuple(Matcher(*m) for m in _MATCHER.findall(braces or ""))
        item = Selector(metric, matchers)
        if item not in found:
            found.append(item)
    return found


def _sample_of(pattern: str) -> list[str]:
    """Strings likely to match a simple regex (``5..`` -> ``500``), one per top-level alternative."""
    samples = []
    for alternative in re.split(r"\|(?![^(]*\))", pattern.strip("^$()")):
        out, i = [], 0
        while i < len(alternative):
            ch = alternative[i]
            if ch == "\\" and i + 1 < len(alternative):
                nxt = alternative[i + 1]
                out.append({"d": "0", "w": "a", "s": " "}.get(nxt, nxt))
                i += 2
                continue
            if ch == "[":
                end = alternative.find("]", i)
                body = alternative[i + 1:end] if end > i else ""
                out.append(body[:1] if body and body[0] != "^" else "z")
                i = end + 1 if end > i else i + 1
                continue
            if ch in "*?":
                if out:
                    out.pop()
            elif ch == ".":
                out.append("0")
            elif ch not in "()+^$":
                out.append(ch)
            i += 1
        samples.append("".join(out))
    return samples


def _value_for(label: str, must: list[Matcher], must_not: Matcher | None = None) -> str:
    candidates: list[str] = []
    for m in must:
        candidates += [m.value] if m.op == "=" else _sample_of(m.value) if m.op == "=~" else []
    if must_not is not None and must_not.op in ("!=", "!~"):
        candidates += [must_not.value] if must_not.op == "!=" else _sample_of(must_not.value)
    candidates += list(_POOL)
    for candidate in candidates:
        if all(m.accepts(candidate) for m in must) and (must_not is None or not must_not.accepts(candidate)):
            return candidate
    raise ValueError(label)


def labels_for(matchers: list[Matcher], violate: Matcher | None = None) -> dict[str, str]:
    """Label values meeting every matcher (and failing ``violate``); ValueError names a stuck label."""
    labels: dict[str, str] = {}
    for name in sorted({m.label for m in matchers} | ({violate.label} if violate else set())):
        if name == "__name__":
            continue
        must = [m for m in matchers if m.label == name]
        value = _value_for(name, must, violate if violate and violate.label == name else None)
        if value != "" or violate is not None:
            labels[name] = value
    return labels


def _counter(segments: list[Minutes], per_minute) -> Values:
    values = Values().repeat(0, 1)
    for seg in segments:
        values = values.counter(per_minute(seg), seg.minutes)
    return values


def _only(query: str, what: str) -> Selector:
    found = selectors(query)
    if len(found) != 1:
        raise BurnwiseError(
            f"cannot reconstruct series for the SLI's {what} query {query.strip()!r}: it reads "
            f"{len(found)} series selectors and burnwise handles exactly one; write this regression case by hand"
        )
    return found[0]


def events_series(error_query: str, total_query: str, segments: list[Minutes]) -> list[InputSeries]:
    errors, total = _only(error_query, "error"), _only(total_query, "total")
    try:
        if errors.metric == total.metric:
            both = list(errors.matchers) + list(total.matchers)
            bad = labels_for(both)
            extra = [m for m in errors.matchers if m not in total.matchers]
            good = None
            for candidate in extra:
                try:
                    good = labels_for(list(total.matchers), violate=candidate)
                    break
                except ValueError:
                    continue
            if good is None or good == bad:
                raise ValueError("error selector")
            return [
                InputSeries.of(total.metric, good, _counter(segments, lambda s: s.total - s.errors)),
                InputSeries.of(errors.metric, bad, _counter(segments, lambda s: s.errors)),
            ]
        return [
            InputSeries.of(total.metric, labels_for(list(total.matchers)), _counter(segments, lambda s: s.total)),
            InputSeries.of(errors.metric, labels_for(list(errors.matchers)), _counter(segments, lambda s: s.errors)),
        ]
    except ValueError as exc:
        raise BurnwiseError(
            f"cannot pick label values for {exc} that satisfy the SLI queries ({error_query.strip()!r}, "
            f"{total_query.strip()!r}); write this regression case by hand"
        ) from None


def latency_series(metric: str, selector: str, threshold, segments: list[Minutes]) -> list[InputSeries]:
    matchers = [Matcher(*m) for m in _MATCHER.findall(selector or "")]
    try:
        base = labels_for(matchers)
    except ValueError as exc:
        raise BurnwiseError(f"cannot pick a value for label {exc} of selector {selector!r}") from None
    le = format_decimal(threshold)
    return [
        InputSeries.of(f"{metric}_bucket", {**base, "le": le}, _counter(segments, lambda s: s.total - s.errors)),
        InputSeries.of(f"{metric}_bucket", {**base, "le": "+Inf"}, _counter(segments, lambda s: s.total)),
        InputSeries.of(f"{metric}_count", base, _counter(segments, lambda s: s.total)),
    ]


def sli_series(sli: SLI, segments: list[Minutes]) -> list[InputSeries]:
    """Series for ``sli`` following ``segments`` (one sample a minute, counters from 0)."""
    if sli.events is not None:
        return events_series(sli.events.error_query, sli.events.total_query, segments)
    if sli.latency is not None:
        return latency_series(sli.latency.metric, sli.latency.selector, sli.latency.threshold, segments)
    raise BurnwiseError(
        "the SLO has a raw SLI (a ready-made ratio): burnwise cannot reconstruct its series for a "
        "regression case; write this one by hand from the SLI's test_series"
    )
