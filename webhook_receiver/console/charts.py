"""Line charts as inline SVG, drawn on the server: no JavaScript, no chart library to ship.

Why server-side SVG: a budget-over-time or burn-rate chart is one polyline with a few reference
lines; drawing it here keeps the console free of a front-end build and works on any phone.
Text inside the SVG goes through the template's escaping like every other value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

WIDTH, HEIGHT, PAD = 320, 96, 4


@dataclass(frozen=True)
class Chart:
    points: str  # "x,y x,y ..." for <polyline>
    lines: tuple[tuple[float, str], ...]  # (y, label) reference lines
    low: float
    high: float
    first: str
    last: str
    width: int = WIDTH
    height: int = HEIGHT


def line_chart(values: list[tuple[float, float]], references: list[tuple[float, str]] | None = None,
               floor: float | None = None, ceiling: float | None = None) -> Chart | None:
    """(unix seconds, value) points scaled into the box; None with fewer than two points."""
    if len(values) < 2:
        return None
    references = references or []
    ys = [v for _, v in values] + [r for r, _ in references]
    low = min(ys) if floor is None else min(floor, min(ys))
    high = max(ys) if ceiling is None else max(ceiling, max(ys))
    if high == low:
        high = low + 1
    t0, t1 = values[0][0], values[-1][0]
    span = (t1 - t0) or 1

    def x(t: float) -> float:
        return PAD + (t - t0) / span * (WIDTH - 2 * PAD)

    def y(v: float) -> float:
        return HEIGHT - PAD - (v - low) / (high - low) * (HEIGHT - 2 * PAD)

    def stamp(t: float) -> str:
        return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")

    return Chart(
        points=" ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in values),
        lines=tuple((round(y(r), 1), label) for r, label in references),
        low=low,
        high=high,
        first=stamp(t0),
        last=stamp(t1),
    )
