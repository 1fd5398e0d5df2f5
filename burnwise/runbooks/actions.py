"""Executing one catalog action (HTTP call, argv command, manual confirmation) with a timeout each.

Why this shape: the runner must never do anything the reviewed catalog does not spell out, so
this module only interprets :class:`~burnwise.roster.runbooks.Action` - there is no free-form
input. Commands run without a shell; HTTP calls and commands always carry a timeout; secrets
enter only through ``${ENV_VAR}`` in header values and are masked in every description this
module produces (dry-run output, logs, timeline text), so a resolved secret never leaves the
request itself.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import requests

from burnwise.errors import BurnwiseError
from burnwise.roster.durations import parse_duration
from burnwise.roster.runbooks import ENV_REFERENCE, Action

#: Asks a person to do something; returns True once they confirm it is done.
Confirm = Callable[[str], bool]
MASK = "****"


class ActionError(BurnwiseError):
    """An action that cannot even start: a missing environment variable, no one to confirm a manual step."""


@dataclass(frozen=True)
class ActionResult:
    ok: bool
    detail: str


def _substitute(text: str, env: Mapping[str, str], where: str, secret: bool) -> tuple[str, str]:
    """``(value, shown)``: ``${VAR}`` replaced from ``env``; ``shown`` masks it when ``secret``."""

    def value(match) -> str:
        name = match.group(1)
        if name not in env:
            raise ActionError(f"environment variable {name} is not set (needed for the {where})")
        return env[name]

    resolved = ENV_REFERENCE.sub(value, text)
    shown = ENV_REFERENCE.sub(lambda m: f"{MASK}(${m.group(1)})", text) if secret else resolved
    return resolved, shown


def _seconds(text: str) -> float:
    return parse_duration(text).total_seconds()


def describe(action: Action, env: Mapping[str, str]) -> str:
    """What would be called, exactly, with every secret masked (the dry-run line)."""
    if action.http is not None:
        http = action.http
        url = _describe_url(http.url, env)
        parts = [f"HTTP {http.method} {url}"]
        for name, raw in sorted(http.headers.items()):
            shown = ENV_REFERENCE.sub(lambda m: f"{MASK}(${m.group(1)})", raw)
            parts.append(f"header {name}: {shown}")
        if http.body is not None:
            body = http.body if isinstance(http.body, str) else json.dumps(http.body, sort_keys=True)
            parts.append(f"body {body}")
        parts.append(f"timeout {http.timeout}")
        return "; ".join(parts)
    if action.command is not None:
        return f"command {json.dumps(action.command.argv)} (no shell; timeout {action.command.timeout})"
    return f"manual: {action.manual.instructions}"


def _describe_url(url: str, env: Mapping[str, str]) -> str:
    try:
        return _substitute(url, env, "URL", secret=False)[1]
    except ActionError:
        return ENV_REFERENCE.sub(lambda m: f"${{{m.group(1)}}}(unset)", url)


def execute(
    action: Action,
    env: Mapping[str, str],
    confirm: Confirm | None,
    session: requests.Session | None = None,
) -> ActionResult:
    """Run the action once; failures come back as ``ok=False`` with a reason, never as a traceback."""
    if action.http is not None:
        return _http(action, env, session or requests.Session())
    if action.command is not None:
        return _command(action)
    if confirm is None:
        raise ActionError(
            "this is a manual step and nobody can confirm it here (non-interactive run): "
            f"do it by hand - {action.manual.instructions} - or run `burnwise runbook run` in a terminal"
        )
    done = confirm(action.manual.instructions)
    return ActionResult(done, "confirmed by the on-call" if done else "the on-call did not confirm it")


def _http(action: Action, env: Mapping[str, str], session: requests.Session) -> ActionResult:
    http = action.http
    url, shown_url = _substitute(http.url, env, "URL", secret=False)
    headers = {name: _substitute(raw, env, f"header {name}", secret=True)[0] for name, raw in http.headers.items()}
    kwargs: dict = {"headers": headers, "timeout": _seconds(http.timeout), "allow_redirects": False}
    if isinstance(http.body, (dict, list)):
        kwargs["json"] = http.body
    elif isinstance(http.body, str):
        kwargs["data"] = http.body.encode()
    try:
        response = session.request(http.method, url, **kwargs)
    except requests.Timeout:
        return ActionResult(False, f"{http.method} {shown_url} timed out after {http.timeout}")
    except requests.RequestException as exc:
        return ActionResult(False, f"{http.method} {shown_url} failed: {type(exc).__name__}")
    ok = 200 <= response.status_code < 300
    return ActionResult(ok, f"{http.method} {shown_url} -> HTTP {response.status_code}")


def _command(action: Action) -> ActionResult:
    command = action.command
    timeout = _seconds(command.timeout)
    try:
        done = subprocess.run(  # noqa: S603 - argv from the reviewed catalog, never a shell
            command.argv, shell=False, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return ActionResult(False, f"{command.argv[0]} timed out after {command.timeout} (killed)")
    except OSError as exc:
        return ActionResult(False, f"{command.argv[0]} could not start: {exc.strerror or exc}")
    last = (done.stdout.strip().splitlines() or [""])[-1][:200]
    detail = f"{command.argv[0]} exited {done.returncode}" + (f": {last}" if last else "")
    return ActionResult(done.returncode == 0, detail)
