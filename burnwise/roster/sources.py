"""What validation needs from the rest of the repository: SLO spec owners and rendered alerts.

Owners come from the generator's spec loader when it can load the specs (every input format,
same defaults); when it cannot (a broken spec is the generator's to report), a tiny PyYAML read
of ``slo_specs/*.yaml`` still lets the roster be checked against the owners it can see.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from burnwise.errors import BurnwiseError

RULE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True)
class SpecOwner:
    file: str
    service: str
    owner: str


@dataclass(frozen=True)
class RenderedAlert:
    file: str
    field: str  # e.g. groups[0].rules[3]
    name: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


def spec_owners(specs_dir: Path) -> list[SpecOwner]:
    """Service and owner (default: the service) of every SLO spec in ``specs_dir`` (or that one file)."""
    specs_dir = Path(specs_dir)
    if not specs_dir.exists():
        return []
    try:
        from burnwise.generator.loader import load_specs

        loaded = load_specs([specs_dir])
        return sorted({SpecOwner(item.source, item.spec.service, item.spec.owner_surface) for item in loaded},
                      key=lambda o: (o.file, o.service))
    except (ImportError, AttributeError, TypeError, ValueError, BurnwiseError):
        return _raw_spec_owners(specs_dir)


def _raw_spec_owners(specs_dir: Path) -> list[SpecOwner]:
    owners: set[SpecOwner] = set()
    files = [specs_dir] if specs_dir.is_file() else sorted(specs_dir.iterdir())
    for path in (p for p in files if p.suffix in (".yaml", ".yml")):
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError):
            continue
        for doc in documents:
            if isinstance(doc, dict) and isinstance(doc.get("service"), str):
                owners.add(SpecOwner(str(path), doc["service"], str(doc.get("owner") or doc["service"])))
    return sorted(owners, key=lambda o: (o.file, o.service))


def rendered_alerts(rules_dir: Path) -> list[RenderedAlert]:
    """Every alerting rule in the Prometheus rule files under ``rules_dir`` (recursively, sorted).

    Files without ``groups`` (promtool unit tests, for instance) are skipped.
    """
    rules_dir = Path(rules_dir)
    if not rules_dir.exists():
        return []
    alerts: list[RenderedAlert] = []
    for path in sorted(p for p in rules_dir.rglob("*") if p.is_file() and p.suffix in RULE_SUFFIXES):
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue
        if not isinstance(doc, dict) or not isinstance(doc.get("groups"), list):
            continue
        for g_index, group in enumerate(doc["groups"]):
            rules = group.get("rules") if isinstance(group, dict) else None
            for r_index, rule in enumerate(rules or []):
                if isinstance(rule, dict) and "alert" in rule:
                    alerts.append(RenderedAlert(
                        file=str(path),
                        field=f"groups[{g_index}].rules[{r_index}]",
                        name=str(rule["alert"]),
                        labels={str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
                        annotations={str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
                    ))
    return alerts
