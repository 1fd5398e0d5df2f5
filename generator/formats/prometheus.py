"""Plain Prometheus rule files, one per service: what `rendered_rules/` holds (the default format)."""

from __future__ import annotations

from burnwise.generator.formats.gating import gate_groups
from burnwise.generator.loader import LoadedSpec
from burnwise.layout import rule_file_name
from burnwise.generator.render import dump_yaml, groups_to_dict, header
from burnwise.generator.rules import rule_groups


def render(specs: list[LoadedSpec], options) -> dict[str, str]:
    out = {}
    for item in specs:
        groups = gate_groups(groups_to_dict(rule_groups(item.spec))["groups"], options.prometheus_version)
        out[rule_file_name(item.spec.service)] = header(item.source) + dump_yaml({"groups": groups})
    return out
