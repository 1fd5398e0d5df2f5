"""Target-version gating: drop rule and group fields the target Prometheus does not support.

Prometheus refuses a rule file with a field it does not know, so rules written for a newer
server break an older one at reload time. Each field carries the version that introduced it; the
renderers remove what the target (`--prometheus-version`, default the oldest supported here) lacks.
"""

from __future__ import annotations

import re
from typing import Any

Version = tuple[int, int]

#: group-level field -> first Prometheus version that accepts it
GROUP_FIELDS: dict[str, Version] = {
    "limit": (2, 31),
    "query_offset": (2, 53),
    "labels": (3, 0),
}
#: rule-level field -> first Prometheus version that accepts it
RULE_FIELDS: dict[str, Version] = {
    "keep_firing_for": (2, 42),
}
DEFAULT_VERSION: Version = (2, 42)


def parse_version(text: str) -> Version:
    """`2.42`, `2.42.0` or `v3.1` -> (major, minor); ValueError naming the expected form."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(?:\.\d+)?", text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a Prometheus version; use MAJOR.MINOR, e.g. 2.42")
    return int(match[1]), int(match[2])


def gate_groups(groups: list[dict[str, Any]], version: Version) -> list[dict[str, Any]]:
    """Copies of ``groups`` without the group and rule fields ``version`` does not support."""
    gated = []
    for group in groups:
        kept = {k: v for k, v in group.items() if k not in GROUP_FIELDS or GROUP_FIELDS[k] <= version}
        kept["rules"] = [
            {k: v for k, v in rule.items() if k not in RULE_FIELDS or RULE_FIELDS[k] <= version}
            for rule in group.get("rules", [])
        ]
        gated.append(kept)
    return gated
