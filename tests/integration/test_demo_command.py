"""`burnwise demo` as a user runs it, interrupted: Ctrl-C stops every process it started, by pid,
and removes its temporary directory. (The full story is proven by test_burn_to_page.py with the
same code; this test interrupts it as soon as the chain is up, to stay short.)

The demo runs in a copy of the repository's inputs, because its first step (`burnwise generate`)
writes rendered_rules/ and a test must not change the checkout it runs in.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.chainlib import ROOT

pytestmark = pytest.mark.integration


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_stops_every_process_and_removes_the_directory(tmp_path, prometheus_bin, alertmanager_bin, promtool_bin):
    for name in ("slo_specs", "oncall", "rendered_rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    env = {k: v for k, v in os.environ.items() if not k.startswith("BURNWISE_")}
    env.update(
        PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
        BURNWISE_PROMETHEUS=prometheus_bin, BURNWISE_ALERTMANAGER=alertmanager_bin, BURNWISE_PROMTOOL=promtool_bin,
    )
    demo = subprocess.Popen(
        [sys.executable, "-m", "burnwise", "demo", "--timeout", "60"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output: list[str] = []
    try:
        deadline = time.monotonic() + 60
        for line in demo.stdout:
            output.append(line)
            if line.startswith("==> Healthy traffic") or time.monotonic() > deadline:
                break  # everything is started: interrupt while the demo waits for Prometheus
        text = "".join(output)
        assert "==> Healthy traffic" in text, text
        pids = [int(p) for p in re.findall(r"pid (\d+)", text)]
        workdir = Path(re.search(r"Starting the chain on 127.0.0.1 in (\S+)", text).group(1))
        assert len(pids) == 3 and all(_alive(p) for p in pids) and workdir.is_dir()
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=60)
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 130, "".join(output) + rest
    assert "==> Stopping every process the demo started" in rest
    assert [p for p in pids if _alive(p)] == []
    assert not workdir.exists()
