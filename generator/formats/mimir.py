"""Grafana Mimir ruler files for `mimirtool rules load|sync`: one namespace per service.

mimirtool reads `namespace:` plus `groups:`; a namespace per service lets `mimirtool rules sync`
replace one service's rules without touching another's. burnwise's recording names already follow
`level:metric:operation`, which `mimirtool rules check` requires, and its expressions use no
`group_left` joins against metadata series, so Mimir's external labels cannot break them.
"""

from __future__ import annotations

from burnwise.generator.formats.gating import gate_groups
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.render import dump_yaml, groups_to_dict, header
from burnwise.generator.rules import rule_groups


def namespace(service: str) -> str:
    return f"burnwise-{service}"


def render(specs: list[LoadedSpec], options) -> dict[str, str]:
    out = {}
    for item in specs:
        groups = gate_groups(groups_to_dict(rule_groups(item.spec))["groups"], options.prometheus_version)
        out[f"{item.spec.service}.mimir.yaml"] = header(item.source) + dump_yaml({"namespace": namespace(item.spec.service), "groups": groups})
    return out
