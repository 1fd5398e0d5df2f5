"""amtool, Alertmanager's CLI: `amtool check-config` on the generated Alertmanager configuration.

Why here, beside the promtool runner: `burnwise check` proves the generated rules with promtool
and the generated routing with amtool, and both are "run an upstream binary, bounded in time, and
turn its exit code and text into a result". Finding the binary is the caller's choice (the
environment is read only by :meth:`Amtool.find`, which the CLI calls), never a pipeline's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "BURNWISE_AMTOOL"
INSTALL_HINT = "install it with `apt-get install -y prometheus-alertmanager`"
#: Seconds `amtool check-config` may take before the check counts as failed.
CHECK_TIMEOUT = 60


@dataclass(frozen=True)
class ConfigCheck:
    """What `amtool check-config` said: ok, its exit code (None: it timed out) and its output."""

    ok: bool
    exit_code: int | None
    output: str


@dataclass(frozen=True)
class Amtool:
    path: str

    @classmethod
    def find(cls, env: Mapping[str, str] | None = None) -> Amtool | None:
        """The amtool named by ``BURNWISE_AMTOOL``, else the first on ``PATH``; None when absent."""
        env = os.environ if env is None else env
        path = env.get(ENV_VAR) or shutil.which("amtool", path=env.get("PATH"))
        return cls(path) if path else None

    def check_config(self, config: Path, timeout: float = CHECK_TIMEOUT) -> ConfigCheck:
        try:
            run = subprocess.run(
                [self.path, "check-config", str(config)], capture_output=True, text=True, timeout=timeout
            )
        except subprocess.TimeoutExpired:
            return ConfigCheck(False, None, f"timed out after {timeout:g}s")
        return ConfigCheck(run.returncode == 0, run.returncode, (run.stdout + run.stderr).rstrip())
