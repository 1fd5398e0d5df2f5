"""Markdown and JSON output shared by every report.

Why shared: the four reports are pasted into the same places (tickets, wiki pages, chat), so their
tables and lines escape user text the same way (HTML, Markdown control characters and terminal
control bytes never pass: :mod:`burnwise.textsafe`), and their JSON is always sorted and indented the same way so two
runs over the same records give the same bytes.
"""

from __future__ import annotations

import json

from pydantic import BaseModel

from burnwise.textsafe import markdown


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: HTML, pipes and emphasis escaped, control bytes and line breaks gone."""
    if value is None:
        return "-"
    return markdown(str(value), block=False)


def md(value: object) -> str:
    """User text (labels, notes, names) for a Markdown line of its own: see :func:`burnwise.textsafe.markdown`."""
    return "-" if value is None else markdown(str(value))


def table(headers: list[str], rows: list[list[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table (lines), or a one-line '_none_' when there are no rows."""
    if not rows:
        return ["_none_"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return lines


def to_json(report: BaseModel) -> str:
    """Deterministic JSON: sorted keys, two-space indent, trailing newline."""
    return json.dumps(report.model_dump(mode="json"), indent=2, sort_keys=True) + "\n"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:g}%"
