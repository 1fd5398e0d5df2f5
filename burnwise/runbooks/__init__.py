"""Runbooks that run: apply a runbook's steps in order, verify the SLI after each, stop once it holds.

Why a package of its own: the runner is used by the CLI (``burnwise runbook run``), the demo and,
later, the receiver for opt-in automatic runs. It depends on the catalog models
(:mod:`burnwise.roster.runbooks`), Prometheus' HTTP API and a small incident interface
(:class:`burnwise.runbooks.incidents.Incidents`), never on the receiver's or the CLI's modules,
so any of them can call it without an import circle.
"""
