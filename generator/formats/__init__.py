"""Output formats for `burnwise generate --format`: the same rule groups, shaped for each ruler.

Every format is a module with ``render(specs, options) -> {relative path: text}``; :data:`FORMATS`
maps the `--format` name to it. All formats pass their groups through
:func:`burnwise.generator.formats.gating.gate_groups`, so a field the target Prometheus version does not
know is never written. The default (`prometheus`) writes exactly the committed `rendered_rules/`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from burnwise.generator.formats.gating import DEFAULT_VERSION, Version

#: --format name -> module in this package
FORMATS = {
    "prometheus": "prometheus",
    "prometheus-operator": "prometheus_operator",
    "mimir": "mimir",
    "thanos": "thanos",
}
DEFAULT_FORMAT = "prometheus"


@dataclass(frozen=True)
class FormatOptions:
    prometheus_version: Version = DEFAULT_VERSION
    #: prometheus-operator: namespace and extra labels of each PrometheusRule (the operator's
    #: ruleSelector usually matches one of them)
    namespace: str = "monitoring"
    labels: dict[str, str] = field(default_factory=dict)


def renderer(name: str):
    """The render function of a format; KeyError for an unknown name."""
    module = importlib.import_module(f"{__name__}.{FORMATS[name]}")
    return module.render
