"""Configuration files for the demo's Prometheus and Alertmanager, written into the run's directory.

Why generated here: both point at ports chosen at run time. Prometheus' file is small and specific
to the demo (one scrape job named ``checkout`` so the spec's ``job="checkout"`` selectors match,
the time-lapse rule files, one Alertmanager). Alertmanager's comes from burnwise's own generator
(:mod:`burnwise.generator.alertmanager`, the same code as ``burnwise alertmanager-config``) with the demo's
receiver URL, token file and short group timings, so the demo exercises the routing users deploy.
"""

from __future__ import annotations

from pathlib import Path

from burnwise.generator.alertmanager import (
    Options,
    Timing,
    render_config,
)
from burnwise.commands.roster_claims import load_surface_claims
from burnwise.durations import format_duration
from burnwise.generator.loader import load_specs
from burnwise.generator.render import dump_yaml


def prometheus_config(
    *,
    service_target: str,
    alertmanager_target: str,
    rule_files: list[Path],
    scrape_interval: int,
    evaluation_interval: int,
) -> str:
    """``prometheus.yml``: scrape the demo service as job ``checkout``, send alerts to one Alertmanager."""
    config = {
        "global": {
            "scrape_interval": format_duration(scrape_interval),
            "scrape_timeout": format_duration(scrape_interval),
            "evaluation_interval": format_duration(evaluation_interval),
        },
        "rule_files": [path.as_posix() for path in rule_files],
        "scrape_configs": [{"job_name": "checkout", "static_configs": [{"targets": [service_target]}]}],
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_target]}]}]},
    }
    return "# Written by burnwise demo for one run.\n" + dump_yaml(config)


def alertmanager_config(
    *,
    spec_paths: list[Path],
    roster: Path | None,
    receiver_url: str,
    credentials_file: Path,
    group_wait: int,
    group_interval: int,
    muted_group_interval: int,
    repeat_interval: int = 3600,
) -> str:
    """The Alertmanager file ``burnwise alertmanager-config --full`` would write, with demo timings.

    sev1 gets the short ``group_interval`` (its resolve must arrive quickly). sev2 and sev3, which
    a firing sev1 inhibits, get ``muted_group_interval``: after a heal the tiers' burn rates cross
    their thresholds within one or two rule evaluations of each other, and a sev2 group flushed in
    that gap - sev1 already resolved, sev2 not yet - would page a second time for the same outage.
    ``group_wait`` should cover two rule evaluations, so that a sev2 that fires one evaluation
    before sev1 at the start of a burn is already inhibited when its group is first flushed.
    """
    fast = Timing(group_wait=group_wait, group_interval=group_interval, repeat_interval=repeat_interval)
    muted = Timing(group_wait=group_wait, group_interval=muted_group_interval, repeat_interval=repeat_interval)
    options = Options(
        receiver_url=receiver_url,
        credentials_file=credentials_file.as_posix(),
        full=True,
        timings={"sev1": fast, "sev2": muted, "sev3": muted},
    )
    specs = load_specs(spec_paths)
    claims = load_surface_claims(roster) if roster is not None else []
    return render_config(specs, claims, options, roster.as_posix() if roster is not None else None)
