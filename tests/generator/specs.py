"""Small spec builders shared by the generator tests."""

from __future__ import annotations

import copy
from pathlib import Path

import yaml

EVENTS_SLI = {
    "events": {
        "error_query": 'sum(rate(http_requests_total{job="checkout",code=~"5.."}[{{.window}}]))',
        "total_query": 'sum(rate(http_requests_total{job="checkout"}[{{.window}}]))',
    }
}


def service_spec(**overrides) -> dict:
    """A valid one-SLO checkout spec; keyword arguments replace top-level keys."""
    spec = {
        "version": "burnwise/v1",
        "service": "checkout",
        "slos": [{"name": "availability", "objective": 99.9, "sli": copy.deepcopy(EVENTS_SLI)}],
    }
    spec.update(overrides)
    return spec


def slo(**overrides) -> dict:
    base = {"name": "availability", "objective": 99.9, "sli": copy.deepcopy(EVENTS_SLI)}
    base.update(overrides)
    return base


def write_spec(directory: Path, data: dict, name: str = "checkout.yaml") -> Path:
    path = directory / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
