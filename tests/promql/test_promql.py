"""burnwise.promql: selectors read with a real PromQL parser, the one Matcher, label-value sampling."""

from __future__ import annotations

import pytest

from burnwise.promql.matchers import Matcher, parse_matcher, selector_text
from burnwise.promql.query import (
    PromQLSyntaxError,
    Selector,
    is_plain_aggregation,
    parse_selector,
    placeholder_ranges_in,
    selectors,
)
from burnwise.promql.sampling import labels_for, sample_regex

W = "{{.window}}"


def test_selectors_in_source_order_with_names_from_either_spelling():
    query = f'sum(rate(a_total{{job="x",path="/{{v}}"}}[{W}])) / sum(rate({{__name__="b_total",code!~"5.."}}[{W}]))'
    assert selectors(query, W) == [
        Selector("a_total", (Matcher("job", "=", "x"), Matcher("path", "=", "/{v}"))),
        Selector("b_total", (Matcher("code", "!~", "5.."),)),
    ]


def test_escaped_quotes_are_unescaped_and_written_back():
    (selector,) = selectors('x{a="q\\"uote"}')
    assert selector.matchers == (Matcher("a", "=", 'q"uote'),)
    assert selector_text(selector.matchers) == '{a="q\\"uote"}'


@pytest.mark.parametrize(
    ("query", "additive"),
    [
        (f"sum(rate(x[{W}]))", True),
        (f"sum(increase(x[{W}])) / sum(rate(y[{W}]))", True),
        (f"rate(x[{W}:1m])", True),
        (f"sum_over_time(x[{W}:])", False),
        (f"rate(x[5m] offset {W})", False),
        (f"avg_over_time(x[{W}])", False),
        (f"rate(x[{W}]", False),  # does not parse
    ],
)
def test_window_placeholder_only_as_a_rate_range(query, additive):
    assert placeholder_ranges_in(query, W, ("rate", "increase")) is additive


def test_plain_sum_is_one_aggregation_without_grouping():
    assert is_plain_aggregation("sum (rate(x[5m]))")
    assert not is_plain_aggregation("sum by (a) (x)")
    assert not is_plain_aggregation("sum(x) by (a)")
    assert not is_plain_aggregation("sum(x) / sum(y)")


def test_parse_selector_refuses_an_expression():
    assert parse_selector("") == Selector(None, ())
    assert parse_selector('{job="a"}').matchers == (Matcher("job", "=", "a"),)
    with pytest.raises(PromQLSyntaxError, match="not a series selector"):
        parse_selector("sum(x)")


@pytest.mark.parametrize(
    ("pattern", "sample"),
    [("5..", "500"), ("error|fallback", "error"), ("[45]xx", "4xx"), (r"\d{3}", "000"), ("(?:a|b)c+", "ac"),
     ("[^x]y", "yy"), ("pay-.*", "pay-"), ("(?i)x", None), ("a(", None)],
)
def test_sample_regex(pattern, sample):
    assert sample_regex(pattern) == sample


def test_labels_for_meets_every_matcher_or_says_none():
    matchers = [Matcher("code", "=~", "5.."), Matcher("code", "!=", "500"), Matcher("job", "=", "api")]
    assert labels_for(matchers, ("503", "ok")) == {"code": "503", "job": "api"}
    assert labels_for([Matcher("a", "=", "x"), Matcher("a", "=", "y")], ()) is None


def test_one_matcher_for_values_label_sets_and_alertmanager_syntax():
    matcher = parse_matcher('namespace=~"pay-.*"')
    assert matcher == Matcher("namespace", "=~", "pay-.*")
    assert matcher.accepts("pay-eu") and not matcher.accepts("payments")
    assert matcher.matches({"namespace": "pay-1"}) and not matcher.matches({})
    assert parse_matcher("team=payments").to_promql() == 'team="payments"'
    assert not Matcher("a", "=~", "(").accepts("(")  # an invalid regex matches nothing
    with pytest.raises(ValueError, match="not a label matcher"):
        parse_matcher("team")
