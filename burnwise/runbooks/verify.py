"""Did the SLI recover? Instant queries against Prometheus' HTTP API, and the default checks.

Why a check is a PromQL *condition*: the catalog's ``check:`` reads like an alert expression
turned around (``... < 1``) and holds when it returns at least one sample. An empty answer -
no data - never counts as recovered. Without a ``check:``, the runner uses the SLO's own
short-window burn rate from the generated recording rules: below 1, errors are back inside the
budget. The error ratio recorded next to it is the SLI value written on the timeline (before and
after each step), shown as the healthy share.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import requests

from burnwise.errors import BurnwiseError

DEFAULT_WINDOW = "5m"


class VerificationError(BurnwiseError):
    """Prometheus did not answer or refused the query: the runner cannot tell whether a step helped."""


def _selector(labels: Mapping[str, str]) -> str:
    pairs = [f'{k}="{labels[k]}"' for k in ("service", "slo") if labels.get(k)]
    return "{" + ",".join(pairs) + "}"


def default_check(labels: Mapping[str, str], window: str = DEFAULT_WINDOW) -> str:
    """The SLO's short-window burn rate is below 1 (from ``rendered_rules/``)."""
    return f"slo:burnwise_burn_rate:rate{window}{_selector(labels)} < 1"


def sli_query(labels: Mapping[str, str], window: str = DEFAULT_WINDOW) -> str:
    """The SLO's short-window error ratio: the value recorded before and after every step."""
    return f"slo:burnwise_error_ratio:rate{window}{_selector(labels)}"


@dataclass(frozen=True)
class Prometheus:
    """A Prometheus server's HTTP API, read with instant queries and a timeout on every call."""

    url: str
    timeout: float = 10.0

    def query(self, expr: str) -> list[dict]:
        try:
            response = requests.get(f"{self.url.rstrip('/')}/api/v1/query", params={"query": expr}, timeout=self.timeout)
        except requests.RequestException as exc:
            raise VerificationError(f"Prometheus at {self.url} did not answer ({type(exc).__name__})") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code != 200 or data.get("status") != "success":
            reason = data.get("error") or response.text[:200]
            raise VerificationError(f"Prometheus refused {expr!r}: HTTP {response.status_code}: {reason}")
        if data["data"].get("resultType") != "vector":
            raise VerificationError(f"check {expr!r} must return an instant vector, got {data['data'].get('resultType')}")
        return data["data"]["result"]

    def holds(self, expr: str) -> bool:
        """The condition returns at least one sample."""
        return bool(self.query(expr))

    def value(self, expr: str) -> float | None:
        """The first sample's value, or None when there is none (or it is not a number)."""
        result = self.query(expr)
        if not result:
            return None
        try:
            number = float(result[0]["value"][1])
        except (KeyError, IndexError, ValueError):
            return None
        return None if number != number else number  # NaN (0/0 with no traffic) is no value


def healthy_text(error_ratio: float | None) -> str:
    """``85.0% healthy`` from an error ratio; ``no SLI data`` when there is none."""
    if error_ratio is None:
        return "no SLI data"
    return f"{(1 - error_ratio) * 100:.1f}% healthy"
