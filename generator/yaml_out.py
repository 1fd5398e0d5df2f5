"""One YAML writer for every generated file: libyaml's C emitter where it writes PyYAML's bytes.

Generated files are committed and compared byte for byte (`burnwise check`), so their bytes must
not depend on whether the machine's PyYAML was built with libyaml. PyYAML's pure-Python emitter
defines the output. libyaml's emitter (about five times faster, and the emitter is most of the
cost of `burnwise generate`) writes a document only when it is known to produce the same bytes:

* settings both emitters honour alike: block style, keys in the order given, no line wrapping,
  Unicode as is, and PyYAML's default indentation (libyaml cannot indent a sequence inside a
  mapping, so the pure emitter does not either);
* a libyaml version whose output was compared with PyYAML's (:data:`VERIFIED_LIBYAML`);
* no scalar on which the two are known to disagree: characters outside printable ASCII, newline
  and printable BMP (libyaml escapes NEL and characters beyond U+FFFF that PyYAML writes as is;
  tabs and other control characters are left to PyYAML too, as libyaml releases differ on tabs in
  block scalars), no string ending in two line breaks
  (libyaml closes a document holding a ``|+`` block with ``...``), and no mapping key that is
  empty, multi-line, non-ASCII or long (the emitters' limits for simple keys differ).

Anything else goes to the pure emitter, so a rare document costs time, never a different byte.
Before either, `auto` tries :mod:`burnwise.generator.yaml_direct`, which writes the common
documents (short ASCII strings, numbers, literal expressions) directly with PyYAML's bytes and
declines everything else.
``tests/generator/test_yaml_out.py`` compares both emitters on the committed outputs and on
generated documents.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

from burnwise.generator import yaml_direct

#: No line wrapping (expressions stay on one line; a long line is easier to review than a fold).
WIDTH = 1 << 30
#: libyaml versions whose output was compared with the pure emitter's (tests/generator/test_yaml_out.py).
VERIFIED_LIBYAML = frozenset({"0.2.5", "0.2.6"})
#: Set to ``pure`` to force the pure-Python emitter (e.g. to compare the two by hand).
EMITTER_ENV = "BURNWISE_YAML_EMITTER"
#: Longest mapping key written by libyaml: PyYAML's limit is 128 characters including the tag,
#: libyaml's 128 bytes without it.
MAX_FAST_KEY = 100
_SAFE_SCALAR = re.compile("[\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd]*")

Representer = Callable[[Any, Any], yaml.Node]


@functools.cache
def libyaml_version() -> str | None:
    """The libyaml version PyYAML was built with, or None without libyaml."""
    if not getattr(yaml, "__with_libyaml__", False):
        return None
    from yaml import _yaml  # type: ignore[attr-defined]

    return _yaml.get_version_string()


def libyaml_usable() -> bool:
    """Whether `auto` dumps use libyaml on this machine (a verified version, not switched off)."""
    return libyaml_version() in VERIFIED_LIBYAML and os.environ.get(EMITTER_ENV, "auto") != "pure"


def emitter_name() -> str:
    """What `auto` uses here, for reports: ``libyaml 0.2.5`` or ``pure-Python``."""
    return f"libyaml {libyaml_version()}" if libyaml_usable() else "pure-Python"


class _Guard:
    """Mixin for the C dumper: notes scalars and keys on which libyaml may not write PyYAML's bytes."""

    needs_pure = False

    def represent_scalar(self, tag, value, style=None):
        if not (value.isascii() and value.isprintable()):
            if _SAFE_SCALAR.fullmatch(value) is None or value.endswith("\n") and value[-2:-1] in ("", "\n"):
                # the second: a literal block kept with `|+`, after which libyaml ends the document with `...`
                self.needs_pure = True
        return super().represent_scalar(tag, value, style)  # type: ignore[misc]

    def represent_mapping(self, tag, mapping, flow_style=None):
        node = super().represent_mapping(tag, mapping, flow_style)  # type: ignore[misc]
        for key, _value in node.value:
            text = key.value if isinstance(key, yaml.ScalarNode) else ""
            if not (0 < len(text) <= MAX_FAST_KEY and text.isascii() and text.isprintable()):
                self.needs_pure = True
        return node


def _dump(dumper_class: type, data: Any, guarded: bool = False) -> str | None:
    """The steps of ``yaml.dump``. ``guarded``: None, before libyaml sees anything, when the guard
    found a scalar or key libyaml may write differently (or cannot encode, like a lone surrogate)."""
    stream = io.StringIO()
    dumper = dumper_class(stream, default_flow_style=False, allow_unicode=True, width=WIDTH, sort_keys=False)
    try:
        dumper.open()
        node = dumper.represent_data(data)
        if guarded and dumper.needs_pure:
            return None
        dumper.serialize(node)
        dumper.close()
    finally:
        dumper.dispose()
    return stream.getvalue()


class YamlStyle:
    """The representers of one kind of generated file, bound to both emitters.

    ``representers`` maps a Python type to a PyYAML representer; both dumpers get the same ones,
    so only the emitter differs between them.
    """

    def __init__(
        self, name: str, representers: Mapping[type, Representer], direct: Callable[[Any], str | None] | None = None
    ) -> None:
        self.name = name
        self.direct = direct
        self.pure: type = type(f"{name}PureDumper", (yaml.SafeDumper,), {})
        self.fast: type | None = None
        if getattr(yaml, "__with_libyaml__", False):
            self.fast = type(f"{name}LibyamlDumper", (_Guard, yaml.CSafeDumper), {})
        for kind, representer in representers.items():
            for dumper in (self.pure, self.fast):
                if dumper is not None:
                    dumper.add_representer(kind, representer)

    def dump(self, data: Any, emitter: str = "auto") -> str:
        """YAML text of ``data``. ``emitter``: ``auto`` (libyaml where it gives the pure bytes),
        ``pure``, or ``libyaml`` (unguarded, for comparing the two)."""
        if emitter == "auto" and self.direct is not None and os.environ.get(EMITTER_ENV, "auto") != "pure":
            text = self.direct(data)  # the direct writer: PyYAML's bytes, or None when unsure
            if text is not None:
                return text
        if emitter == "pure" or (emitter == "auto" and not libyaml_usable()):
            return _dump(self.pure, data)  # type: ignore[return-value]
        if self.fast is None:
            raise RuntimeError("PyYAML was built without libyaml")
        text = _dump(self.fast, data, guarded=emitter == "auto")
        return _dump(self.pure, data) if text is None else text  # type: ignore[return-value]


def _literal_multiline(dumper, value: str) -> yaml.ScalarNode:
    """Multi-line strings (long PromQL expressions) as literal blocks, the rest as PyYAML chooses."""
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _promtool_float_text(value: float) -> tuple[str, str]:
    """Floats the way promtool parses them: whole numbers as ints, exponents with a dot, no NaN."""
    if math.isnan(value) or math.isinf(value):
        raise ValueError("NaN and Inf cannot be expected sample values in a promtool test file")
    if value.is_integer() and abs(value) < 1e15:
        return "tag:yaml.org,2002:int", str(int(value))
    text = repr(value)
    if "e" in text and "." not in text:  # YAML 1.1 floats need a dot: 1e-05 -> 1.0e-05
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return "tag:yaml.org,2002:float", text


def _promtool_float(dumper, value: float) -> yaml.Node:
    return dumper.represent_scalar(*_promtool_float_text(value))


#: Rule files, alertmanager.yaml and other configs (:func:`burnwise.generator.render.dump_yaml`).
RULES_STYLE = YamlStyle("Rule", {str: _literal_multiline}, lambda data: yaml_direct.write(data, literal_multiline=True))
#: promtool unit-test files (:meth:`burnwise.generator.promtool.rule_tests.RuleTestFile.to_yaml`).
TEST_FILE_STYLE = YamlStyle(
    "TestFile", {float: _promtool_float}, lambda data: yaml_direct.write(data, literal_multiline=False, float_text=_promtool_float_text)
)
