"""Instant queries against Prometheus' HTTP API (``/api/v1/query``) for the SLO figures in reports.

Why a small client of our own: reports need three things only - an instant vector, the labels of
each sample and a plain reason when Prometheus is not there. A report never fails because
Prometheus is down; the section that needed it says so (:class:`PrometheusUnavailable`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

import requests

from burnwise.reports.timing import iso

TIMEOUT_SECONDS = 10.0


class PrometheusUnavailable(Exception):
    """Prometheus was not given, did not answer, or answered something that is not a query result."""


@dataclass(frozen=True)
class Sample:
    labels: dict[str, str]
    value: float


def parse_vector(document: object) -> list[Sample]:
    """Samples of an instant-query answer; a malformed answer raises PrometheusUnavailable.

    Accepts ``resultType`` vector (one sample per series) and scalar (one unlabelled sample).
    NaN values are dropped (a ratio over zero traffic says nothing).
    """
    if not isinstance(document, dict):
        raise PrometheusUnavailable("answer is not a JSON object")
    if document.get("status") != "success":
        raise PrometheusUnavailable(f"query failed: {document.get('errorType', '?')}: {document.get('error', 'no reason given')}")
    data = document.get("data")
    if not isinstance(data, dict) or "result" not in data:
        raise PrometheusUnavailable("answer has no data.result")
    kind, result = data.get("resultType"), data["result"]
    try:
        if kind == "scalar":
            pairs = [({}, result[1])]
        elif kind == "vector":
            pairs = [(item.get("metric", {}), item["value"][1]) for item in result]
        else:
            raise PrometheusUnavailable(f"expected an instant vector, got resultType {kind!r}")
        samples = [Sample({str(k): str(v) for k, v in labels.items()}, float(value)) for labels, value in pairs]
    except (TypeError, KeyError, IndexError, ValueError) as exc:
        raise PrometheusUnavailable(f"answer is not in Prometheus' format ({exc})") from None
    return sorted((s for s in samples if not math.isnan(s.value)), key=lambda s: sorted(s.labels.items()))


class Prometheus:
    """A Prometheus server by base URL (``http://host:9090``), or None for 'not given'."""

    def __init__(self, url: str | None, timeout: float = TIMEOUT_SECONDS) -> None:
        self.url = url.rstrip("/") if url else None
        self.timeout = timeout

    def query(self, expr: str, at: datetime | None = None) -> list[Sample]:
        if not self.url:
            raise PrometheusUnavailable("Prometheus not given (pass --prometheus URL)")
        params = {"query": expr}
        if at is not None:
            params["time"] = f"{at.timestamp():.3f}"  # full precision: a second-truncated time can precede the newest sample
        try:
            response = requests.get(f"{self.url}/api/v1/query", params=params, timeout=self.timeout)
        except requests.RequestException as exc:
            raise PrometheusUnavailable(f"Prometheus at {self.url} not reachable ({type(exc).__name__})") from None
        try:
            document = response.json()
        except ValueError:
            raise PrometheusUnavailable(
                f"Prometheus at {self.url} answered HTTP {response.status_code} without JSON"
            ) from None
        return parse_vector(document)


def parse_matrix(document: object) -> list[tuple[dict[str, str], list[tuple[float, float]]]]:
    """Series of a range-query answer as (labels, [(unix seconds, value), ...]); NaN points dropped."""
    if not isinstance(document, dict) or document.get("status") != "success":
        parse_vector(document)  # raises with the reason
    data = document.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        raise PrometheusUnavailable("expected a range vector (resultType matrix)")
    try:
        series = [
            ({str(k): str(v) for k, v in item.get("metric", {}).items()},
             [(float(ts), float(value)) for ts, value in item["values"] if not math.isnan(float(value))])
            for item in data["result"]
        ]
    except (TypeError, KeyError, ValueError) as exc:
        raise PrometheusUnavailable(f"answer is not in Prometheus' format ({exc})") from None
    return sorted(series, key=lambda s: sorted(s[0].items()))


def query_range(prometheus: Prometheus, expr: str, start: datetime, end: datetime, step_seconds: int = 60):
    """``/api/v1/query_range`` over [start, end]; same failure handling as :meth:`Prometheus.query`."""
    if not prometheus.url:
        raise PrometheusUnavailable("Prometheus not given (pass --prometheus URL)")
    params = {"query": expr, "start": iso(start), "end": iso(end), "step": f"{step_seconds}s"}
    try:
        response = requests.get(f"{prometheus.url}/api/v1/query_range", params=params, timeout=prometheus.timeout)
        document = response.json()
    except requests.RequestException as exc:
        raise PrometheusUnavailable(f"Prometheus at {prometheus.url} not reachable ({type(exc).__name__})") from None
    except ValueError:
        raise PrometheusUnavailable(f"Prometheus at {prometheus.url} answered without JSON") from None
    return parse_matrix(document)
