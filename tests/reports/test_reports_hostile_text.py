"""Issue 16: user text in reports is inert - no raw HTML, no injected Markdown blocks, no escape bytes.

Timeline notes, resolve notes and label values come from anyone who can send an alert or a note;
handoff notes and postmortems are pasted into wikis and read in terminals.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from burnwise.receiver.store import Store

from burnwise.textsafe import markdown, safe_url, terminal
from tests.reports.conftest import AT

HOSTILE = "fine\n# Injected heading\n<script>alert(1)</script> \x1b[2J\x1b]0;pwned\x07 [click](javascript:alert(1)) *bold* | cell"


def assert_inert(text: str) -> None:
    assert "<script" not in text and "\x1b" not in text and "\x07" not in text
    assert not any(line.lstrip("> -").startswith("# Injected") for line in text.splitlines()), text
    assert not re.search(r"(?<!\\)\]\(javascript:", text), "an unescaped javascript: link"


def test_postmortem_and_handoff_escape_user_text(seeded, run_cli):
    incident = seeded.ids["P6"]  # still open: it is in the handoff's open incidents
    store = Store.from_url(seeded.url)
    try:
        at = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
        store.add_timeline(incident, "mitigation", HOSTILE, "carla\x1b[31m", now=at)
        store.add_timeline(incident, "note", HOSTILE, "carla", now=at)
    finally:
        store.engine.dispose()
    code, text, err = run_cli("postmortem", str(incident), "--database-url", seeded.url)
    assert code == 0, err
    assert_inert(text)
    assert "&lt;script>" in text and "\\# Injected" not in text.split("## Timeline")[0]
    code, text, err = run_cli("handoff", "--surface", "payments", *AT, *seeded.args())
    assert code == 0, err
    assert_inert(text)
    assert "&lt;script>alert(1)&lt;/script>" in text


def test_escaping_rules():
    assert markdown("# h") == "\\# h" and markdown("- item") == "\\- item" and markdown("1. x") == "1\\. x"
    assert markdown("a\nb\r\nc") == "a b c"
    assert markdown("checkout_api _em_ *b* `c` [l](u) <b>& > 600") == "checkout_api \\_em\\_ \\*b\\* \\`c\\` \\[l\\](u) &lt;b>& > 600"
    assert markdown("> quoted") == "\\> quoted"
    assert terminal("ok\x1b[31mred\x9b\u202e\ttab\n") == "ok\ufffd[31mred\ufffd\ufffd\ttab\n"
    for bad in ("javascript:alert(1)", " JavaScript:x", "data:text/html,x", "vbscript:x", "http:///nohost", "//evil", "http://a b", "http://a\x00b", ""):
        assert safe_url(bad) is None, bad
    assert safe_url("https://grafana.example/d/x?a=1#f") == "https://grafana.example/d/x?a=1#f"


def test_error_messages_reach_the_terminal_without_escape_bytes(run_cli, tmp_path):
    spec = tmp_path / "evil\x1b[2J.yaml"
    spec.write_text("service: [\n", encoding="utf-8")
    code, _, err = run_cli("check", str(spec))
    assert code != 0 and "evil" in err and "\x1b" not in err, repr(err)
