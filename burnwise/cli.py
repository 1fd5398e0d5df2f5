"""The `burnwise` command line: a thin layer that finds subcommands and maps errors to exit codes.

Subcommands live in :mod:`burnwise.commands` (one module per family, each with a
``register(subparsers)`` function). User mistakes raise :class:`burnwise.errors.BurnwiseError` (or a subclass) anywhere below; this
is the one place that maps them to a message on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys

from burnwise import __version__, commands
from burnwise.errors import BurnwiseError
from burnwise.textsafe import terminal


#: Commands of the GitOps gate -> the one module that registers them. `burnwise generate|test|check`
#: import only that module (the other commands' imports cost a CI run about half a second);
#: tests/cli/test_cli_lazy.py checks that each module registers the commands listed for it.
GATE_COMMANDS = {"generate": "generate", "validate": "generate", "test": "test", "check": "check"}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with only the module ``only`` (a :data:`GATE_COMMANDS` value)."""
    parser = argparse.ArgumentParser(
        prog="burnwise",
        description="SLO specs in, Prometheus rules out; Alertmanager in, incidents and pages out.",
    )
    parser.add_argument("--version", action="version", version=f"burnwise {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [only] if only else sorted(m.name for m in pkgutil.iter_modules(commands.__path__))
    for name in names:
        module = importlib.import_module(f"{commands.__name__}.{name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    first = (sys.argv[1:] if argv is None else argv)[:1]
    parser = build_parser(GATE_COMMANDS.get(first[0]) if first else None)
    try:
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, inside the handler, not at interpreter exit
        return code
    except BurnwiseError as exc:
        print(f"burnwise: {terminal(str(exc))}", file=sys.stderr)  # messages may quote a server's or a file's text
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """``burnwise ... | head`` closed our stdout early: stop quietly, as a command killed by SIGPIPE.

    Python would print a traceback when it flushes stdout at exit; pointing stdout at /dev/null
    first keeps that flush silent. The exit code is the shell's for SIGPIPE (128 + 13).
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 141


if __name__ == "__main__":
    raise SystemExit(main())
