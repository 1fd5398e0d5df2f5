"""A time-lapse of a real spec: the same SLIs, objectives, alerts and labels, with short windows.

Why: the Workbook's windows are built for hours. A sev1 page of a 30d SLO fires within seconds on a
fresh Prometheus, but it clears only when its 5m window has slid past the outage, and the sev2
tier's 30m window keeps burning for half an hour after that. A demo (and a test) that shows the
resolve must therefore run the *same* spec with shorter windows - done here with the spec's own
``alerting.tiers.<sev>.windows`` override, through the real generator, so nothing about the rules
is simulated. Two choices make it behave like one outage, start to end:

* every long window is divided by ``speedup`` (60: 1h becomes 1m, 6h becomes 6m);
* every tier's short window is the same ``short_window`` (10s): all tiers of an SLO then clear in
  the same rule evaluation after a heal, so the sev1 page never resolves while a sev2 it inhibited
  is still burning (which Alertmanager would then send as a second page).

The burn factors, objectives, SLIs, alert names, labels and annotations are untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from burnwise.generator.loader import LoadedSpec, load_specs
from burnwise.generator.render import render_rule_file
from burnwise.generator.rules import rule_groups
from burnwise.generator.spec import ServiceSpec
from burnwise.generator.windows import tiers_for

DEFAULT_SPEEDUP = 60
DEFAULT_SHORT_WINDOW = 10


@dataclass(frozen=True)
class Timelapse:
    """How much shorter the windows are: long windows / ``speedup``, every short one ``short_window`` s."""

    speedup: int = DEFAULT_SPEEDUP
    short_window: int = DEFAULT_SHORT_WINDOW

    def long(self, seconds: int) -> int:
        return max(self.short_window, int(Decimal(seconds) / Decimal(self.speedup)))

    def describe(self) -> str:
        return f"long windows / {self.speedup} (1h -> {self.long(3600)}s), short windows {self.short_window}s"


def timelapse_spec(spec: ServiceSpec, lapse: Timelapse) -> ServiceSpec:
    """``spec`` with every enabled tier's windows overridden; validated again as a whole."""
    data = spec.model_dump(mode="json", exclude_none=True)
    for slo, slo_data in zip(spec.slos, data["slos"]):
        tiers = slo_data.setdefault("alerting", {}).setdefault("tiers", {})
        for tier in tiers_for(slo):
            tiers.setdefault(tier.name, {})["windows"] = [
                {"factor": str(c.factor), "long": lapse.long(c.long), "short": lapse.short_window}
                for c in tier.conditions
            ]
    return ServiceSpec.model_validate(data)


def render_timelapse_rules(spec_path: Path, lapse: Timelapse, out_dir: Path) -> list[Path]:
    """Load a spec file, time-lapse every service in it, write one rule file per service."""
    written = []
    out_dir.mkdir(parents=True, exist_ok=True)
    loaded: list[LoadedSpec] = load_specs([spec_path])
    for item in loaded:
        spec = timelapse_spec(item.spec, lapse)
        source = f"{item.source} (time-lapse: {lapse.describe()})"
        path = out_dir / f"{spec.service}.timelapse.rules.yaml"
        path.write_text(render_rule_file(rule_groups(spec), source), encoding="utf-8")
        written.append(path)
    return written
