"""Synthetic burnwise/v1 spec files for the generation benchmark: many services, many SLOs.

The corpus mixes the SLI kinds and periods real teams use (events and latency SLIs; 30d, 28d and
7d periods; some with min_events, some with a tier disabled), so generation time is measured on
the full code path, not on the cheapest spec. The text is deterministic for a given size.
"""

from __future__ import annotations

from pathlib import Path

PERIODS = ("30d", "28d", "7d")
OBJECTIVES = ("99.9", "99.5", "99", "99.95")


def slo_block(service: str, index: int) -> str:
    """One SLO entry; the kind and settings rotate with `index`."""
    period = PERIODS[index % len(PERIODS)]
    objective = OBJECTIVES[index % len(OBJECTIVES)]
    lines = [
        f"  - name: slo-{index:03d}",
        f"    objective: {objective}",
        f"    period: {period}",
        f"    description: Synthetic SLO {index} of {service}.",
    ]
    if index % 5 == 3:
        lines.append("    min_events: 100")
    if index % 2 == 0:
        lines += [
            "    sli:",
            "      events:",
            f"        error_query: sum(rate(http_requests_total{{job=\"{service}\",handler=\"/h{index}\",code=~\"5..\"}}[{{{{.window}}}}]))",
            f"        total_query: sum(rate(http_requests_total{{job=\"{service}\",handler=\"/h{index}\"}}[{{{{.window}}}}]))",
        ]
    else:
        lines += [
            "    sli:",
            "      latency:",
            "        metric: http_request_duration_seconds",
            f"        selector: '{{job=\"{service}\",handler=\"/h{index}\"}}'",
            "        threshold: 0.3",
        ]
    lines += [
        "    alerting:",
        f"      runbook_url: https://runbooks.example.com/{service}/slo-{index:03d}",
    ]
    if index % 7 == 6:
        lines += ["      tiers:", "        sev1:", "          disable: true"]
    return "\n".join(lines)


def spec_text(file_index: int, slos_per_file: int) -> str:
    service = f"svc{file_index:03d}"
    head = [
        "version: burnwise/v1",
        f"service: {service}",
        f"owner: team-{file_index % 10}",
        "labels:",
        f"  team: team-{file_index % 10}",
        "slos:",
    ]
    blocks = [slo_block(service, i) for i in range(slos_per_file)]
    return "\n".join(head) + "\n" + "\n\n".join(blocks) + "\n"


def write_corpus(directory: Path, files: int, slos_per_file: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        path = directory / f"svc{i:03d}.yaml"
        path.write_text(spec_text(i, slos_per_file), encoding="utf-8")
        paths.append(path)
    return paths
