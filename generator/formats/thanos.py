"""Thanos Ruler rule files: each group with `partial_response_strategy`.

Thanos Ruler queries through the Thanos Querier, which may answer with only part of the data when
a store is down. For a group with alerts that must be an error (`abort`): a page computed from
half the traffic is wrong in both directions. Groups with recordings only may `warn`.
"""

from __future__ import annotations

from burnwise.generator.formats.gating import gate_groups
from burnwise.generator.loader import LoadedSpec
from burnwise.layout import rule_file_name
from burnwise.generator.render import dump_yaml, groups_to_dict, header
from burnwise.generator.rules import rule_groups


def strategy(group: dict) -> str:
    return "abort" if any("alert" in rule for rule in group["rules"]) else "warn"


def render(specs: list[LoadedSpec], options) -> dict[str, str]:
    out = {}
    for item in specs:
        groups = gate_groups(groups_to_dict(rule_groups(item.spec))["groups"], options.prometheus_version)
        groups = [{"name": g["name"], "partial_response_strategy": strategy(g), **{k: v for k, v in g.items() if k != "name"}} for g in groups]
        out[rule_file_name(item.spec.service)] = header(item.source) + dump_yaml({"groups": groups})
    return out
