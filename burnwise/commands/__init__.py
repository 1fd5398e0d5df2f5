"""Subcommands of the `burnwise` CLI, one module per command family.

Each module defines ``register(subparsers)``, which adds its subcommands and sets ``func`` on
each parser to a callable ``func(args) -> int``. The CLI discovers modules here by name, so a new
command family is a new file and never an edit to a shared one.
"""
