"""Start real processes, wait until they answer, and stop each one by its own pid.

Why its own module: the demo, the benchmarks and the tests start the same processes (Prometheus,
Alertmanager, ``burnwise serve``, the test pager) on free loopback ports, and all must leave nothing
behind - on success, on a failed
assertion, on Ctrl-C. Every process gets its own session (so a Ctrl-C in the terminal reaches only
the supervisor, which then stops the children in order) and, on Linux, a parent-death signal so
that even a supervisor killed with SIGKILL does not leave orphans listening on ports. Nothing here
ever signals a process it did not start: stops go to the recorded pid, never to a name.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests

PR_SET_PDEATHSIG = 1

#: the real binaries burnwise drives: environment override, names on PATH, Debian package
BINARIES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "promtool": ("BURNWISE_PROMTOOL", ("promtool",), "prometheus"),
    "prometheus": ("BURNWISE_PROMETHEUS", ("prometheus",), "prometheus"),
    "alertmanager": ("BURNWISE_ALERTMANAGER", ("prometheus-alertmanager", "alertmanager"), "prometheus-alertmanager"),
    "amtool": ("BURNWISE_AMTOOL", ("amtool",), "prometheus-alertmanager"),
}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def find_binary(name: str) -> str | None:
    """``$BURNWISE_<NAME>`` when set, else the Debian package's binary on PATH, else None."""
    env_var, candidates, _package = BINARIES[name]
    if os.environ.get(env_var):
        return os.environ[env_var]
    for candidate in candidates:
        path = shutil.which(candidate)
        if path:
            return path
    return None


def install_hint(name: str) -> str:
    """How to get a missing binary, for messages that fail or skip on its absence."""
    env_var, candidates, package = BINARIES[name]
    return f"{candidates[0]} not found: install it with `apt-get install -y {package}` (or set {env_var})"


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` seconds pass (bounded); its last answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def stop_process(proc: subprocess.Popen, grace: float = 10.0) -> int | None:
    """Stop one process by its own pid: SIGTERM, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGTERM)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=grace)
        except ProcessLookupError:
            pass
    return proc.wait()


class ProcessFailed(RuntimeError):
    """A process exited early or never became ready; the message carries the tail of its log."""


def _find_prctl():
    """libc's prctl, looked up once in the parent (the child between fork and exec must not load
    libraries: another thread of the parent may have held the loader's lock at fork time)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _find_prctl()


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Ask Linux to send SIGTERM to this child when the process that started it dies."""
    _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)


def log_tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.rstrip().splitlines()[-lines:]) or "(empty log)"


def http_ok(url: str, timeout: float = 1.0) -> bool:
    try:
        return requests.get(url, timeout=timeout).status_code == 200
    except requests.RequestException:
        return False


@dataclass
class ManagedProcess:
    """One child process: its command line, its log file and the URL that says it is ready."""

    name: str
    argv: Sequence[str]
    log_path: Path
    ready_url: str | None = None
    env: Mapping[str, str] | None = None
    cwd: Path | None = None
    popen: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def pid(self) -> int | None:
        return self.popen.pid if self.popen is not None else None

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def start(self) -> "ManagedProcess":
        if self.running:
            raise ProcessFailed(f"{self.name} is already running (pid {self.pid})")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        try:
            self.popen = subprocess.Popen(
                list(self.argv),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=dict(self.env) if self.env is not None else None,
                cwd=self.cwd,
                start_new_session=True,
                preexec_fn=_die_with_parent if _PRCTL is not None else None,
            )
        except OSError as exc:
            raise ProcessFailed(f"{self.name}: cannot start {self.argv[0]}: {exc}") from None
        finally:
            log.close()
        return self

    def wait_ready(self, timeout: float = 30.0, check: Callable[[], bool] | None = None) -> None:
        """Poll ``ready_url`` (or ``check``) until it answers; fail early when the process exits."""
        probe = check or (lambda: self.ready_url is None or http_ok(self.ready_url))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                code = self.popen.returncode if self.popen is not None else None
                raise ProcessFailed(
                    f"{self.name} exited with code {code} before it was ready; its log ({self.log_path}):\n"
                    f"{log_tail(self.log_path)}"
                )
            if probe():
                return
            time.sleep(0.1)
        raise ProcessFailed(
            f"{self.name} (pid {self.pid}) did not answer {self.ready_url or 'its readiness check'} within "
            f"{timeout:.0f}s; its log ({self.log_path}):\n{log_tail(self.log_path)}"
        )

    def stop(self, grace: float = 10.0) -> int | None:
        """SIGTERM to this pid, then SIGKILL after ``grace`` seconds; returns the exit code."""
        if self.popen is None:
            return None
        return stop_process(self.popen, grace)


class Supervisor:
    """The processes of one run, stopped in reverse start order by :meth:`stop_all`."""

    def __init__(self) -> None:
        self.processes: list[ManagedProcess] = []

    def start(self, process: ManagedProcess, ready_timeout: float = 30.0) -> ManagedProcess:
        self.processes.append(process)
        process.start()
        process.wait_ready(ready_timeout)
        return process

    def stop_all(self) -> None:
        errors = []
        for process in reversed(self.processes):
            try:
                process.stop()
            except Exception as exc:  # keep stopping the others; report at the end
                errors.append(f"{process.name} (pid {process.pid}): {exc}")
        if errors:
            raise ProcessFailed("could not stop every process: " + "; ".join(errors))


def install_stop_signals() -> Callable[[], None]:
    """Turn SIGTERM (and SIGINT, as Python does) into KeyboardInterrupt so ``finally`` blocks run.

    Returns a function that restores the previous handlers.
    """

    def _interrupt(signum, _frame):
        raise KeyboardInterrupt(f"signal {signum}")

    previous = {sig: signal.signal(sig, _interrupt) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
