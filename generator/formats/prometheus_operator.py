"""prometheus-operator `PrometheusRule` objects (monitoring.coreos.com/v1), one per service.

The operator loads rules from these objects; its `ruleSelector` picks them by label, so the
labels are configurable (`--label`), and so is the namespace (`--namespace`). The object name is
`burnwise-<service>`; the groups are the same as in the plain rule file.
"""

from __future__ import annotations

from burnwise.generator.formats.gating import gate_groups
from burnwise.generator.loader import LoadedSpec
from burnwise.generator.render import dump_yaml, groups_to_dict, header
from burnwise.generator.rules import rule_groups

API_VERSION = "monitoring.coreos.com/v1"
KIND = "PrometheusRule"


def rule_object(item: LoadedSpec, options) -> dict:
    labels = {"app.kubernetes.io/managed-by": "burnwise", "burnwise.dev/service": item.spec.service, **options.labels}
    return {
        "apiVersion": API_VERSION,
        "kind": KIND,
        "metadata": {
            "name": f"burnwise-{item.spec.service}",
            "namespace": options.namespace,
            "labels": dict(sorted(labels.items())),
        },
        "spec": {"groups": gate_groups(groups_to_dict(rule_groups(item.spec))["groups"], options.prometheus_version)},
    }


def render(specs: list[LoadedSpec], options) -> dict[str, str]:
    return {
        f"{item.spec.service}.prometheusrule.yaml": header(item.source) + dump_yaml(rule_object(item, options))
        for item in specs
    }
