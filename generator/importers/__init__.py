"""Readers for other SLO formats: each turns its documents into `burnwise/v1` documents.

An importer module exposes ``to_burnwise(document: dict, display: str) -> list[dict]`` and raises
:class:`burnwise.generator.errors.SpecError` naming the field it cannot carry. The Jsonnet module exposes
``evaluate(path, display) -> list[dict]`` instead.
"""
