"""Text from outside (labels, annotations, timeline notes) made safe for each place it is shown.

Why one module: label values come from whoever writes alerting rules or sends a webhook, and end up
in databases, pager links, Markdown reports and terminals. Each sink has its own dangerous bytes:
lone surrogates and NUL break the databases, ``javascript:``/``data:`` URLs run code when clicked,
``<script>`` and ``#`` change a Markdown document, ESC bytes drive a terminal. Every sink asks here.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from burnwise.promql.matchers import quote

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# C0 controls except tab and newline, DEL, and C1 controls (CSI etc.), plus bidi overrides
_TERMINAL_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# always: backslash, code, emphasis, links, table pipes, strikethrough; "_" only at a word edge
# (intraword underscores never emphasise, and identifiers such as checkout_api stay readable)
_MARKDOWN_INLINE = re.compile(r"([\\`*\[\]|~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_MARKDOWN_BLOCK = re.compile(r"^(\d+(?=[.)][ ]|[.)]$)|)([#+=.)>-])")
# "<" that could open a tag, comment or processing instruction ("< 1" stays as written)
_HTML_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
SAFE_URL_SCHEMES = ("http", "https")


def storable(text: str) -> str:
    """``text`` with lone surrogates and NUL replaced by U+FFFD: what every database can store."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def storable_tree(value):
    """Apply :func:`storable` to every string (keys too) in a parsed JSON value."""
    if isinstance(value, str):
        return storable(value)
    if isinstance(value, dict):
        return {storable(k) if isinstance(k, str) else k: storable_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [storable_tree(v) for v in value]
    return value


def terminal(text: str) -> str:
    """``text`` without control bytes (ESC, CR, BEL, C1, bidi overrides) a terminal would act on."""
    return _TERMINAL_UNSAFE.sub(REPLACEMENT, storable(text))


def markdown(text: str, *, block: bool = True) -> str:
    """User text as inert inline Markdown: one line, no HTML tag, emphasis/link/code characters escaped.

    ``block`` also escapes a leading heading, list or quote marker (``# x`` after ``- `` or ``> ``
    still starts a heading); table cells pass ``block=False``, where those markers are plain text.
    """
    text = " ".join(terminal(text.replace("\r", " ")).split())
    text = _HTML_OPEN.sub("&lt;", _MARKDOWN_INLINE.sub(r"\\\1", text))
    return _MARKDOWN_BLOCK.sub(r"\1\\\2", text) if block else text


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) URL with a host and no control characters, else None."""
    if not url or not isinstance(url, str):
        return None
    candidate = url.strip()
    if _TERMINAL_UNSAFE.search(candidate) or _UNSTORABLE.search(candidate) or any(c.isspace() for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_URL_SCHEMES or not parts.netloc:
        return None
    return candidate


def promql_string(value: str) -> str:
    """A label value as a double-quoted PromQL/Alertmanager matcher string (backslash, quote, newline escaped)."""
    return quote(value)


def safe_links(links: list | None) -> list[dict]:
    """Only the ``{"href", "text"}`` links whose href passes :func:`safe_url` (pages built from old rows too)."""
    return [link for link in links or [] if isinstance(link, dict) and safe_url(link.get("href"))]
