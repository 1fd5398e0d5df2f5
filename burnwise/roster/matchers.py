"""Alertmanager-style label matchers (``team=payments``, ``namespace=~"pay-.*"``) in the roster.

Surfaces and runbooks that are not keyed by service name still need to claim alerts; using the
matcher syntax SREs already write in Alertmanager routes keeps the roster readable. The class and
its parser are the shared ones of :mod:`burnwise.promql.matchers` (one Matcher in burnwise).
"""

from __future__ import annotations

from burnwise.promql.matchers import Matcher, all_match, parse_matcher

__all__ = ["Matcher", "all_match", "parse_matcher"]
