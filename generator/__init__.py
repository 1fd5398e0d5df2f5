"""burnwise.generator: SLO specs in, Prometheus rules, Alertmanager routing and their proof out.

Installed as ``burnwise.generator`` from the repository's ``generator/`` folder. It imports only
the ground floor (:mod:`burnwise.errors`, :mod:`burnwise.durations`, :mod:`burnwise.layout`,
:mod:`burnwise.promql`), never the receiver, the roster domain or the CLI: whatever it needs
from outside (the roster's surfaces, file locations) it receives as data. Its wings are
:mod:`.promtool` (the adapter to promtool and amtool) and :mod:`.proof` (generated tests,
scenarios, backtest, incident replay).
"""
