"""Screenshots of every console page for docs/console.md, taken from the browser tests' own stack.

Run from the repository root: `.venv/bin/python scripts/console_screenshots.py` (needs Debian's
chromium, prometheus and promtool). It starts the pager stub, a Prometheus with SLO recordings
and a seeded `burnwise serve` (tests/console/consolelib.py), signs in with headless Chromium,
writes docs/console/*.png, and stops everything it started.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.console.consolelib import browser, console_stack, sign_in  # noqa: E402

OUT = REPO / "docs" / "console"


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="burnwise-shots-") as work, console_stack(Path(work)) as stack:
        with browser() as context:
            page = context.new_page()
            page.goto(f"{stack.url}/ui/login")
            page.screenshot(path=str(OUT / "login.png"))
            sign_in(page, stack.url, name="Anna Becker")
            shots = {
                "incidents": "/ui/incidents",
                "incident": f"/ui/incidents/{stack.ids['checkout']}",
                "oncall": "/ui/oncall",
                "slos": "/ui/slos?chart=2m",
                "handoff": "/ui/reports/handoff?surface=payments",
                "load": "/ui/reports/load?since=7d",
            }
            for name, path in shots.items():
                page.goto(stack.url + path)
                page.screenshot(path=str(OUT / f"{name}.png"), full_page=name != "oncall")
            page.set_viewport_size({"width": 390, "height": 844})  # a phone
            page.goto(stack.url + "/ui/incidents")
            page.screenshot(path=str(OUT / "incidents-phone.png"))
    for png in sorted(OUT.glob("*.png")):
        print(png.relative_to(REPO))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
