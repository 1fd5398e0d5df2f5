"""The one error base every part of burnwise raises for a mistake the user can fix.

It sits on the ground floor: the generator, the receiver, the roster and the reports subclass it
(``SpecError``, ``ConfigError``, ``OncallFileError``, ...) and never decide how it is shown. Only
the edges (the CLI, the HTTP routers) map it to an exit code or a status, which keeps library code
usable from tests, the demo and other programs without a terminal in mind. The message alone must
say what is wrong, where, and what to do.
"""


class BurnwiseError(Exception):
    """A mistake in input or environment that the user can fix; the message says what and where."""
