"""Markdown of the rotation-health review (:mod:`burnwise.reports.health`), one section per surface.

Kept apart from the computation so each stays small; the wording puts the verdict and its reasons
first, because the review meeting starts from the rotations that are getting worse.
"""

from __future__ import annotations

from burnwise.reports.health import HealthReport
from burnwise.reports.markdown import percent, table
from burnwise.reports.timing import human


def render_markdown(report: HealthReport) -> str:
    lines = [f"# Rotation health {report.since} to {report.until}", ""]
    if not report.surfaces:
        lines += ["No surfaces to review.", ""]
    for s in report.surfaces:
        verdict = "DEGRADING" if s.degrading else "healthy"
        lines += [f"## {s.surface}: {verdict}", ""]
        if s.reasons:
            lines += [f"- {reason}" for reason in s.reasons] + [""]
        lines += table(
            ["Week from", "Incidents", "Pages", "TTA median"],
            [[w.start, w.incidents, w.pages, human(w.tta_median_seconds)] for w in s.weeks],
        )
        r = s.response
        lines += ["", f"Ack SLA {percent(s.ack.sla_percent)} ({s.ack.sla_met} met, {s.ack.sla_missed} missed); "
                      f"initial response within {human(r.sla_seconds)}: {percent(r.sla_percent)} ({r.sla_met} met, "
                      f"{r.sla_missed} missed, median {human(r.median_seconds)}); {s.escalations} escalation(s); "
                      f"drill participation {percent(s.drill_participation_percent)}; satisfaction "
                      f"{'-' if s.satisfaction_mean is None else f'{s.satisfaction_mean:g}/5'} from {s.surveys} survey(s).",
                  ""]
        lines += table(
            ["Person", "Zone", "Pages", "Out of hours", "Night/weekend/holiday h ahead", "Drills", "Training",
             "Satisfaction", "Load", "Review"],
            [[m.person, m.timezone, m.pages, m.out_of_hours_pages, s.unsocial_hours_ahead.get(m.person),
              m.drills_in_window,
              (f"passes until {m.training_lapses_on}" if m.training_passes else "fails: " + "; ".join(m.training_gaps)),
              m.satisfaction, m.load, m.review]
             for m in s.members],
        )
        if s.fatigue:
            lines += ["", "Follow-on fatigue:", ""]
            lines += [f"- {f.person}: sev1 {', '.join(f'#{i}' for i in f.sev1_incidents)}; primary again from "
                      f"{f.next_primary_shift}" for f in s.fatigue]
        lines.append("")
    return "\n".join(lines)
