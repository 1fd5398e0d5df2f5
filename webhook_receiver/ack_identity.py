"""Who is acknowledging: a roster person, a person an API token belongs to, or a declared guest.

Why: an acknowledgement stops escalation and the load report credits it, so ``by`` must name
somebody real. With a roster loaded, ``by`` must be a person's id or name (matched without case);
a token listed in ``ack_tokens`` (``{token: person id}``) acknowledges as its person. Anyone else
is refused with the list of known ids, unless the request says ``as_guest`` - then the ack is
recorded as ``guest:<name>`` so no roster person is credited with it. Without any roster there is
nobody to check against: the name is recorded as given (the timeline marks it unverified).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from burnwise.receiver.auth import token_matches

from burnwise.roster.directory import Directory


class UnknownName(Exception):
    """A name (``by``, a page target) that names nobody known; answered 422 with the known names."""

    def __init__(self, message: str, known: list[str]) -> None:
        super().__init__(message)
        self.known = known


@dataclass(frozen=True)
class Acker:
    by: str  #: what is stored as ``acknowledged_by``: a person id, ``guest:<name>`` or the name given
    verified: bool
    how: str  #: roster, token, guest or unverified (timeline ``data.identity``)


def token_person(authorization: str | None, ack_tokens: Mapping[str, str]) -> str | None:
    """The person whose own API token the request carries (None when it carries none of them)."""
    for token, person in sorted(ack_tokens.items()):
        if token and authorization and token_matches(authorization, token):
            return person
    return None


def identify(directory: Directory | None, ack_tokens: Mapping[str, str], authorization: str | None, by: str | None, as_guest: bool) -> Acker:
    person = token_person(authorization, ack_tokens)
    if person is not None:
        if by and by.casefold() != person.casefold():
            raise UnknownName(f"this token acknowledges as {person!r}, not {by!r}; omit 'by' or use your own token", [person])
        return Acker(person, True, "token")
    if not by:
        raise UnknownName("say who acknowledges: 'by' (a roster person id) or a personal API token", _known(directory))
    roster = directory.roster if directory is not None else None
    if roster is None:
        return Acker(by, False, "unverified")
    for candidate in roster.people:
        if by.casefold() in (candidate.id.casefold(), candidate.name.casefold()):
            return Acker(candidate.id, True, "roster")
    if as_guest:
        return Acker(f"guest:{by}", False, "guest")
    raise UnknownName(
        f"{by!r} is not a person in the roster; acknowledge as one of the known ids, "
        "or as a guest (--as-guest, or \"as_guest\": true)",
        _known(directory),
    )


def _known(directory: Directory | None) -> list[str]:
    roster = directory.roster if directory is not None else None
    return sorted(p.id for p in roster.people) if roster is not None else []
