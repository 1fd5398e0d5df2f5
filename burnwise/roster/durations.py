"""Short human durations (``2s``, ``5m``, ``1h30m``, ``1w``) as written in the roster.

Ack timeouts go down to seconds so tests and drills can shorten them; shifts are whole days so a
handoff can keep its wall-clock time across DST changes. The grammar and printer are the shared
ones of :mod:`burnwise.durations`; the roster works in :class:`~datetime.timedelta` and prints weeks.
"""

from __future__ import annotations

from burnwise.durations import format_timedelta as format_duration
from burnwise.durations import parse_timedelta as parse_duration

__all__ = ["format_duration", "parse_duration"]
