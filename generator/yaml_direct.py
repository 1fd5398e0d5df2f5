"""A direct writer for generated YAML: PyYAML's bytes for the documents burnwise writes, faster.

Why: building a PyYAML node for each of the ~750,000 scalars of a 1,000-SLO repository, then
emitting it, was most of the time of `burnwise generate` even with libyaml. Generated documents
are plain block mappings and sequences of short strings and numbers, a shape whose output is
fully determined by a few rules of PyYAML's emitter (block style, indentless sequences inside
mappings, ``[]``/``{}`` for empty collections, plain scalars unless an indicator or an implicit
type forbids it, then single quotes; literal ``|-`` blocks for multi-line expressions where the
style asks for them). This module writes exactly that, and only that: any value outside the
subset whose bytes are known (a scalar that is not printable ASCII, a multi-line string it does not
write as a literal block, a long or odd key, a container that appears twice, which PyYAML writes
with an anchor, an unknown type) makes :func:`write` return None, and the caller uses PyYAML.

The rules are PyYAML's own (``Emitter.analyze_scalar`` and ``choose_scalar_style``; the implicit
resolvers are read from PyYAML itself), and ``tests/generator/test_yaml_out.py`` proves the
bytes equal to PyYAML's on every committed file, every producer and format, the benchmark corpus
and random documents.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import yaml

_STR = "tag:yaml.org,2002:str"
#: Longest key written here (PyYAML writes keys of 128 characters and more as complex keys).
MAX_KEY = 100
_PRINTABLE = re.compile("[\x20-\x7e]*")
_FIRST_INDICATORS = frozenset("#,[]{}&*!|>'\"%@`")
_RESOLVERS = yaml.SafeDumper.yaml_implicit_resolvers


class _Unknown(Exception):
    """A value whose PyYAML bytes this writer does not know."""


def _implicit_tag(value: str) -> str:
    """The tag PyYAML's resolver gives ``value`` as a plain scalar (as ``Resolver.resolve``)."""
    resolvers = _RESOLVERS.get("", []) if value == "" else _RESOLVERS.get(value[0], [])
    for tag, regexp in list(resolvers) + list(_RESOLVERS.get(None, [])):
        if regexp.match(value):
            return tag
    return _STR


def _plain_ok(value: str) -> bool:
    """Whether PyYAML writes the one-line printable-ASCII ``value`` plain in block context."""
    if not value or value[0] == " " or value[-1] == " ":
        return False
    if value.startswith(("---", "...")) or value[0] in _FIRST_INDICATORS:
        return False
    if value[0] in "?:-" and (len(value) == 1 or value[1] == " "):
        return False
    if ": " in value or value.endswith(":") or " #" in value:
        return False
    return _implicit_tag(value) == _STR


_cache: dict[str, str] = {}
_keys: dict[object, str] = {}  # mapping keys as written, with their colon


def _string(value: str) -> str:
    """A one-line printable-ASCII string as PyYAML writes it: plain, else single-quoted."""
    text = _cache.get(value)
    if text is None:
        if _PRINTABLE.fullmatch(value) is None:
            raise _Unknown(value)
        text = value if _plain_ok(value) else "'" + value.replace("'", "''") + "'"
        if len(_cache) < 1 << 18:
            _cache[value] = text
    return text


def _literal(value: str, indent: int) -> str:
    """A multi-line string as a ``|-`` literal block whose lines start at column ``indent``."""
    lines = value.split("\n")
    if (
        value[0] == " "
        or value[-1] in " \n"
        or " \n" in value
        or "" in lines
        or any(_PRINTABLE.fullmatch(line) is None for line in lines)
    ):
        raise _Unknown(value)
    pad = " " * indent
    return "|-\n" + "\n".join(pad + line for line in lines)


def _plain_number(tag: str, text: str) -> str:
    if _implicit_tag(text) != tag:
        raise _Unknown(text)
    return text


def _int(value: int) -> str:
    return _plain_number("tag:yaml.org,2002:int", str(value))


class _Writer:
    def __init__(self, literal_multiline: bool, float_text: Callable[[float], tuple[str, str]] | None) -> None:
        self.literal = literal_multiline
        self.float_text = float_text
        self.seen: set[int] = set()
        self.out: list[str] = []

    def scalar(self, value: object, indent: int) -> str:
        """The scalar's text on its line (a literal block continues on the next lines)."""
        if isinstance(value, str):
            if "\n" in value:
                if not self.literal:
                    raise _Unknown(value)
                return _literal(value, indent)
            return _string(value)
        if value is True:
            return "true"
        if value is False:
            return "false"
        if value is None:
            return "null"
        if type(value) is int:
            return _int(value)
        if type(value) is float and self.float_text is not None:
            tag, text = self.float_text(value)
            return _plain_number(tag, text)
        raise _Unknown(value)

    def container(self, value: object) -> bool:
        if type(value) in (dict, list):
            if id(value) in self.seen:
                raise _Unknown("the same container twice (PyYAML writes an anchor)")
            self.seen.add(id(value))
            return True
        if isinstance(value, (dict, list, tuple, set)):
            raise _Unknown(type(value))
        return False

    def key(self, key: object) -> str:
        text = _keys.get(key)  # type: ignore[arg-type]
        if text is None:
            if not isinstance(key, str) or "\n" in key or not 0 < len(key) <= MAX_KEY:
                raise _Unknown(key)
            text = _string(key) + ":"
            if len(_keys) < 4096:
                _keys[key] = text
        return text

    def mapping(self, data: dict, indent: int, first_prefix: str | None) -> None:
        """Lines of a block mapping at column ``indent``; the first line starts with
        ``first_prefix`` (a sequence item's dash) instead of the indentation."""
        pad = " " * indent
        for n, (key, value) in enumerate(data.items()):
            head = (first_prefix if n == 0 and first_prefix is not None else pad) + self.key(key)
            self.value(head, value, indent)

    def value(self, head: str, value: object, indent: int) -> None:
        if type(value) is str and "\n" not in value:  # the common case first
            text = _cache.get(value)
            self.out.append(head + " " + (text if text is not None else _string(value)))
        elif self.container(value):
            if not value:
                self.out.append(head + (" {}" if isinstance(value, dict) else " []"))
            elif isinstance(value, dict):
                self.out.append(head)
                self.mapping(value, indent + 2, None)
            else:
                self.out.append(head)
                self.sequence(value, indent)  # indentless: items at the key's column
        else:
            self.out.append(head + " " + self.scalar(value, indent + 2))

    def sequence(self, items: list, indent: int) -> None:
        pad = " " * indent
        for item in items:
            if self.container(item):
                if not item:
                    self.out.append(pad + ("- {}" if isinstance(item, dict) else "- []"))
                elif isinstance(item, dict):
                    self.mapping(item, indent + 2, pad + "- ")
                else:
                    raise _Unknown("a sequence inside a sequence")
            else:
                self.out.append(pad + "- " + self.scalar(item, indent + 2))


def write(data: object, literal_multiline: bool, float_text: Callable[[float], tuple[str, str]] | None = None) -> str | None:
    """PyYAML's block-style text of the mapping ``data`` (``default_flow_style=False``, no
    wrapping, keys in order), or None when it holds anything whose bytes are not known here.

    ``literal_multiline``: multi-line strings as ``|-`` blocks (the rule files' representer);
    ``float_text``: the style's float representer as (tag, text), None to refuse floats."""
    if type(data) is not dict or not data:
        return None
    writer = _Writer(literal_multiline, float_text)
    try:
        writer.seen.add(id(data))
        writer.mapping(data, 0, None)
    except _Unknown:
        return None
    return "\n".join(writer.out) + "\n"
