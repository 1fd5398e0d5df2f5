"""Any command piped into `head` exits quietly: no BrokenPipeError traceback (issue 22.1).

The reader here is a pipe whose read end is already closed, the state `head -2` leaves behind once
it has its two lines: every write the command makes fails with EPIPE, deterministically, whatever
the size of the output or the speed of the machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "argv",
    [
        ["oncall", "who", "--roster", "oncall/roster.yaml"],
        ["generate", "--help"],
        ["schema"],
    ],
)
def test_a_reader_that_closed_early_gets_no_traceback(argv):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "burnwise", *argv], cwd=REPO, stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=120
        )
    finally:
        os.close(write_end)
    assert "Traceback" not in run.stderr
    assert run.stderr.strip() == ""
    assert run.returncode in {0, 141}
