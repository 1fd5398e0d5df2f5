"""Which :class:`Directory` the receiver uses: a factory, the roster files, or the empty one.

Why: the receiver must run with no roster at all (pages go to the default routing key), use the
roster files when configured, and let a deployment (or a test) plug in its own directory with
``directory_factory: "package.module:callable"`` - a callable taking no arguments and returning
a Directory.
"""

from __future__ import annotations

import importlib

from burnwise.receiver.config import ReceiverConfig

from burnwise.errors import BurnwiseError
from burnwise.roster.directory import Directory


def load_directory(config: ReceiverConfig) -> Directory:
    if config.directory_factory:
        module_name, _, attr = config.directory_factory.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError, ValueError) as exc:
            raise BurnwiseError(
                f"config key 'directory_factory': cannot import {config.directory_factory!r} ({exc}); "
                "use 'package.module:callable'"
            ) from None
        directory = factory()
        if not isinstance(directory, Directory):
            raise BurnwiseError(f"config key 'directory_factory': {config.directory_factory!r} did not return a Directory")
        return directory
    if config.roster is None and config.runbooks is None:
        return Directory.empty()
    return Directory.load(config.roster, config.runbooks)
