"""What the report commands share: the receiver's config, its database, the roster, printing.

Its own module so that every report command (handoff, its annotate/accept actions, rotation health,
postmortem) reads the same inputs the same way, without one command module importing another.
"""

from __future__ import annotations

from pathlib import Path

from burnwise.errors import BurnwiseError


def receiver_config(args):
    from burnwise.receiver.config import load_config

    return load_config(args.config)


def open_store(args):
    from burnwise.receiver.config import ReceiverConfig
    from burnwise.receiver.store import Store

    url = args.database_url or receiver_config(args).database_url
    try:
        url = ReceiverConfig(database_url=url).database_url
    except ValueError:
        raise BurnwiseError(f"--database-url {url!r}: use sqlite:///path.db or postgresql://user@host/db") from None
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            raise BurnwiseError(f"database {path} does not exist: pass --database-url (or BURNWISE_DATABASE_URL) of the receiver's database")
    return Store.from_url(url)


def load_directory(args):
    from burnwise.roster.directory import Directory

    roster = args.roster or receiver_config(args).roster
    return Directory.load(roster, None) if roster else None


def emit(report, markdown: str, as_json: bool) -> int:
    from burnwise.reports.markdown import to_json
    from burnwise.textsafe import terminal

    # JSON escapes control characters itself; text is stripped of them (no escape bytes reach a terminal)
    print(to_json(report) if as_json else terminal(markdown), end="" if as_json else "\n")
    return 0
