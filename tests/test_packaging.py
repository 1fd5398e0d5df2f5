"""The install adds one import name, ``burnwise``, and works from a plain wheel, not only editable.

The repository keeps its specified folders (``generator/``, ``webhook_receiver/``) and
pyproject.toml maps them into the package. These tests build the real wheel with pip, look at its
top-level names, and run the CLI from the unpacked wheel (outside the repository, so nothing can be
picked up from the working tree): ``generate`` must write the committed rule files byte for byte,
and ``serve`` must answer its health check.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import requests

from burnwise.support.processes import free_port, stop_process, wait_until

REPO = Path(__file__).resolve().parents[1]
MAPPED = {"burnwise": REPO / "burnwise", "burnwise.generator": REPO / "generator", "burnwise.receiver": REPO / "webhook_receiver"}


def _packages_on_disk() -> set[str]:
    names: set[str] = set()
    for root_name, root in MAPPED.items():
        for init in root.rglob("__init__.py"):
            if "__pycache__" in init.parts:
                continue
            rel = init.parent.relative_to(root).parts
            name = ".".join((root_name, *rel))
            # a folder mapped elsewhere (none today) would be listed under its own root
            names.add(name)
    return names


def test_pyproject_lists_every_package_folder():
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert set(config["packages"]) == _packages_on_disk()
    assert {name: REPO / path for name, path in config["package-dir"].items()} == MAPPED


@pytest.fixture(scope="module")
def wheel_install(tmp_path_factory) -> Path:
    """The project's wheel, built by pip from the working tree and unpacked into a folder."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(REPO)],
        check=True,
        timeout=300,
    )
    (wheel,) = out.glob("burnwise-*.whl")
    target = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    return target


def test_wheel_holds_only_the_burnwise_package(wheel_install):
    top = {p.name for p in wheel_install.iterdir() if not p.name.endswith((".dist-info", ".data"))}
    assert top == {"burnwise"}
    assert (wheel_install / "burnwise" / "generator" / "spec.py").is_file()
    assert (wheel_install / "burnwise" / "receiver" / "api.py").is_file()
    console = wheel_install / "burnwise" / "receiver" / "console"
    assert (console / "templates" / "incident.html").is_file() and (console / "static" / "console.js").is_file()


def _wheel_env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site), "PYTHONSAFEPATH": "1"}


def test_generate_from_the_wheel_writes_the_committed_rules(wheel_install, tmp_path):
    out = tmp_path / "rules"
    run = subprocess.run(
        [sys.executable, "-m", "burnwise", "generate", "slo_specs", "--out", str(out)],
        cwd=REPO,  # headers name the spec files relative to the repository; PYTHONSAFEPATH keeps REPO off sys.path
        env=_wheel_env(wheel_install),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    where = subprocess.run(
        [sys.executable, "-c", "import burnwise.generator.spec as m; print(m.__file__)"],
        cwd=REPO, env=_wheel_env(wheel_install), capture_output=True, text=True, check=True, timeout=60,
    ).stdout.strip()
    assert Path(where).is_relative_to(wheel_install)
    for committed in sorted((REPO / "rendered_rules").glob("*.rules.yaml")):
        assert (out / committed.name).read_bytes() == committed.read_bytes(), committed.name


def test_serve_from_the_wheel_answers_health(wheel_install, tmp_path):
    port = free_port()
    config = tmp_path / "receiver.yaml"
    config.write_text(
        f"listen: 127.0.0.1:{port}\ndatabase_url: sqlite:///{tmp_path / 'db.sqlite'}\npaging: false\n", encoding="utf-8"
    )
    env = {**_wheel_env(wheel_install), "BURNWISE_AUTH_TOKEN": "wheel-test-token"}
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "burnwise", "serve", "--config", str(config)], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        def healthy() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(healthy, timeout=30), (tmp_path / "serve.log").read_text(errors="replace")
        # the web console's templates and static files come from the wheel too
        login = requests.get(f"http://127.0.0.1:{port}/ui/login", timeout=10)
        assert login.status_code == 200 and 'name="csrf"' in login.text, login.text[:500]
        assert requests.get(f"http://127.0.0.1:{port}/ui/static/console.css", timeout=10).status_code == 200
    finally:
        stop_process(proc)
        log.close()


def test_make_setup_installs_into_the_project_venv_not_the_system_python():
    """Issue 22.10: `make setup` ran `python3 -m pip install` as root into the system Python."""
    plan = subprocess.run(["make", "-n", "-B", "setup", "VENV=.venv-probe"], cwd=REPO, capture_output=True, text=True, timeout=60, check=True).stdout
    pip_lines = [line for line in plan.splitlines() if " -m pip install" in line]
    assert pip_lines and all(line.startswith(".venv-probe/bin/python -m pip install") for line in pip_lines)
    assert "-m venv .venv-probe" in plan
    for target in ("test", "demo", "check"):
        runs = subprocess.run(["make", "-n", target], cwd=REPO, capture_output=True, text=True, timeout=60, check=True).stdout
        assert all(not line.startswith(("python", "pip")) for line in runs.splitlines()), runs
