"""PromQL and label matchers as structure, not text: one place that parses, inspects and builds them.

Why: the generator (is an SLI additive? which series does it read?), the generated proof (which
label values make a series match?), the regression cases and the roster (which alerts does a
surface claim?) all need to look inside queries and matchers. Each used to carry its own regexes;
now queries are parsed by the `promql-parser` package (a real PromQL parser, Prometheus' own
grammar) in :mod:`.query`, the one :class:`~.matchers.Matcher` class lives in :mod:`.matchers`,
and choosing label values that satisfy matchers (regexes included) is :mod:`.sampling`.
"""
