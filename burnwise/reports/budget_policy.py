"""Which error-budget policy governs an SLO: the spec's, else the roster surface's, else the default.

Why one resolver: the deploy gate, its JSON and the receiver's breach records must agree on the
threshold and the allowed change kinds of each SLO. Order: the SLO's own ``policy:`` in the spec,
the service's ``policy:``, the owning roster surface's ``budget_policy:`` (the older place, kept as
fallback), then the default (freeze at 0%, allow reliability). Command-line flags override the
result for every SLO and say so in the source.
"""

from __future__ import annotations

from pydantic import BaseModel

from burnwise.percent import parse_percent
from burnwise.reports.slos import SLORef

DEFAULT_FREEZE_BELOW = "0%"
DEFAULT_ALLOW = ("reliability",)


class PolicyUsed(BaseModel):
    freeze_below: float
    allow: list[str]
    source: str


def policy_for(ref: SLORef, surface_policy=None, surface_name: str | None = None,
               freeze_below: str | None = None, allow: list[str] | None = None) -> PolicyUsed:
    """The policy of one SLO; ``freeze_below``/``allow`` are command-line overrides (ValueError on a bad percent)."""
    if ref.slo.policy is not None:
        chosen, source = ref.slo.policy, f"spec {ref.spec.service}/{ref.slo.name}"
    elif ref.spec.policy is not None:
        chosen, source = ref.spec.policy, f"spec service {ref.spec.service}"
    elif surface_policy is not None:
        chosen, source = surface_policy, f"roster surface {surface_name!r}"
    else:
        chosen, source = None, "default"
    threshold = parse_percent(chosen.freeze_below if chosen else DEFAULT_FREEZE_BELOW)
    kinds = list(chosen.allow) if chosen else list(DEFAULT_ALLOW)
    if freeze_below:
        threshold = parse_percent(freeze_below)
    if allow is not None:
        kinds = list(allow)
    if freeze_below or allow is not None:
        source = "command line" if source == "default" else f"{source}, overridden on the command line"
    return PolicyUsed(freeze_below=threshold, allow=kinds, source=source)
