"""The Alerta peer for the receiver benchmark: alerta-server from PyPI in its own virtualenv.

Installed into the benchmark's temporary directory (never into the project's environment), run
under gunicorn with one worker process (like ``burnwise serve``'s one uvicorn process) on the same
PostgreSQL server, and fed the same payloads at ``/api/webhooks/prometheus``. When it does not
install or start, :func:`prepare` says why and the benchmark reports that instead of a number.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bench.procs import run_checked

#: alerta-server needs a PostgreSQL driver it does not declare; psycopg2-binary needs no compiler
PACKAGES = ["alerta-server", "gunicorn", "psycopg2-binary"]
#: under gunicorn the app is mounted at the root (the /api prefix is the Docker image's nginx)
WEBHOOK_PATH = "/webhooks/prometheus"
HEALTH_PATH = "/management/healthcheck"
THREADS = 8


def prepare(venv: Path, log: Path, timeout: float = 900.0) -> Path:
    """Create the virtualenv and install Alerta; return its gunicorn, raise RuntimeError on failure."""
    gunicorn = venv / "bin" / "gunicorn"
    if gunicorn.exists():
        return gunicorn
    run_checked([sys.executable, "-m", "venv", str(venv)], log.with_suffix(".venv.log"), timeout)
    run_checked([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *PACKAGES], log, timeout)
    return gunicorn


def version(venv: Path) -> str:
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import importlib.metadata as m; print(m.version('alerta-server'))"],
        capture_output=True, text=True, timeout=60,
    )
    return done.stdout.strip() or "unknown"


def command(venv: Path, port: int) -> list[str]:
    return [
        str(venv / "bin" / "gunicorn"),
        "--workers", "1", "--threads", str(THREADS), "--worker-class", "gthread",
        "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
        "alerta:create_app()",
    ]


def environment(database_url: str, base: dict[str, str], home: Path) -> dict[str, str]:
    """Alerta's settings; HOME points into the work directory (gunicorn keeps a control socket there)."""
    env = dict(base)
    env["HOME"] = str(home)
    env.pop("PYTHONPATH", None)
    env.update({"DATABASE_URL": database_url, "AUTH_REQUIRED": "False", "DEBUG": "False", "ALERTA_SVR_CONF_FILE": "/dev/null"})
    return env
