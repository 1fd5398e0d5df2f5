"""Where a command's text goes: a file the user named, or standard output."""

from __future__ import annotations

import sys
from pathlib import Path


def emit(text: str, out: Path | None) -> None:
    """Write ``text`` to ``out`` (creating folders, saying so on stderr) or to stdout."""
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text)
