"""The promtool adapter: everything burnwise knows about Prometheus' and Alertmanager's CLI tools.

Why one wing: running `promtool check rules` / `promtool test rules` / `amtool check-config`,
reading their text output (Go-quoted values, rule outlines), the result types, and the model of a
promtool test file change together whenever the tools change, and nothing else in the generator
needs to know their quirks. Rule generation (spec -> rules) does not use it; the generated proof
(:mod:`burnwise.generator.proof`) writes its test files with :mod:`.rule_tests`, and the commands,
the backtest and the PromQL check run the tools.

The runner's public names are re-exported here for callers that only need to run promtool.
"""

from burnwise.generator.promtool.runner import (
    ENV_VAR,
    EXIT_LINT,
    INSTALL_HINT,
    Promtool,
    PromtoolNotFound,
    RuleCheckResult,
    RuleTestResult,
)

__all__ = ["ENV_VAR", "EXIT_LINT", "INSTALL_HINT", "Promtool", "PromtoolNotFound", "RuleCheckResult", "RuleTestResult"]
