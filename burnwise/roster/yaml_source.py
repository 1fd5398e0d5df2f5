"""Read roster and catalog YAML without YAML 1.1 surprises.

PyYAML follows YAML 1.1, where an unquoted ``10:30`` is the base-60 integer 630 and ``no`` is
False. A handoff time must stay a time, so this loader resolves integers the YAML 1.2 way
(decimal only) and leaves everything else as PyYAML does.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from burnwise.errors import BurnwiseError


class _Loader(yaml.SafeLoader):
    """SafeLoader whose integers are plain decimal (no sexagesimal ``10:30``)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:int"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9_]*)$"), list("-+0123456789")
)


def read_yaml(path: Path) -> object:
    """Parse one YAML file; a missing file or a syntax error becomes a BurnwiseError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BurnwiseError(f"{path}: file not found: create it or pass the right path") from None
    except OSError as exc:
        raise BurnwiseError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise BurnwiseError(f"{path}:{where}: not valid YAML: {problem}") from None
