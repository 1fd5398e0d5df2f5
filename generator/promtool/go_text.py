"""Values as promtool prints them, read back: Go's strconv.Quote strings, ``labels.String()`` label
sets, ``FormatFloat('E')`` numbers, Prometheus durations.

Kept apart from the output parsers because the same reading is needed wherever promtool's text
meets Python: failure messages, backtest samples, the tests' own expectations.
"""

from __future__ import annotations


_SIMPLE_ESCAPES = {
    "a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v",
    "\\": "\\", '"': '"', "'": "'",
}


def read_go_quoted(text: str, pos: int) -> tuple[str, int]:
    """Read a Go ``strconv.Quote`` string starting at ``text[pos] == '"'``.

    Returns the decoded string and the index just after the closing quote. Raises ValueError when
    the text is not a complete quoted string.
    """
    if pos >= len(text) or text[pos] != '"':
        raise ValueError(f"expected '\"' at {pos}")
    out = bytearray()
    i = pos + 1
    while i < len(text):
        char = text[i]
        if char == '"':
            return out.decode("utf-8", errors="replace"), i + 1
        if char != "\\":
            out += char.encode("utf-8")
            i += 1
            continue
        if i + 1 >= len(text):
            break
        esc = text[i + 1]
        if esc in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[esc].encode("utf-8")
            i += 2
        elif esc == "x":
            out.append(int(text[i + 2 : i + 4], 16))
            i += 4
        elif esc in "uU":
            width = 4 if esc == "u" else 8
            out += chr(int(text[i + 2 : i + 2 + width], 16)).encode("utf-8")
            i += 2 + width
        elif esc in "01234567":
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
        else:
            raise ValueError(f"unknown escape \\{esc}")
    raise ValueError("unterminated quoted string")


def read_labels(text: str, pos: int = 0) -> tuple[dict[str, str], int]:
    """Read a Prometheus label set as ``labels.String()`` prints it: ``{a="x", b="y"}``."""
    if pos >= len(text) or text[pos] != "{":
        raise ValueError(f"expected '{{' at {pos}")
    labels: dict[str, str] = {}
    i = pos + 1
    if text.startswith("}", i):
        return labels, i + 1
    while True:
        eq = text.find("=", i)
        if eq < 0:
            raise ValueError("label without '='")
        name = text[i:eq]
        value, i = read_go_quoted(text, eq + 1)
        labels[name] = value
        if text.startswith(", ", i):
            i += 2
        elif text.startswith("}", i):
            return labels, i + 1
        else:
            raise ValueError(f"unexpected text after label {name!r}")


def parse_labels(text: str) -> dict[str, str]:
    labels, end = read_labels(text.strip())
    if end != len(text.strip()):
        raise ValueError("trailing text after label set")
    return labels


def format_labels(labels: dict[str, str]) -> str:
    """Labels in Prometheus notation, sorted by name, values quoted like promtool does."""
    inner = ", ".join(f"{name}={_quote(labels[name])}" for name in sorted(labels))
    return "{" + inner + "}"


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def format_value(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "+Inf" if value > 0 else "-Inf"
    return repr(value) if value != int(value) or abs(value) >= 1e16 else str(int(value))
